"""Reading a person's notifications, filtered again by what they may read now.

A notification was delivered only to someone who could read its content then; this module checks
again at every read (community membership, management for reports and join requests, deleted or
hidden posts and comments), so leaving a community or being removed hides its notifications at
once, and the unread count never counts what the list would not show.
"""

import asyncio
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from agora.eventsourcing.readmodel import find_by_ids
from agora.eventsourcing.times import as_utc
from agora.feed.domain.events import NotificationKind
from agora.feed.facts import CommunityFacts, FactsQueries
from agora.feed.readmodel import CollectionSource
from agora.feed.readside.notification_context import PostContext, context_key
from agora.feed.readside.notification_inbox import Inbox, bucket_key, notification_key
from agora.feed.readside.reference_cache import ReferenceCache, name_cache

Document = dict[str, Any]
Resolution = Literal["approved", "rejected"]
UNREAD_CAP = 99
"""Unread counts above this are shown as "99+"."""
MAX_SCANNED = 500
"""At most this many stored notifications are examined for one page (then a cursor is given)."""
SHOWN_ACTORS = 3
MANAGER_KINDS = frozenset({"join_request", "report"})
CURSOR_PATTERN = r"^[0-9]{1,9}:[0-9]{1,4}$"
_CURSOR = re.compile(CURSOR_PATTERN)
_FROM_END = 9999


@dataclass(frozen=True)
class ActorView:
    """A person who did what a notification tells."""

    person_id: str
    display_name: str | None


@dataclass(frozen=True)
class NotificationView:
    """One notification as its recipient sees it."""

    id: str
    kind: NotificationKind
    created_at: datetime
    updated_at: datetime
    read: bool
    actors: list[ActorView]
    actor_count: int
    post_id: str | None
    comment_id: str | None
    community_id: str | None
    text: str
    preview: str | None
    resolution: Resolution | None


@dataclass(frozen=True)
class NotificationPage:
    """Notifications, newest first, and the cursor of the next (older) page."""

    items: list[NotificationView]
    next_cursor: str | None


@dataclass(frozen=True)
class UnreadCount:
    """How many notifications are unread (at most ``UNREAD_CAP``; ``capped`` when more)."""

    count: int
    capped: bool


@dataclass(frozen=True)
class MutedCommunity:
    """A community the person muted (and may know of)."""

    community_id: str
    name: str


@dataclass(frozen=True)
class InboxPreferences:
    """What a person chose not to be notified of."""

    disabled_kinds: list[NotificationKind]
    muted_communities: list[MutedCommunity]


def is_valid_cursor(cursor: str) -> bool:
    """Whether ``cursor`` has the shape of a cursor this module gives."""
    return _CURSOR.fullmatch(cursor) is not None


class _Sight:
    """What one reader may see now; every lookup is by ``_id`` and made once per request."""

    def __init__(
        self,
        viewer: str,
        facts: FactsQueries,
        collections: CollectionSource,
        names: ReferenceCache[str],
    ) -> None:
        self.viewer = viewer
        self._facts = facts
        self._collections = collections
        self._name_cache = names
        self._communities: dict[str, CommunityFacts | None] = {}
        self._contexts: dict[str, PostContext | None] = {}
        self._names: dict[str, str | None] = {}

    async def load(
        self,
        *,
        communities: Iterable[str | None] = (),
        posts: Iterable[str | None] = (),
        people: Iterable[str] = (),
    ) -> None:
        """Look up, concurrently, the communities, posts and people not looked up yet."""
        new_communities = {c for c in communities if c is not None} - self._communities.keys()
        new_posts = {p for p in posts if p is not None} - self._contexts.keys()
        new_people = set(people) - self._names.keys()
        contexts = await self._collections.active("notifications")
        people_collection = await self._collections.active("people")

        async def community(community_id: str) -> None:
            self._communities[community_id] = await self._facts.community(community_id)

        async def contexts_of_posts() -> None:
            keys = {post_id: context_key(post_id) for post_id in new_posts}
            found = await find_by_ids(contexts, keys.values())
            for post_id, key in keys.items():
                self._contexts[post_id] = PostContext.from_document(found.get(key))

        async def names() -> None:
            self._names.update(await self._name_cache.lookup(people_collection, new_people))

        await asyncio.gather(
            *(community(c) for c in new_communities),
            contexts_of_posts(),
            names(),
        )

    def community(self, community_id: str | None) -> CommunityFacts | None:
        """A community looked up by ``load``."""
        return None if community_id is None else self._communities.get(community_id)

    def context(self, post_id: str | None) -> PostContext | None:
        """A post's notification context looked up by ``load``."""
        return None if post_id is None else self._contexts.get(post_id)

    def display_name(self, person_id: str) -> str | None:
        """A person's display name, if the feed knows it (erased people have none)."""
        return self._names.get(person_id)

    def shows(
        self, kind: str, community_id: str | None, post_id: str | None, comment_id: str | None
    ) -> bool:
        """Whether the reader may see a notification of ``kind`` about this content now."""
        if community_id is not None:
            community = self.community(community_id)
            if community is None:
                return False
            if kind in MANAGER_KINDS:
                if not community.manages(self.viewer):
                    return False
            elif not community.can_read(self.viewer):
                return False
        if post_id is None:
            return True
        context = self.context(post_id)
        return context is not None and context.shows(comment_id, moderated_too=kind == "report")


class NotificationQueries:
    """Answers a person's questions about their own notifications."""

    def __init__(
        self,
        *,
        collections: CollectionSource,
        facts: FactsQueries,
        reference_cache_seconds: float = 0.0,
    ) -> None:
        self._collections = collections
        self._facts = facts
        self._names = name_cache(reference_cache_seconds)

    async def _inbox(self, person_id: str) -> Inbox:
        inboxes = await self._collections.active("inboxes")
        return Inbox.from_document(person_id, await inboxes.find_one({"_id": person_id}))

    async def page(self, person_id: str, *, cursor: str | None, limit: int) -> NotificationPage:
        """The person's notifications, newest first, from ``cursor`` (``None``: the newest)."""
        inbox = await self._inbox(person_id)
        bucket, index = _position(cursor, inbox)
        sight = _Sight(person_id, self._facts, self._collections, self._names)
        unread = {entry["id"] for entry in inbox.unread}
        items: list[NotificationView] = []
        scanned = 0
        while len(items) < limit and bucket >= 0 and scanned < MAX_SCANNED:
            ids = await self._bucket_ids(inbox, bucket)
            index = min(index, len(ids))
            if index == 0:
                bucket, index = bucket - 1, _FROM_END
                continue
            take = min(index, limit - len(items), MAX_SCANNED - scanned)
            chunk = list(reversed(ids[index - take : index]))
            index -= take
            scanned += take
            documents = await self._documents(person_id, chunk)
            items += await _visible(documents, sight, unread)
        if index == 0:
            bucket, index = bucket - 1, _FROM_END
        next_cursor = f"{bucket}:{index}" if bucket >= 0 else None
        return NotificationPage(items=items, next_cursor=next_cursor)

    async def unread_count(self, person_id: str) -> UnreadCount:
        """How many unread notifications the person may see now ("99+" past 99)."""
        inbox = await self._inbox(person_id)
        sight = _Sight(person_id, self._facts, self._collections, self._names)
        newest_first = list(reversed(inbox.unread))
        visible = 0
        for start in range(0, len(newest_first), UNREAD_CAP + 1):
            chunk = newest_first[start : start + UNREAD_CAP + 1]
            await sight.load(
                communities=(entry.get("c") for entry in chunk),
                posts=(entry.get("p") for entry in chunk),
            )
            visible += sum(
                1
                for entry in chunk
                if sight.shows(entry["k"], entry.get("c"), entry.get("p"), entry.get("m"))
            )
            if visible > UNREAD_CAP:
                break
        return UnreadCount(count=min(visible, UNREAD_CAP), capped=visible > UNREAD_CAP)

    async def preferences(self, person_id: str) -> InboxPreferences:
        """The kinds the person turned off and the communities they muted (that they may know)."""
        inbox = await self._inbox(person_id)
        sight = _Sight(person_id, self._facts, self._collections, self._names)
        await sight.load(communities=inbox.muted_communities)
        muted = []
        for community_id in inbox.muted_communities:
            community = sight.community(community_id)
            if community is not None and community.can_know(person_id):
                muted.append(MutedCommunity(community_id=community_id, name=community.name))
        muted.sort(key=lambda item: (item.name.casefold(), item.community_id))
        return InboxPreferences(
            disabled_kinds=sorted(cast(frozenset[NotificationKind], inbox.disabled_kinds)),
            muted_communities=muted,
        )

    async def _bucket_ids(self, inbox: Inbox, bucket: int) -> list[str]:
        if bucket >= inbox.bucket:
            return inbox.recent
        inboxes = await self._collections.active("inboxes")
        sealed = await inboxes.find_one({"_id": bucket_key(inbox.person_id, bucket)})
        return list(sealed.get("ids", [])) if sealed is not None else []

    async def _documents(self, person_id: str, local_ids: Sequence[str]) -> list[Document]:
        notifications = await self._collections.active("notifications")
        keys = [notification_key(person_id, local_id) for local_id in local_ids]
        found = await find_by_ids(notifications, keys)
        return [found[key] for key in keys if key in found]


def _position(cursor: str | None, inbox: Inbox) -> tuple[int, int]:
    if cursor is None or not is_valid_cursor(cursor):
        return inbox.bucket, len(inbox.recent)
    bucket, _, index = cursor.partition(":")
    if int(bucket) > inbox.bucket:
        return inbox.bucket, len(inbox.recent)
    return int(bucket), int(index)


async def _visible(
    documents: Sequence[Document], sight: _Sight, unread: set[str]
) -> list[NotificationView]:
    actors = {actor for document in documents for actor in document["actors"][:SHOWN_ACTORS]}
    await sight.load(
        communities=(document.get("community_id") for document in documents),
        posts=(document.get("post_id") for document in documents),
        people=actors,
    )
    views = []
    for document in documents:
        kind = str(document["kind"])
        community_id = document.get("community_id")
        post_id = document.get("post_id")
        comment_id = document.get("comment_id")
        if not document["actors"] or not sight.shows(kind, community_id, post_id, comment_id):
            continue
        views.append(_view(document, sight, read=document["local_id"] not in unread))
    return views


def _view(document: Document, sight: _Sight, *, read: bool) -> NotificationView:
    shown = [
        ActorView(person_id=actor, display_name=sight.display_name(actor))
        for actor in document["actors"][:SHOWN_ACTORS]
    ]
    context = sight.context(document.get("post_id"))
    comment_id = document.get("comment_id")
    community = sight.community(document.get("community_id"))
    return NotificationView(
        id=str(document["local_id"]),
        kind=cast(NotificationKind, document["kind"]),
        created_at=as_utc(document["created_at"]),
        updated_at=as_utc(document["updated_at"]),
        read=read,
        actors=shown,
        actor_count=int(document["actor_count"]),
        post_id=document.get("post_id"),
        comment_id=comment_id,
        community_id=document.get("community_id"),
        text=describe(document, shown, community.name if community is not None else None),
        preview=context.preview(comment_id) if context is not None else None,
        resolution=cast(Resolution | None, document.get("resolution")),
    )


def describe(document: Document, actors: Sequence[ActorView], community_name: str | None) -> str:
    """The sentence a notification shows, e.g. "Ana and 11 others reacted to your post"."""
    names = [actor.display_name or "Someone" for actor in actors]
    count = int(document["actor_count"])
    if count == 1 or len(names) == 1:
        who = names[0]
    elif count == len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} and {count - 1} others"
    what = "comment" if document.get("comment_id") else "post"
    skill = document.get("skill")
    outcome = {"approved": " (approved)", "rejected": " (rejected)"}.get(
        str(document.get("resolution")), ""
    )
    role = str(document.get("role"))
    sentences = {
        "mention": f"mentioned you in a {what}",
        "comment": (
            "replied to your comment"
            if role == "reply"
            else "commented on your post"
            if role == "your_post"
            else "commented on a post you follow"
        ),
        "answer_accepted": "accepted your answer",
        "reaction": f"reacted to your {what}",
        "praise": f"praised you for {skill}" if skill else "praised you",
        "join_request": f"asked to join {community_name or 'a community'}{outcome}",
        "report": (
            f"reported a {what}{f' in {community_name}' if community_name else ''}: "
            f"{document.get('reason', '')}"
        ),
    }
    return f"{who} {sentences.get(str(document['kind']), '')}".rstrip()


__all__ = [
    "CURSOR_PATTERN",
    "ActorView",
    "InboxPreferences",
    "MutedCommunity",
    "NotificationPage",
    "NotificationQueries",
    "NotificationView",
    "UnreadCount",
    "describe",
    "is_valid_cursor",
]
