"""Turning post documents, as one reader may see them, into the reads' response bodies."""

from datetime import datetime
from typing import Any

from agora.eventsourcing.times import as_utc
from agora.feed.api.read_schemas import (
    CommentView,
    Counts,
    ModerationView,
    PersonRef,
    PlaceView,
    PollOptionView,
    PollView,
    PostDetail,
    PostItem,
    PostPage,
    PostSummary,
    PostVersion,
    PraiseView,
    ReactionCounts,
    ReportView,
    WorkItemView,
)
from agora.feed.content import render_html
from agora.feed.readside.timelines import PostRead, PostsPage

Document = dict[str, Any]
HIDDEN_NOTICE = "hidden by a moderator"


def post_page(page: PostsPage) -> PostPage:
    """A page of a timeline."""
    return PostPage(
        items=[post_item(read, page) for read in page.posts], next_cursor=page.next_cursor
    )


def post_item(read: PostRead, page: PostsPage) -> PostItem:
    """One post as a timeline item."""
    return PostItem(**_item_fields(read, page), **_shared_fields(read, page))


def _shared_fields(read: PostRead, page: PostsPage) -> dict[str, Any]:
    shared = read.shared
    return {
        "shared_post_id": read.document.get("shared_post_id"),
        "shared_post": PostSummary(**_item_fields(shared, page)) if shared else None,
    }


def post_detail(page: PostsPage) -> PostDetail:
    """The single post of ``page`` with its conversation."""
    read = page.posts[0]
    document = read.document
    reader = page.reader
    comments = document.get("comments", [])
    replied = {c.get("parent_comment_id") for c in comments if not c.get("deleted")}
    shown = [c for c in comments if not c.get("deleted") or c["comment_id"] in replied]
    return PostDetail(
        **_item_fields(read, page),
        **_shared_fields(read, page),
        comments=[_comment(comment, read, page) for comment in shown],
        history=[
            PostVersion(
                text=version.get("text", ""),
                html=render_html(version.get("text", "")),
                tags=list(version.get("tags", [])),
                edited_at=_time(version.get("edited_at")),
            )
            for version in document.get("history", [])
        ],
        reports=(
            [
                ReportView(
                    report_id=report["report_id"],
                    reporter=_person(report["reporter_id"], page),
                    reason=report["reason"],
                    comment_id=report.get("comment_id"),
                    at=as_utc(report["at"]),
                )
                for report in document.get("reports", [])
            ]
            if read.moderator
            else None
        ),
        subscribed=reader in document.get("subscribers", []),
    )


def _item_fields(read: PostRead, page: PostsPage) -> dict[str, Any]:
    document = read.document
    reader = page.reader
    place = document["place"]
    author_id = str(document["author_id"])
    praise = document.get("praise")
    work_item = document.get("work_item")
    question = document.get("kind") == "question"
    sees_moderation = read.moderator or author_id == reader
    return {
        "post_id": str(document["_id"]),
        "kind": document["kind"],
        "author": _person(author_id, page),
        "place": PlaceView(
            kind=place["kind"],
            id=place["id"],
            name=read.place_name if place["kind"] == "community" else page.names.get(author_id),
            archived=read.place_archived,
        ),
        "text": document.get("text", ""),
        "html": document.get("html", ""),
        "tags": list(document.get("tags", [])),
        "mentions": [_person(p, page) for p in document.get("mentions", [])],
        "links": list(document.get("links", [])),
        "work_item": WorkItemView(**work_item) if work_item else None,
        "praise": (
            PraiseView(
                people=[_person(p, page) for p in praise.get("person_ids", [])],
                skill=praise.get("skill"),
            )
            if praise
            else None
        ),
        "poll": _poll(document.get("poll"), reader, page.now),
        "published_at": as_utc(document["published_at"]),
        "edited": document.get("edited_at") is not None,
        "edited_at": _time(document.get("edited_at")),
        "counts": Counts(
            comments=int(document.get("comment_count", 0)),
            reactions=ReactionCounts(**document.get("reaction_counts", {})),
            shares=int(document.get("share_count", 0)),
        ),
        "my_reaction": _reaction_of(document, reader),
        "answered": bool(document.get("answered")) if question else None,
        "accepted_comment_id": document.get("accepted_answer") if question else None,
        "hidden": _moderation(document.get("hidden")) if sees_moderation else None,
    }


def _poll(poll: Document | None, reader: str, now: datetime) -> PollView | None:
    if not poll:
        return None
    closes_at = as_utc(poll["closes_at"])
    closed = now >= closes_at
    my_vote = next(
        (vote["option_id"] for vote in poll.get("votes", []) if vote["person_id"] == reader),
        None,
    )
    match poll["results_visibility"]:
        case "always":
            visible = True
        case "after_voting":
            visible = my_vote is not None or closed
        case _:
            visible = closed
    return PollView(
        options=[
            PollOptionView(
                option_id=option["option_id"],
                label=option["label"],
                votes=int(option.get("votes", 0)) if visible else None,
            )
            for option in poll.get("options", [])
        ],
        closes_at=closes_at,
        results_visibility=poll["results_visibility"],
        closed=closed,
        results_visible=visible,
        total_votes=len(poll.get("votes", [])) if visible else None,
        my_vote=my_vote,
    )


def _comment(comment: Document, read: PostRead, page: PostsPage) -> CommentView:
    reader = page.reader
    hidden = comment.get("hidden")
    deleted = bool(comment.get("deleted"))
    sees_content = not deleted and (not hidden or read.moderator or comment["author_id"] == reader)
    sees_moderation = bool(hidden) and (read.moderator or comment["author_id"] == reader)
    return CommentView(
        comment_id=comment["comment_id"],
        author=_person(str(comment["author_id"]), page),
        parent_comment_id=comment.get("parent_comment_id"),
        text=comment.get("text", "") if sees_content else None,
        html=comment.get("html", "") if sees_content else None,
        mentions=[_person(p, page) for p in comment.get("mentions", [])] if sees_content else [],
        created_at=as_utc(comment["created_at"]),
        edited=comment.get("edited_at") is not None,
        edited_at=_time(comment.get("edited_at")),
        deleted=deleted,
        hidden=bool(hidden),
        moderation=_moderation(hidden) if sees_moderation else None,
        notice=HIDDEN_NOTICE if hidden and not sees_content and not deleted else None,
        reactions=ReactionCounts(**comment.get("reaction_counts", {})),
        my_reaction=_reaction_of(comment, reader),
        accepted=read.document.get("accepted_answer") == comment["comment_id"],
    )


def _person(person_id: str, page: PostsPage) -> PersonRef:
    return PersonRef(person_id=person_id, display_name=page.names.get(person_id))


def _reaction_of(target: Document, reader: str) -> Any:
    for entry in target.get("reactions", []):
        if entry["person_id"] == reader:
            return entry["reaction"]
    return None


def _moderation(hidden: Document | None) -> ModerationView | None:
    if not hidden:
        return None
    return ModerationView(
        reason=hidden["reason"], moderator_id=hidden["moderator_id"], at=as_utc(hidden["at"])
    )


def _time(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None
