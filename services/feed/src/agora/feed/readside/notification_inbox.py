"""Where notifications are stored: notification documents and each person's inbox.

FerretDB answers only ``_id`` lookups quickly, so every document has a computed key:

- ``notifications``, ``<person>|<local id>``: one notification. The local id (the id clients see)
  is the source event's id, or ``reactions:<post>:<comment or ->:<n>`` for the n-th group of
  reactions to one post or comment. Person ids never contain ``|``, post and comment ids never
  contain ``:``, so keys cannot collide.
- ``inboxes``, ``<person>``: the inbox head. It keeps the person's preferences (disabled kinds,
  muted communities), ``read_up_to``, the open bucket inline (``recent``: up to 100 local ids,
  newest last), the number ``bucket`` of that open bucket, and ``unread``: the unread
  notifications (newest last, at most ``UNREAD_LIMIT``), each with what the read side needs to
  filter it by visibility (kind, community, post, comment) and its time.
  ``held_in`` lists the communities where notifications are held for the person
  (``held_notifications``). An erased person's head is only ``{erased: true}``.
- ``inboxes``, ``<person>|bucket|<n>``: a sealed bucket of 100 local ids, newest last. When the
  open bucket is full it is copied into its sealed document and the head starts bucket n + 1, so
  a position ``(bucket, index)`` never moves and is a stable cursor.

The ``unread`` entries are stored as compact JSON strings (``[id, millis, kind, community, post,
comment]``): FerretDB rewrites the whole head on every change, and sub-documents cost it several
times as much to decode and encode (see ``pages``). Heads written before hold sub-documents;
both read the same.

Unread counts come from the ``unread`` list (a set kept by id), never from ``$inc`` counters: a
set changes nothing when an event is applied twice, while a counter would drift. The read side
filters the list by what the reader may read now and caps the count at 99 ("99+"). Unread
notifications beyond the newest ``UNREAD_LIMIT`` are dropped from the list, i.e. count as read.

Every notification document records the bucket it was placed in before it is placed, so a
redelivered event finds it and changes nothing; a delivery cut short by a crash is completed.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from agora.eventsourcing import ReadModel
from agora.eventsourcing.times import as_utc, epoch_millis, from_epoch_millis
from agora.feed.readmodel import collection

Document = dict[str, Any]
BUCKET_SIZE = 100
UNREAD_LIMIT = 500
SEPARATOR = "|"


def notification_key(person_id: str, local_id: str) -> str:
    """The ``_id`` of one person's notification."""
    return f"{person_id}{SEPARATOR}{local_id}"


def reaction_group_id(post_id: str, comment_id: str | None, group: int) -> str:
    """The local id of the ``group``-th reaction notification about one post or comment."""
    return f"reactions:{post_id}:{comment_id or '-'}:{group}"


def reaction_target(local_id: str) -> tuple[str, str | None] | None:
    """The post and comment (``None``: the post itself) a reaction group's local id is about;
    ``None`` for any other local id."""
    parts = local_id.split(":")
    if len(parts) != 4 or parts[0] != "reactions":
        return None
    return parts[1], None if parts[2] == "-" else parts[2]


def reaction_pointer_key(person_id: str, post_id: str, comment_id: str | None) -> str:
    """The ``_id`` (in ``inboxes``) of the state of one person's reaction groups on a target."""
    return f"{person_id}{SEPARATOR}reactions{SEPARATOR}{post_id}{SEPARATOR}{comment_id or '-'}"


def bucket_key(person_id: str, bucket: int) -> str:
    """The ``_id`` (in ``inboxes``) of one sealed bucket of a person's inbox."""
    return f"{person_id}{SEPARATOR}bucket{SEPARATOR}{bucket}"


@dataclass
class Inbox:
    """A person's inbox head as loaded (and kept up to date by this module's writes)."""

    person_id: str
    bucket: int = 0
    recent: list[str] = field(default_factory=list)
    unread: list[Document] = field(default_factory=list)
    disabled_kinds: frozenset[str] = frozenset()
    muted_communities: frozenset[str] = frozenset()
    read_up_to: datetime | None = None
    erased: bool = False
    """The person was erased: the inbox is empty for good and takes no notification."""

    @classmethod
    def from_document(cls, person_id: str, document: Document | None) -> "Inbox":
        """The inbox described by its head document (a new, empty one if there is none)."""
        if document is None:
            return cls(person_id=person_id)
        read_up_to = document.get("read_up_to")
        return cls(
            person_id=person_id,
            bucket=int(document.get("bucket", 0)),
            recent=list(document.get("recent", [])),
            unread=[decode_unread(entry) for entry in document.get("unread", [])],
            disabled_kinds=frozenset(document.get("disabled_kinds", [])),
            muted_communities=frozenset(document.get("muted_communities", [])),
            read_up_to=as_utc(read_up_to) if read_up_to is not None else None,
            erased=bool(document.get("erased", False)),
        )

    def is_unread(self, local_id: str) -> bool:
        """Whether the notification is in the unread list."""
        return any(entry["id"] == local_id for entry in self.unread)


def unread_entry(document: Document) -> Document:
    """The unread-list entry of a notification document (what read-time filtering needs)."""
    return {
        "id": document["local_id"],
        "t": document["updated_at"],
        "k": document["kind"],
        "c": document.get("community_id"),
        "p": document.get("post_id"),
        "m": document.get("comment_id"),
    }


def encode_unread(entry: Document) -> str:
    """An unread-list entry as stored in the head."""
    fields = [
        entry["id"],
        epoch_millis(entry["t"]),
        entry["k"],
        entry.get("c"),
        entry.get("p"),
        entry.get("m"),
    ]
    return json.dumps(fields, separators=(",", ":"))


def decode_unread(stored: str | Document) -> Document:
    """An unread-list entry as stored (a string, or a sub-document in heads written before)."""
    if isinstance(stored, dict):
        return stored
    local_id, millis, kind, community_id, post_id, comment_id = json.loads(stored)
    return {
        "id": local_id,
        "t": from_epoch_millis(millis),
        "k": kind,
        "c": community_id,
        "p": post_id,
        "m": comment_id,
    }


def stored_head_fields(values: Document) -> Document:
    """Head fields as they are stored (the unread list encoded)."""
    if "unread" in values:
        values = {**values, "unread": [encode_unread(entry) for entry in values["unread"]]}
    return values


class InboxStore:
    """Writes notifications and inboxes; used only by the projection (their single writer)."""

    def __init__(self, read_model: ReadModel) -> None:
        self.notifications: AsyncCollection[Document] = collection(read_model, "notifications")
        self.inboxes: AsyncCollection[Document] = collection(read_model, "inboxes")
        self._loaded: dict[str, Inbox] = {}

    async def inbox(self, person_id: str) -> Inbox:
        """The person's inbox (loaded once per store: one store serves one event)."""
        inbox = self._loaded.get(person_id)
        if inbox is None:
            inbox = Inbox.from_document(person_id, await self.inboxes.find_one({"_id": person_id}))
            self._loaded[person_id] = inbox
        return inbox

    async def notification(self, person_id: str, local_id: str) -> Document | None:
        """One stored notification."""
        return await self.notifications.find_one({"_id": notification_key(person_id, local_id)})

    async def deliver(self, inbox: Inbox, document: Document) -> None:
        """Store a new notification and put it in the inbox; a second delivery changes nothing.

        ``document`` holds every field but ``_id`` and ``bucket``; it is unread unless its time
        is not after the inbox's ``read_up_to``. An erased person's inbox takes nothing.
        """
        if inbox.erased:
            return
        local_id = str(document["local_id"])
        key = notification_key(inbox.person_id, local_id)
        try:
            await self.notifications.insert_one({**document, "_id": key, "bucket": inbox.bucket})
            bucket = inbox.bucket
        except DuplicateKeyError:
            existing = await self.notifications.find_one({"_id": key})
            if existing is None:  # only the projection writes here: it cannot have vanished
                return
            bucket = int(existing["bucket"])
            document = existing
            if await self.placed(inbox, local_id, bucket):
                return
        await self.place(inbox, local_id, bucket, unread_entry(document))

    async def placed(self, inbox: Inbox, local_id: str, bucket: int) -> bool:
        """Whether the notification already is in the bucket it was meant for."""
        if bucket >= inbox.bucket:
            return local_id in inbox.recent
        sealed = await self.inboxes.find_one({"_id": bucket_key(inbox.person_id, bucket)})
        return sealed is not None and local_id in sealed.get("ids", [])

    async def place(self, inbox: Inbox, local_id: str, bucket: int, entry: Document) -> None:
        """Add the notification to its bucket and (unless already read by time) to unread."""
        read_by_time = inbox.read_up_to is not None and as_utc(entry["t"]) <= inbox.read_up_to
        if not read_by_time:
            inbox.unread = _with_entry(inbox.unread, entry)
        if bucket >= inbox.bucket:
            if local_id not in inbox.recent:
                inbox.recent.append(local_id)
            await self._save_head(inbox, "recent", "unread")
            if len(inbox.recent) >= BUCKET_SIZE:
                await self._seal(inbox)
            return
        await self.inboxes.update_one(
            {"_id": bucket_key(inbox.person_id, bucket)},
            {"$addToSet": {"ids": local_id}},
            upsert=True,
        )
        await self._save_head(inbox, "unread")

    async def touch_unread(self, inbox: Inbox, entry: Document) -> None:
        """Move an unread notification that changed to the newest end of the unread list."""
        inbox.unread = _with_entry(inbox.unread, entry)
        await self._save_head(inbox, "unread")

    async def forget_unread(self, inbox: Inbox, local_ids: set[str]) -> None:
        """Take notifications out of the unread list (they need nobody's attention now)."""
        remaining = [entry for entry in inbox.unread if entry["id"] not in local_ids]
        if len(remaining) != len(inbox.unread):
            inbox.unread = remaining
            await self._save_head(inbox, "unread")

    async def note_held(self, inbox: Inbox, community_id: str) -> None:
        """Remember in the head that notifications are held for the person in the community
        (so an erasure finds them: they are keyed by community first)."""
        await self.inboxes.update_one(
            {"_id": inbox.person_id}, {"$addToSet": {"held_in": community_id}}, upsert=True
        )

    async def _seal(self, inbox: Inbox) -> None:
        await self.inboxes.update_one(
            {"_id": bucket_key(inbox.person_id, inbox.bucket)},
            {"$set": {"ids": list(inbox.recent)}},
            upsert=True,
        )
        inbox.bucket += 1
        inbox.recent = []
        await self._save_head(inbox, "recent", "bucket")

    async def _save_head(self, inbox: Inbox, *fields: str) -> None:
        values = stored_head_fields({name: getattr(inbox, name) for name in fields})
        await self.inboxes.update_one({"_id": inbox.person_id}, {"$set": values}, upsert=True)


def _with_entry(unread: list[Document], entry: Document) -> list[Document]:
    kept = [existing for existing in unread if existing["id"] != entry["id"]]
    kept.append(entry)
    return kept[-UNREAD_LIMIT:]
