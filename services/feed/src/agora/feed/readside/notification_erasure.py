"""An erased person's notifications leave the feed.

Everything the projection stored for the person as a recipient is deleted: each notification
(found through the inbox's open and sealed buckets), the sealed buckets, the state of their
reaction groups, and what was held for them until a membership. The head is replaced by
``{erased: true}``, which ``InboxStore.deliver`` and ``admits`` refuse, so nothing reaches the
person afterwards, whatever order the topics are applied in.

Deletions go before the head's replacement, which is what lists them: an erasure interrupted by
a crash is applied again from the head and deletes what is left. Notifications *about* the
person's acts in other people's inboxes stay (they name the person only by id, shown as a
former colleague).
"""

from collections.abc import Awaitable, Iterable

from agora.eventsourcing.bounded import gather_bounded
from agora.feed.readside.held_notifications import held_key
from agora.feed.readside.notification_inbox import (
    Inbox,
    InboxStore,
    bucket_key,
    notification_key,
    reaction_pointer_key,
    reaction_target,
)

DELETE_CONCURRENCY = 16


async def erase_inbox(store: InboxStore, person_id: str) -> None:
    """Delete every notification stored for the person and close their inbox."""
    head = await store.inboxes.find_one({"_id": person_id})
    inbox = Inbox.from_document(person_id, head)
    for bucket in range(inbox.bucket):
        sealed = await store.inboxes.find_one({"_id": bucket_key(person_id, bucket)})
        if sealed is not None:
            await _delete_notifications(store, person_id, sealed.get("ids", []))
            await store.inboxes.delete_one({"_id": bucket_key(person_id, bucket)})
    await _delete_notifications(store, person_id, inbox.recent)
    held_in: list[str] = (head or {}).get("held_in", [])
    await gather_bounded(
        (
            store.notifications.delete_one({"_id": held_key(community_id, person_id)})
            for community_id in held_in
        ),
        limit=DELETE_CONCURRENCY,
    )
    await store.inboxes.replace_one({"_id": person_id}, {"erased": True}, upsert=True)


async def _delete_notifications(
    store: InboxStore, person_id: str, local_ids: Iterable[str]
) -> None:
    deletions: list[Awaitable[object]] = []
    for local_id in local_ids:
        key = notification_key(person_id, local_id)
        deletions.append(store.notifications.delete_one({"_id": key}))
        target = reaction_target(local_id)
        if target is not None:
            pointer = reaction_pointer_key(person_id, *target)
            deletions.append(store.inboxes.delete_one({"_id": pointer}))
    await gather_bounded(deletions, limit=DELETE_CONCURRENCY)
