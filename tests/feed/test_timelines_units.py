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
    entry_document,
    entry_key,
    read_entry,
)
from agora.feed.readside.questions import question_topics, text_phrases

pytestmark = pytest.mark.unit


def test_a_cursor_reads_back_as_it_was_written() -> None:
    cursor = Cursor(
        positions={
            "home:ana": Position((1_767_225_600_000, "p1")),
            "community:c1": Position(),
            "community:c2": None,
        },
        last=(1_767_225_600_000, "p1"),
    )

    assert Cursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize(
    "body",
    [
        {"v": 1, "p": {}},
        {"v": 2, "p": []},
        {"v": 2, "p": {"home:a": [-1, "p"]}},
        {"v": 2, "p": {"home:a": [1]}},
        {"v": 2, "p": {"home:a": [1, "x", "p"]}},
        {"v": 2, "p": {"home:a": [True, "p"]}},
        {"v": 2, "p": {"home:a": [10**15, "p"]}},
        {"v": 2, "p": {}, "l": [1]},
        {"v": 2, "p": {"": []}},
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
    stored = entry_document("home:ana", entry)

    assert read_entry("home:ana", stored) == entry
    assert entry_key(read_entry("home:ana", stored)) == entry_key(entry)


def test_entry_ids_sort_as_their_entries_within_a_timeline_and_apart_from_others() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    entries = [
        {"post_id": post_id, "at": at.replace(second=second), "community_id": None}
        for second, post_id in [(0, "b"), (0, "a"), (9, "a"), (1, "zz"), (10, "a")]
    ]
    ids = [str(entry_document("home:ana", entry)["_id"]) for entry in entries]

    assert sorted(ids) == [
        str(entry_document("home:ana", entry)["_id"]) for entry in sorted(entries, key=entry_key)
    ]
    # "home:ana|..." never falls within "home:an|" .. "home:an|~", nor the other way round.
    assert all(not ("home:an|" < id_ < "home:an|~") for id_ in ids)


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
