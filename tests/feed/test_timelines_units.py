"""The pure parts of the timelines: cursors and the routing of questions to topics."""

import base64
import json
from datetime import UTC, datetime

import pytest

from agora.feed.readside.notification_inbox import (
    Inbox,
    decode_unread,
    encode_unread,
    stored_head_fields,
)
from agora.feed.readside.pages import (
    Cursor,
    InvalidCursorError,
    Position,
    decode_entry,
    encode_entry,
    entry_key,
    stored_entries,
)
from agora.feed.readside.questions import question_topics, text_phrases

pytestmark = pytest.mark.unit


def test_a_cursor_reads_back_as_it_was_written() -> None:
    cursor = Cursor(
        positions={
            "home:ana": Position(3, (1_767_225_600_000, "p1")),
            "community:c1": Position(0),
            "community:c2": None,
        },
        last=(1_767_225_600_000, "p1"),
    )

    assert Cursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize(
    "body",
    [
        {"v": 2, "p": {}},
        {"v": 1, "p": []},
        {"v": 1, "p": {"home:a": [-1]}},
        {"v": 1, "p": {"home:a": [1, 2]}},
        {"v": 1, "p": {"home:a": [1, "x", "p"]}},
        {"v": 1, "p": {"home:a": [True]}},
        {"v": 1, "p": {}, "l": [1]},
        {"v": 1, "p": {"": [1]}},
    ],
)
def test_an_altered_cursor_is_refused(body: object) -> None:
    text = base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")

    with pytest.raises(InvalidCursorError):
        Cursor.decode(text)


@pytest.mark.parametrize("text", ["***", "e30", "a" * 9000, "bm90IGpzb24"])
def test_a_cursor_that_is_not_ours_is_refused(text: str) -> None:
    with pytest.raises(InvalidCursorError):
        Cursor.decode(text)


@pytest.mark.parametrize(
    "entry",
    [
        {
            "post_id": "p1",
            "at": datetime(2026, 12, 4, 9, 30, 1, 123000, tzinfo=UTC),
            "community_id": None,
            "reasons": ["author", "follow", "member", "mention"],
        },
        {
            "post_id": "p|2",
            "at": datetime(2026, 1, 1, tzinfo=UTC),
            "community_id": 'c"1',
            "fanned_out": True,
        },
        {"post_id": "p3", "at": datetime(2026, 1, 1, tzinfo=UTC), "community_id": "c1"},
    ],
)
def test_a_stored_entry_reads_back_as_it_was_appended(entry: dict[str, object]) -> None:
    stored = encode_entry(entry)

    assert isinstance(stored, str)
    assert decode_entry(stored) == entry
    assert entry_key(decode_entry(stored)) == entry_key(entry)


def test_a_bucket_written_before_entries_were_strings_reads_the_same() -> None:
    older = {
        "post_id": "p1",
        "at": datetime(2026, 1, 1, tzinfo=UTC),
        "community_id": None,
        "reasons": ["follow"],
    }
    newer = {**older, "post_id": "p2", "reasons": ["member"]}

    bucket = {"entries": [older, encode_entry(newer)]}

    assert stored_entries(bucket) == [older, newer]
    assert stored_entries(None) == []


def test_an_unread_entry_reads_back_as_stored_and_older_heads_read_the_same() -> None:
    entry = {
        "id": "evt-1",
        "t": datetime(2026, 12, 4, 9, 30, 1, 250000, tzinfo=UTC),
        "k": "comment",
        "c": "c1",
        "p": "p1",
        "m": None,
    }
    older = {**entry, "id": "evt-0"}

    stored = stored_head_fields({"unread": [entry], "recent": ["evt-1"]})
    head = {"unread": [older, *stored["unread"]], "recent": stored["recent"]}

    assert isinstance(stored["unread"][0], str)
    assert decode_unread(encode_unread(entry)) == entry
    assert Inbox.from_document("ana", head).unread == [older, entry]


def test_question_topics_are_its_tags_then_the_known_topics_its_text_names() -> None:
    known = {"kubernetes", "machine learning", "c#", "node.js", "go"}

    topics = question_topics(
        ["Ops", "machine-learning"],
        "How do I run Kübernetes jobs in C# or Node.js? Machine\nlearning too.",
        known,
    )

    assert topics == ["ops", "machine-learning", "machine learning", "c#", "kubernetes", "node.js"]


def test_text_phrases_are_words_and_runs_of_up_to_three() -> None:
    assert text_phrases("Rotate TLS certs.") == {
        "rotate",
        "tls",
        "certs",
        "rotate tls",
        "tls certs",
        "rotate tls certs",
    }
