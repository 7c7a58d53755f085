"""How a post's record follows its stream: one pure step per feed event.

Each step applies only an event newer than the record's ``version``, so a redelivered or
replayed event returns the record unchanged. A deleted post is final: its text and its
comments' texts are dropped and later events only move its version.
"""

from datetime import datetime

from agora.eventsourcing import EventEnvelope
from agora.search import upstream
from agora.search.sidemodel.records import (
    CommentRecord,
    PostRecord,
    WorkItemRecord,
    stored_time,
)


def event_time(envelope: EventEnvelope, published_at: datetime | None = None) -> datetime:
    """When the event happened: an imported item's original time, else the envelope's."""
    return stored_time(published_at or envelope.time)


def evolve_post(
    record: PostRecord | None, envelope: EventEnvelope, event: upstream.UpstreamEvent
) -> PostRecord | None:
    """The post's record after ``event`` (``None`` while the post is unknown)."""
    version = envelope.streamversion
    if isinstance(event, upstream.PostPublished):
        if record is not None:
            return record if record.version >= version else _moved(record, version)
        return _published(envelope, event)
    if record is None or record.version >= version:
        return record
    changed = record.model_copy(deep=True, update={"version": version})
    if changed.state == "deleted":
        return changed
    _apply(changed, envelope, event)
    return changed


def _moved(record: PostRecord, version: int) -> PostRecord:
    return record.model_copy(update={"version": version})


def _published(envelope: EventEnvelope, event: upstream.PostPublished) -> PostRecord:
    place = event.place
    work_item = event.work_item
    return PostRecord(
        post_id=event.post_id,
        version=envelope.streamversion,
        author_id=event.author_id,
        community_id=place.id if place.kind == "community" else None,
        visibility=place.visibility if place.kind == "community" else "open",
        kind=event.kind,
        text=event.content.text,
        tags=sorted(set(event.tags)),
        work_item=WorkItemRecord(**work_item.model_dump()) if work_item else None,
        praised=list(event.praise.person_ids) if event.praise else [],
        praise_skill=event.praise.skill if event.praise else None,
        shared_post_id=event.shared_post_id,
        created_at=event_time(envelope, event.published_at),
    )


def _apply(record: PostRecord, envelope: EventEnvelope, event: upstream.UpstreamEvent) -> None:
    """Change a copy of a live post's record in place."""
    match event:
        case upstream.PostEdited(content=content, tags=tags):
            record.text = content.text
            record.tags = sorted(set(tags))
            record.edited_at = stored_time(envelope.time)
        case upstream.PostStateChanged():
            _change_post_state(record, envelope.type)
        case upstream.CommentAdded() if record.comment(event.comment_id) is None:
            record.comments.append(
                CommentRecord(
                    comment_id=event.comment_id,
                    author_id=event.author_id,
                    parent_id=event.parent_comment_id,
                    text=event.content.text,
                    created_at=event_time(envelope, event.published_at),
                )
            )
        case upstream.CommentEdited(comment_id=comment_id, content=content):
            comment = record.comment(comment_id)
            if comment is not None and comment.state != "deleted":
                comment.text = content.text
        case upstream.CommentStateChanged(comment_id=comment_id):
            comment = record.comment(comment_id)
            if comment is not None:
                _change_comment_state(comment, envelope.type)
        case upstream.AnswerAccepted(comment_id=comment_id):
            record.accepted_comment_id = comment_id
            record.accepted_at = stored_time(envelope.time)
        case upstream.AnswerUnaccepted(comment_id=comment_id):
            if record.accepted_comment_id == comment_id:
                record.accepted_comment_id = None
                record.accepted_at = None


def _change_post_state(record: PostRecord, event_type: str) -> None:
    if event_type.endswith("post_deleted"):
        record.state = "deleted"
        record.text = ""
        record.work_item = None
        for comment in record.comments:
            comment.text = ""
            comment.state = "deleted"
    elif event_type.endswith("post_hidden"):
        record.state = "hidden"
    elif event_type.endswith("post_restored") and record.state == "hidden":
        record.state = "visible"


def _change_comment_state(comment: CommentRecord, event_type: str) -> None:
    if comment.state == "deleted":
        return
    if event_type.endswith("comment_deleted"):
        comment.state = "deleted"
        comment.text = ""
    elif event_type.endswith("comment_hidden"):
        comment.state = "hidden"
    elif event_type.endswith("comment_restored"):
        comment.state = "visible"
