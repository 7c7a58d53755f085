"""The ``posts`` part: one document per post, with its whole conversation, and work-item keys.

A post's document is written only by the events of its own stream (``post-<id>``), so the
``_applied.<stream>`` version that :func:`agora.eventsourcing.apply_once` keeps inside it is an
exact record of what it has seen: a redelivered event changes nothing. The projection is the
only writer and applies events one at a time, so each event reads the document, computes the
fields it changes (a pure function of the document and the event), and writes them in one
update guarded by that version.

Two updates reach other documents, both idempotent on their own and done *before* the post's
own update (so a crash between them is repaired by the redelivery): a share adds itself to the
shared post's ``shares`` (and leaves it when deleted), and a work-item thread claims its key in
the ``work_items`` part (``<community>|<system>|<item id>`` → post id; the first claim stays).

Deleting a post removes its content (text, rendering, history, tags, mentions, links, poll
labels, work-item title and address, every comment's text) from the document: only a tombstone
with ids, times and counts remains.
"""

from collections.abc import Callable
from datetime import datetime
from functools import singledispatch
from typing import Any, cast

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from agora.eventsourcing import DomainEvent, EventEnvelope, ReadModel, apply_once
from agora.eventsourcing.readmodel import APPLIED_FIELD
from agora.feed.content import render_html
from agora.feed.domain.events import (
    AnswerAccepted,
    AnswerUnaccepted,
    CommentAdded,
    CommentDeleted,
    CommentEdited,
    CommentHidden,
    CommentRestored,
    Content,
    PollVoted,
    PostDeleted,
    PostEdited,
    PostHidden,
    PostPublished,
    PostReported,
    PostRestored,
    PostSubscribed,
    PostUnsubscribed,
    ReactionRemoved,
    ReactionSet,
)
from agora.feed.readmodel import collection

Document = dict[str, Any]
STREAM_PREFIX = "post-"
REACTIONS = ("like", "celebrate", "insightful", "support")


def post_id_of(envelope: EventEnvelope) -> str | None:
    """The post a feed event belongs to, or ``None`` for an inbox event."""
    if not envelope.streamid.startswith(STREAM_PREFIX):
        return None
    return envelope.streamid.removeprefix(STREAM_PREFIX)


def work_item_key(community_id: str, system: str, item_id: str) -> str:
    """The ``work_items`` document id of one work item in one community."""
    return f"{community_id}|{system}|{item_id}"


def already_applied(document: Document | None, envelope: EventEnvelope) -> bool:
    """Whether ``document`` has applied this event of its stream (or a later one)."""
    if document is None:
        return False
    applied = document.get(APPLIED_FIELD, {}).get(envelope.streamid)
    return applied is not None and int(applied) >= envelope.streamversion


def event_time(envelope: EventEnvelope, event: DomainEvent) -> datetime:
    """When readers see that ``event`` happened: an imported post's or comment's original time,
    otherwise the time it was stored (the envelope's)."""
    if isinstance(event, PostPublished | CommentAdded) and event.published_at is not None:
        return event.published_at
    return envelope.time


def is_published(document: Document | None) -> bool:
    """Whether the document is a published post (not a placeholder holding shares only)."""
    return document is not None and "published_at" in document


async def apply_event(envelope: EventEnvelope, event: DomainEvent, read_model: ReadModel) -> None:
    """Apply one feed event to the ``posts`` part (inbox events are ignored)."""
    post_id = post_id_of(envelope)
    if post_id is None:
        return
    posts = collection(read_model, "posts")
    if isinstance(event, PostPublished) and not _touches_others(event):
        # The usual new post changes its own document only, and ``apply_once`` alone refuses
        # to apply it twice: no lookup first.
        changes = post_changes(event, {}, event_time(envelope, event))
        await apply_once(posts, document_id=post_id, envelope=envelope, update={"$set": changes})
        return
    document = await posts.find_one({"_id": post_id})
    if already_applied(document, envelope):
        return
    current = document or {}
    if isinstance(event, PostPublished):
        await _claim_work_item(event, collection(read_model, "work_items"))
        if event.shared_post_id is not None:
            await _count_share(posts, event.shared_post_id, post_id, shared=True)
    elif isinstance(event, PostDeleted) and current.get("shared_post_id"):
        await _count_share(posts, str(current["shared_post_id"]), post_id, shared=False)
    changes = post_changes(event, current, event_time(envelope, event))
    update: Document = {"$set": changes} if changes else {}
    await apply_once(posts, document_id=post_id, envelope=envelope, update=update)


def _touches_others(event: PostPublished) -> bool:
    """Whether applying the post also writes other documents (its work item's thread, the
    shared post's count), which must not happen again when the post was already applied."""
    return event.work_item is not None or event.shared_post_id is not None


async def _claim_work_item(event: PostPublished, work_items: AsyncCollection[Document]) -> None:
    if event.work_item is None or event.place.kind != "community":
        return
    key = work_item_key(event.place.id, event.work_item.system, event.work_item.item_id)
    try:
        await work_items.insert_one(
            {"_id": key, "post_id": event.post_id, "community_id": event.place.id}
        )
    except DuplicateKeyError:
        return  # claimed already: by this post (a redelivery) or by the thread's first post


async def _count_share(
    posts: AsyncCollection[Document], shared_post_id: str, sharing_post_id: str, *, shared: bool
) -> None:
    """Add (or, when the share is deleted, remove) one share of a post, at most once."""
    source = await posts.find_one({"_id": shared_post_id}, {"shares": 1})
    shares: list[str] = list(source.get("shares", [])) if source else []
    if shared == (sharing_post_id in shares):
        return
    if shared:
        update: Document = {"$push": {"shares": sharing_post_id}, "$inc": {"share_count": 1}}
    else:
        update = {"$pull": {"shares": sharing_post_id}, "$inc": {"share_count": -1}}
    await posts.update_one({"_id": shared_post_id}, update, upsert=True)


# --- what each event changes: pure functions of (event, current document, event time) --------


@singledispatch
def post_changes(event: DomainEvent, document: Document, at: datetime) -> Document:
    """The fields of the post's document that ``event`` sets (``{}`` when none)."""
    return {}


@post_changes.register
def _published(event: PostPublished, document: Document, at: datetime) -> Document:
    poll = None
    if event.poll is not None:
        poll = {
            "options": [
                {"option_id": option.option_id, "label": option.label, "votes": 0}
                for option in event.poll.options
            ],
            "closes_at": event.poll.closes_at,
            "results_visibility": event.poll.results_visibility,
            "votes": [],
        }
    return {
        "post_id": event.post_id,
        "author_id": event.author_id,
        "place": event.place.model_dump(),
        "kind": event.kind,
        **_content_fields(event.content),
        "tags": list(event.tags),
        "work_item": event.work_item.model_dump() if event.work_item else None,
        "praise": (
            {"person_ids": list(event.praise.person_ids), "skill": event.praise.skill}
            if event.praise
            else None
        ),
        "poll": poll,
        "shared_post_id": event.shared_post_id,
        "published_at": at,
        "edited_at": None,
        "history": [],
        "deleted": False,
        "hidden": None,
        "comments": [],
        "comment_count": 0,
        "reactions": [],
        "reaction_counts": _zero_counts(),
        "accepted_answer": None,
        "answered": False,
        "subscribers": [event.author_id],
        "unsubscribed": [],
        "shares": list(document.get("shares", [])),
        "share_count": int(document.get("share_count", 0)),
        "reports": [],
    }


@post_changes.register
def _edited(event: PostEdited, document: Document, at: datetime) -> Document:
    previous = {
        "text": document.get("text", ""),
        "tags": list(document.get("tags", [])),
        "edited_at": document.get("edited_at"),
    }
    return {
        **_content_fields(event.content),
        "tags": list(event.tags),
        "edited_at": at,
        "history": [*document.get("history", []), previous],
    }


@post_changes.register
def _deleted(event: PostDeleted, document: Document, at: datetime) -> Document:
    changes: Document = {
        "deleted": True,
        "deleted_at": at,
        "text": "",
        "html": "",
        "mentions": [],
        "links": [],
        "tags": [],
        "history": [],
        "comments": [_erased_comment(comment) for comment in document.get("comments", [])],
        "comment_count": 0,
    }
    work_item = document.get("work_item")
    if work_item:
        changes["work_item"] = {**work_item, "url": None, "title": None}
    poll = document.get("poll")
    if poll:
        options = [{**option, "label": ""} for option in poll.get("options", [])]
        changes["poll"] = {**poll, "options": options}
    praise = document.get("praise")
    if praise:
        changes["praise"] = {**praise, "skill": None}
    return changes


@post_changes.register
def _hidden(event: PostHidden, document: Document, at: datetime) -> Document:
    return {"hidden": {"reason": event.reason, "moderator_id": event.moderator_id, "at": at}}


@post_changes.register
def _restored(event: PostRestored, document: Document, at: datetime) -> Document:
    return {"hidden": None}


@post_changes.register
def _reported(event: PostReported, document: Document, at: datetime) -> Document:
    report = {
        "report_id": event.report_id,
        "reporter_id": event.reporter_id,
        "reason": event.reason,
        "comment_id": event.comment_id,
        "at": at,
    }
    return {"reports": [*document.get("reports", []), report]}


@post_changes.register
def _comment_added(event: CommentAdded, document: Document, at: datetime) -> Document:
    comment = {
        "comment_id": event.comment_id,
        "author_id": event.author_id,
        "parent_comment_id": event.parent_comment_id,
        **_content_fields(event.content),
        "created_at": at,
        "edited_at": None,
        "history": [],
        "deleted": False,
        "hidden": None,
        "reactions": [],
        "reaction_counts": _zero_counts(),
    }
    comments = [*document.get("comments", []), comment]
    changes: Document = {"comments": comments, "comment_count": _live_comments(comments)}
    subscribers = list(document.get("subscribers", []))
    if event.author_id not in subscribers and event.author_id not in document.get(
        "unsubscribed", []
    ):
        changes["subscribers"] = [*subscribers, event.author_id]
    return changes


@post_changes.register
def _comment_edited(event: CommentEdited, document: Document, at: datetime) -> Document:
    def edit(comment: Document) -> Document:
        previous = {"text": comment.get("text", ""), "edited_at": comment.get("edited_at")}
        return {
            **comment,
            **_content_fields(event.content),
            "edited_at": at,
            "history": [*comment.get("history", []), previous],
        }

    return _change_comment(document, event.comment_id, edit)


@post_changes.register
def _comment_deleted(event: CommentDeleted, document: Document, at: datetime) -> Document:
    return _change_comment(
        document, event.comment_id, lambda comment: {**_erased_comment(comment), "deleted_at": at}
    )


@post_changes.register
def _comment_hidden(event: CommentHidden, document: Document, at: datetime) -> Document:
    moderation = {"reason": event.reason, "moderator_id": event.moderator_id, "at": at}
    return _change_comment(
        document, event.comment_id, lambda comment: {**comment, "hidden": moderation}
    )


@post_changes.register
def _comment_restored(event: CommentRestored, document: Document, at: datetime) -> Document:
    return _change_comment(document, event.comment_id, lambda comment: {**comment, "hidden": None})


@post_changes.register
def _reaction_set(event: ReactionSet, document: Document, at: datetime) -> Document:
    if event.comment_id is None:
        return _react(document, event.person_id, event.reaction)
    return _change_comment(
        document,
        event.comment_id,
        lambda comment: {**comment, **_react(comment, event.person_id, event.reaction)},
    )


@post_changes.register
def _reaction_removed(event: ReactionRemoved, document: Document, at: datetime) -> Document:
    if event.comment_id is None:
        return _react(document, event.person_id, None)
    return _change_comment(
        document,
        event.comment_id,
        lambda comment: {**comment, **_react(comment, event.person_id, None)},
    )


@post_changes.register
def _answer_accepted(event: AnswerAccepted, document: Document, at: datetime) -> Document:
    return {"accepted_answer": event.comment_id, "answered": True}


@post_changes.register
def _answer_unaccepted(event: AnswerUnaccepted, document: Document, at: datetime) -> Document:
    if document.get("accepted_answer") != event.comment_id:
        return {}
    return {"accepted_answer": None, "answered": False}


@post_changes.register
def _voted(event: PollVoted, document: Document, at: datetime) -> Document:
    poll = document.get("poll")
    if not poll:
        return {}
    votes = [vote for vote in poll.get("votes", []) if vote["person_id"] != event.person_id]
    votes.append({"person_id": event.person_id, "option_id": event.option_id})
    tally: dict[str, int] = {}
    for vote in votes:
        tally[vote["option_id"]] = tally.get(vote["option_id"], 0) + 1
    options = [{**option, "votes": tally.get(option["option_id"], 0)} for option in poll["options"]]
    return {"poll": {**poll, "options": options, "votes": votes}}


@post_changes.register
def _subscribed(event: PostSubscribed, document: Document, at: datetime) -> Document:
    return {
        "subscribers": _with_member(document.get("subscribers", []), event.person_id),
        "unsubscribed": _without(document.get("unsubscribed", []), event.person_id),
    }


@post_changes.register
def _unsubscribed(event: PostUnsubscribed, document: Document, at: datetime) -> Document:
    return {
        "subscribers": _without(document.get("subscribers", []), event.person_id),
        "unsubscribed": _with_member(document.get("unsubscribed", []), event.person_id),
    }


# --- helpers ---------------------------------------------------------------------------------


def _content_fields(content: Content) -> Document:
    return {
        "text": content.text,
        "html": render_html(content.text),
        "mentions": list(content.mentions),
        "links": list(content.links),
    }


def _zero_counts() -> dict[str, int]:
    return dict.fromkeys(REACTIONS, 0)


def _react(target: Document, person_id: str, reaction: str | None) -> Document:
    """The ``reactions`` list and ``reaction_counts`` of a post or comment after a change."""
    reactions = [entry for entry in target.get("reactions", []) if entry["person_id"] != person_id]
    if reaction is not None:
        reactions.append({"person_id": person_id, "reaction": reaction})
    counts = _zero_counts()
    for entry in reactions:
        counts[entry["reaction"]] = counts.get(entry["reaction"], 0) + 1
    return {"reactions": reactions, "reaction_counts": counts}


def _erased_comment(comment: Document) -> Document:
    return {**comment, "text": "", "html": "", "mentions": [], "history": [], "deleted": True}


def _live_comments(comments: list[Document]) -> int:
    return sum(
        1 for comment in comments if not comment.get("deleted") and not comment.get("hidden")
    )


def _change_comment(
    document: Document, comment_id: str, change: Callable[[Document], Document]
) -> Document:
    comments = cast(list[Document], document.get("comments", []))
    if not any(comment["comment_id"] == comment_id for comment in comments):
        return {}
    updated = [
        change(comment) if comment["comment_id"] == comment_id else comment for comment in comments
    ]
    return {"comments": updated, "comment_count": _live_comments(updated)}


def _with_member(values: list[str], value: str) -> list[str]:
    return values if value in values else [*values, value]


def _without(values: list[str], value: str) -> list[str]:
    return [item for item in values if item != value]
