"""What each post event changes in the post's read-model document (pure functions)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agora.feed.domain.events import (
    CommentAdded,
    CommentDeleted,
    Content,
    Place,
    Poll,
    PollOption,
    PollVoted,
    PostDeleted,
    PostEdited,
    PostPublished,
    PostUnsubscribed,
    ReactionRemoved,
    ReactionSet,
)
from agora.feed.readside.posts import post_changes

pytestmark = pytest.mark.unit

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _published(**fields: Any) -> dict[str, Any]:
    event = PostPublished(
        post_id="p1",
        author_id="ana",
        place=Place(kind="community", id="c1", visibility="closed"),
        kind="poll",
        content=Content(text="Quel *jour* ?", mentions=("bob",)),
        tags=("meetup",),
        poll=Poll(
            options=(
                PollOption(option_id="o1", label="Lundi"),
                PollOption(option_id="o2", label="Mardi"),
            ),
            closes_at=AT + timedelta(days=1),
            results_visibility="always",
        ),
        **fields,
    )
    return post_changes(event, {}, AT)


def _apply(document: dict[str, Any], *events: Any) -> dict[str, Any]:
    for event in events:
        document = {**document, **post_changes(event, document, AT)}
    return document


def test_a_published_post_is_stored_with_its_rendering() -> None:
    document = _published()

    assert document["html"] == "<p>Quel <em>jour</em> ?</p>\n"
    assert document["subscribers"] == ["ana"]
    assert document["reaction_counts"] == {"like": 0, "celebrate": 0, "insightful": 0, "support": 0}
    assert document["poll"]["votes"] == []


def test_votes_are_a_list_and_a_changed_vote_moves_its_count() -> None:
    document = _apply(
        _published(),
        PollVoted(person_id="bob", option_id="o1"),
        PollVoted(person_id="eve.x@corp", option_id="o1"),
        PollVoted(person_id="bob", option_id="o2"),
    )

    assert document["poll"]["votes"] == [
        {"person_id": "eve.x@corp", "option_id": "o1"},
        {"person_id": "bob", "option_id": "o2"},
    ]
    assert [o["votes"] for o in document["poll"]["options"]] == [1, 1]


def test_reactions_are_counted_per_kind_and_one_per_person() -> None:
    document = _apply(
        _published(),
        ReactionSet(person_id="bob", reaction="like"),
        ReactionSet(person_id="eve", reaction="like"),
        ReactionSet(person_id="bob", reaction="celebrate"),
        ReactionRemoved(person_id="eve"),
    )

    assert document["reactions"] == [{"person_id": "bob", "reaction": "celebrate"}]
    assert document["reaction_counts"]["like"] == 0
    assert document["reaction_counts"]["celebrate"] == 1


def test_an_edit_keeps_the_previous_version_and_a_deletion_removes_all_content() -> None:
    document = _apply(
        _published(),
        PostEdited(content=Content(text="Quel soir ?"), tags=("apero",)),
        CommentAdded(comment_id="k1", author_id="bob", content=Content(text="Mardi !")),
        PostUnsubscribed(person_id="bob"),
    )
    assert document["history"] == [{"text": "Quel *jour* ?", "tags": ["meetup"], "edited_at": None}]
    assert document["edited_at"] == AT
    assert document["subscribers"] == ["ana"]
    assert document["comment_count"] == 1

    deleted = _apply(document, CommentDeleted(comment_id="k1"), PostDeleted())

    assert deleted["deleted"] is True
    assert deleted["comment_count"] == 0
    for text in ("jour", "soir", "Mardi", "Lundi", "apero", "meetup"):
        assert text not in str(deleted), text
