"""Notifications held back until a membership the projection has not seen yet arrives.

The feed's projection reads the communities topic beside its own, and Kafka orders records
only within a partition: a person invited to a secret community a moment before a member
mentions them can reach the projection *after* the mention. When the post is applied the person
is not a member yet, so nothing may be delivered (it would reveal the community's content to a
non-member). The notification is held instead, in one document per community and person
(``#held|<community>|<person>`` in ``notifications``), and decided again when that person's
membership starts: it is delivered when the membership was recorded before the content was
(the person was a member when it was written), and dropped otherwise, as it would have been had
the events come in order. The two times come from two services' clocks: a skew between them can
only make a membership look later than it was, and then the notification is dropped, never
shown to someone who was not a member (MongoDB keeps milliseconds, so both are compared so).

A person who never joins keeps at most ``HELD_LIMIT`` held notifications per community (the
newest); their document is read only when that person's membership starts, and deleted when
their join request is rejected (nothing held can be delivered after that) or they are erased.
Holding and taking are single-writer read-modify-writes (one projection owns the collection);
holding the same notification twice keeps one, and taking deletes the document only after the
caller delivered, so a crash in between redelivers the same notifications, which ``deliver``
stores once.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from pymongo.asynchronous.collection import AsyncCollection

from agora.eventsourcing.times import epoch_millis
from agora.feed.readside.notification_inbox import SEPARATOR

Document = dict[str, Any]
HELD_PREFIX = f"#held{SEPARATOR}"
HELD_LIMIT = 50


def held_key(community_id: str, person_id: str) -> str:
    """The ``_id`` (in ``notifications``) of what is held for one person in one community."""
    return f"{HELD_PREFIX}{community_id}{SEPARATOR}{person_id}"


class HeldKind(BaseModel):
    """A kind one could be notified with and the extra fields of that notification (a
    sub-document: FerretDB stores no nested arrays)."""

    model_config = ConfigDict(frozen=True)

    kind: str
    extra: Document


class HeldNotification(BaseModel):
    """A notification that could not be delivered because its recipient was not a member."""

    model_config = ConfigDict(frozen=True)

    local_id: str
    kinds: list[HeldKind]
    """The kinds the person could be notified with, in order of preference."""
    actor: str
    post_id: str
    comment_id: str | None
    recorded_at: datetime
    """When the content's event was stored (compared with the membership's)."""
    shown_at: datetime
    """The notification's time as readers see it (an imported post's original time)."""

    def written_by_a_member(self, member_since: datetime) -> bool:
        """Whether a membership that started at ``member_since`` covers this content."""
        return epoch_millis(member_since) <= epoch_millis(self.recorded_at)


class HeldNotifications:
    """What is held, per community and person."""

    def __init__(self, notifications: AsyncCollection[Document]) -> None:
        self._notifications = notifications

    async def hold(self, community_id: str, person_id: str, held: HeldNotification) -> None:
        """Keep ``held`` (once) until the person's membership of the community starts."""
        key = held_key(community_id, person_id)
        items = await self._items(key)
        if any(item.local_id == held.local_id for item in items):
            return
        kept = [*items, held][-HELD_LIMIT:]
        await self._notifications.update_one(
            {"_id": key},
            {"$set": {"items": [item.model_dump() for item in kept]}},
            upsert=True,
        )

    async def held(self, community_id: str, person_id: str) -> list[HeldNotification]:
        """Everything held for the person in the community, oldest first."""
        return await self._items(held_key(community_id, person_id))

    async def release(self, community_id: str, person_id: str) -> None:
        """Forget what was held (after the caller delivered what it should)."""
        await self._notifications.delete_one({"_id": held_key(community_id, person_id)})

    async def _items(self, key: str) -> list[HeldNotification]:
        document = await self._notifications.find_one({"_id": key})
        if document is None:
            return []
        return [HeldNotification.model_validate(item) for item in document.get("items", [])]
