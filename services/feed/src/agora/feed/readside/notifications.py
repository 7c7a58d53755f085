"""The notifications part of the feed's projection: who is notified of what, once.

Kinds and who receives them:

- ``mention``: people mentioned in a post or comment (and people newly mentioned by an edit);
- ``praise``: the people a praise post thanks (a praise wins over a mention of the same person);
- ``comment``: the post's subscribers, for each new comment or reply. Authors and commenters
  are subscribed automatically unless they unsubscribed; anyone can subscribe explicitly. A
  mention wins over a comment notification for the same comment (if mentions are turned off,
  a subscriber still gets the comment notification);
- ``answer_accepted``: the author of the comment accepted as the answer;
- ``reaction``: the author of the post or comment reacted to, grouped: one notification per
  target and person while it is unread ("Ana and 11 others reacted"), updated in place. Once it
  was read, the next reaction opens a new group. Changing one's reaction notifies nobody again;
  taking it back removes the person from the unread group (an empty group leaves the inbox);
- ``join_request``: the community's managers, when someone asks to join; the notification is
  marked ``approved`` or ``rejected`` (and leaves the unread count) once a manager decided;
- ``report``: the community's managers, when a post or comment of the community is reported.
  A report of a profile post has no community managers to go to and notifies nobody here.

Nobody is notified of their own action, nor of content they cannot read when the event is
applied (closed and secret communities: members only); the read side checks again when the
inbox is read, so a person who left or was removed stops seeing those notifications. What a
non-member is refused is held until their membership starts, and delivered then if the
membership was recorded before the content (it reached the projection late: see
``held_notifications``). Reports and join requests go to people who manage the community at
that moment.

Preferences: a disabled kind is not delivered. A muted community delivers only what addresses
the person by name (``mention`` and ``praise``): comments, reactions, accepted answers, join
requests and reports from it are not delivered. Unsubscribing from a post stops both comment
and reaction notifications about it. Preferences apply when an event is delivered; what is
already in the inbox stays.

Erasure: an erased person's notifications, inbox and held notifications are deleted and the
inbox takes nothing any more (``notification_erasure``); their later inbox events are ignored.

Idempotency: a post event is handled only if the post's notification context has not applied
its version yet, and the context is updated last, so a redelivered event does nothing and an
event interrupted by a crash is completed with the same recipients. Notification keys are derived
from the source event (see ``notification_inbox``), so a delivery is never duplicated. Inbox
events (preferences, mutes, read marks) are applied with ``apply_once`` on the inbox head.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from agora.eventsourcing import DomainEvent, EventEnvelope, ReadModel, apply_once
from agora.eventsourcing.times import as_utc
from agora.feed import upstream
from agora.feed.domain.events import (
    AnswerAccepted,
    CommentAdded,
    CommentDeleted,
    CommentEdited,
    CommentHidden,
    CommentRestored,
    CommunityMuted,
    CommunityUnmuted,
    NotificationPreferencesSet,
    NotificationsRead,
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
from agora.feed.facts import MEMBERSHIP_STARTS, CommunityFacts, FactsQueries
from agora.feed.readmodel import GenerationCollections, collection
from agora.feed.readside.held_notifications import (
    HeldKind,
    HeldNotification,
    HeldNotifications,
)
from agora.feed.readside.notification_context import PostContext, context_key, excerpt
from agora.feed.readside.notification_erasure import erase_inbox
from agora.feed.readside.notification_inbox import (
    SEPARATOR,
    Inbox,
    InboxStore,
    notification_key,
    reaction_group_id,
    reaction_pointer_key,
    stored_head_fields,
    unread_entry,
)
from agora.feed.readside.notification_queries import NotificationQueries
from agora.feed.readside.posts import event_time

__all__ = ["NotificationQueries", "apply_event", "apply_fact", "join_request_key"]

Document = dict[str, Any]
POST_STREAM = "post-"
INBOX_STREAM = "inbox-"
PERSONAL_KINDS = frozenset({"mention", "praise"})
"""Kinds a muted community still delivers: they address the person by name."""
MANAGER_KINDS = frozenset({"join_request", "report"})
"""Kinds for the community's managers (who need not be able to read anything else)."""
POST_FOLLOW_KINDS = frozenset({"comment", "reaction"})
"""Kinds that unsubscribing from a post stops."""
JOIN_REQUESTED = "agora.communities.join_requested"
JOIN_REJECTED = "agora.communities.join_request_rejected"
JOIN_DECISIONS = {
    "agora.communities.join_request_approved": "approved",
    JOIN_REJECTED: "rejected",
}
REASON_LENGTH = 280


def join_request_key(community_id: str, person_id: str) -> str:
    """The ``_id`` (in ``notifications``) listing the notifications of one join request."""
    return f"#join{SEPARATOR}{community_id}{SEPARATOR}{person_id}"


def admits(
    inbox: Inbox,
    kind: str,
    *,
    actor: str | None,
    community_id: str | None,
    community: CommunityFacts | None,
    unsubscribed: bool = False,
) -> bool:
    """Whether ``kind`` about content of ``community_id`` (``None``: a profile) may be delivered."""
    person = inbox.person_id
    if inbox.erased or person == actor or kind in inbox.disabled_kinds:
        return False
    if kind in POST_FOLLOW_KINDS and unsubscribed:
        return False
    if community_id is None:
        return True
    if community is None:
        return False
    allowed = community.manages(person) if kind in MANAGER_KINDS else community.can_read(person)
    if not allowed:
        return False
    return community_id not in inbox.muted_communities or kind in PERSONAL_KINDS


def _chosen_notification(
    inbox: Inbox,
    held: HeldNotification,
    *,
    context: PostContext,
    community: CommunityFacts | None,
) -> Document | None:
    """The notification of the first kind in ``held.kinds`` the person accepts, if any."""
    for candidate in held.kinds:
        if admits(
            inbox,
            candidate.kind,
            actor=held.actor,
            community_id=context.community_id,
            community=community,
            unsubscribed=context.muted_by(inbox.person_id),
        ):
            return _notification(
                local_id=held.local_id,
                at=held.shown_at,
                person_id=inbox.person_id,
                kind=candidate.kind,
                actor=held.actor,
                post_id=context.post_id,
                comment_id=held.comment_id,
                community_id=context.community_id,
                **candidate.extra,
            )
    return None


def _awaits_membership(
    person_id: str, held: HeldNotification, context: PostContext, community: CommunityFacts | None
) -> bool:
    """Whether the person was refused only for not being a member (yet, perhaps)."""
    return (
        community is not None
        and person_id != held.actor
        and not community.can_read(person_id)
        and not any(candidate.kind in MANAGER_KINDS for candidate in held.kinds)
    )


async def apply_event(
    envelope: EventEnvelope, event: DomainEvent, read_model: ReadModel, *, facts: FactsQueries
) -> None:
    """Apply one feed event (a post's or an inbox's) to the notifications and inboxes;
    ``facts`` looks up the generation's people and communities."""
    if envelope.streamid.startswith(INBOX_STREAM):
        await _apply_inbox_event(envelope, event, InboxStore(read_model))
    elif envelope.streamid.startswith(POST_STREAM):
        await _PostEventHandler(envelope, read_model, facts).handle(event)


async def apply_fact(
    envelope: EventEnvelope, fact: upstream.UpstreamEvent, read_model: ReadModel
) -> None:
    """Apply one profiles or communities event: an erasure empties the person's inbox for
    good, join requests notify managers, decisions resolve them."""
    if isinstance(fact, upstream.PersonErased):
        await erase_inbox(InboxStore(read_model), upstream.aggregate_id(envelope))
        return
    if not isinstance(fact, upstream.PersonEvent):
        return
    community_id = upstream.aggregate_id(envelope)
    if envelope.type in MEMBERSHIP_STARTS:
        await _deliver_held(envelope, fact.person_id, community_id, read_model)
    elif envelope.type == JOIN_REJECTED:
        # What was held could only be delivered to a membership recorded before its content:
        # after a refusal, no later membership can be.
        held = HeldNotifications(InboxStore(read_model).notifications)
        await held.release(community_id, fact.person_id)
    if envelope.type != JOIN_REQUESTED and envelope.type not in JOIN_DECISIONS:
        return
    store = InboxStore(read_model)
    key = join_request_key(community_id, fact.person_id)
    request = await store.notifications.find_one({"_id": key}) or {}
    if request.get("_applied", {}).get(envelope.streamid, 0) >= envelope.streamversion:
        return
    listed: list[str] = list(request.get("notifications", []))
    if envelope.type == JOIN_REQUESTED:
        listed += await _notify_managers(envelope, fact.person_id, community_id, read_model, store)
    else:
        await _resolve_join_request(store, listed, JOIN_DECISIONS[envelope.type])
        listed = []
    await apply_once(
        store.notifications,
        document_id=key,
        envelope=envelope,
        update={"$set": {"notifications": listed}},
    )


async def _deliver_held(
    envelope: EventEnvelope, person_id: str, community_id: str, read_model: ReadModel
) -> None:
    """A membership started: deliver what was held for the person about content written after
    it (see ``held_notifications``), then forget everything held."""
    store = InboxStore(read_model)
    held_store = HeldNotifications(store.notifications)
    held = await held_store.held(community_id, person_id)
    if not held:
        return
    community = await FactsQueries(GenerationCollections(read_model)).community(community_id)
    inbox = await store.inbox(person_id)
    for item in held:
        if not item.written_by_a_member(envelope.time):
            continue
        found = await store.notifications.find_one({"_id": context_key(item.post_id)})
        context = PostContext.from_document(found)
        if context is None or not context.shows(item.comment_id):
            continue
        document = _chosen_notification(inbox, item, context=context, community=community)
        if document is not None:
            await store.deliver(inbox, document)
    await held_store.release(community_id, person_id)


async def _notify_managers(
    envelope: EventEnvelope,
    requester: str,
    community_id: str,
    read_model: ReadModel,
    store: InboxStore,
) -> list[str]:
    community = await FactsQueries(GenerationCollections(read_model)).community(community_id)
    if community is None:
        return []
    delivered = []
    for manager in sorted(set(community.managers)):
        inbox = await store.inbox(manager)
        if not admits(
            inbox,
            "join_request",
            actor=requester,
            community_id=community_id,
            community=community,
        ):
            continue
        await store.deliver(
            inbox,
            _notification(
                local_id=envelope.id,
                at=envelope.time,
                person_id=manager,
                kind="join_request",
                actor=requester,
                community_id=community_id,
                resolution=None,
            ),
        )
        delivered.append(notification_key(manager, envelope.id))
    return delivered


async def _resolve_join_request(store: InboxStore, keys: Sequence[str], resolution: str) -> None:
    for key in keys:
        person_id, _, local_id = key.partition(SEPARATOR)
        await store.notifications.update_one({"_id": key}, {"$set": {"resolution": resolution}})
        await store.forget_unread(await store.inbox(person_id), {local_id})


async def _apply_inbox_event(
    envelope: EventEnvelope, event: DomainEvent, store: InboxStore
) -> None:
    person_id = envelope.actor or envelope.streamid.removeprefix(INBOX_STREAM)
    if (await store.inbox(person_id)).erased:
        return  # applied after the person's erasure (a replay): nothing of theirs comes back
    match event:
        case NotificationPreferencesSet(disabled_kinds=kinds):
            update: Document = {"$set": {"disabled_kinds": sorted(set(kinds))}}
        case CommunityMuted(community_id=community_id):
            update = {"$addToSet": {"muted_communities": community_id}}
        case CommunityUnmuted(community_id=community_id):
            update = {"$pull": {"muted_communities": community_id}}
        case NotificationsRead(notification_ids=ids, up_to=up_to):
            marks = _read_marks(await store.inbox(person_id), ids, up_to)
            update = {"$set": stored_head_fields(marks)}
        case _:
            return
    await apply_once(store.inboxes, document_id=person_id, envelope=envelope, update=update)


def _read_marks(inbox: Inbox, ids: Sequence[str], up_to: datetime | None) -> Document:
    prefix = f"{inbox.person_id}{SEPARATOR}"
    named = {item.removeprefix(prefix) for item in ids}
    read_up_to = inbox.read_up_to
    mark = as_utc(up_to) if up_to is not None else None
    if mark is not None and (read_up_to is None or mark > read_up_to):
        read_up_to = mark

    def still_unread(entry: Document) -> bool:
        if entry["id"] in named:
            return False
        return mark is None or as_utc(entry["t"]) > mark

    changes: Document = {"unread": [entry for entry in inbox.unread if still_unread(entry)]}
    if read_up_to is not None:
        changes["read_up_to"] = read_up_to
    return changes


def _notification(
    *,
    local_id: str,
    at: datetime,
    person_id: str,
    kind: str,
    actor: str,
    post_id: str | None = None,
    comment_id: str | None = None,
    community_id: str | None = None,
    **extra: Any,
) -> Document:
    """A new notification document (``deliver`` adds its key and bucket), dated ``at``."""
    return {
        "local_id": local_id,
        "person_id": person_id,
        "kind": kind,
        "created_at": at,
        "updated_at": at,
        "actors": [actor],
        "actor_count": 1,
        "post_id": post_id,
        "comment_id": comment_id,
        "community_id": community_id,
        **extra,
    }


Candidate = tuple[str, Document]
"""A kind one could be notified with, and the extra fields of that notification."""


class _PostEventHandler:
    """Handles one event of a post's stream: deliveries first, then the post's context."""

    def __init__(self, envelope: EventEnvelope, read_model: ReadModel, facts: FactsQueries) -> None:
        self.envelope = envelope
        self.store = InboxStore(read_model)
        self.facts = facts
        self.contexts = collection(read_model, "notifications")
        self.post_id = envelope.streamid.removeprefix(POST_STREAM)
        self.at = envelope.time
        """When the event happened for readers (an imported post's or comment's own time)."""
        self._community: CommunityFacts | None = None
        self._community_loaded = False

    async def handle(self, event: DomainEvent) -> None:
        """Deliver what the event calls for, then record it in the post's context."""
        key = context_key(self.post_id)
        document = await self.contexts.find_one({"_id": key})
        applied = (document or {}).get("_applied", {}).get(self.envelope.streamid, 0)
        if applied >= self.envelope.streamversion:
            return
        self.at = event_time(self.envelope, event)
        if isinstance(event, PostPublished):
            context = _published_context(event)
        else:
            found = PostContext.from_document(document)
            if found is None:
                return
            context = found
        changes = await self._handle(event, context)
        if changes is None:
            return
        await apply_once(
            self.contexts, document_id=key, envelope=self.envelope, update={"$set": changes}
        )

    async def _handle(  # noqa: PLR0911 - one answer per event type
        self, event: DomainEvent, context: PostContext
    ) -> Document | None:
        """Deliver what ``event`` calls for; the changes to the post's context."""
        match event:
            case PostPublished():
                await self._published(event, context)
                return context.model_dump()
            case PostEdited(content=content):
                await self._mentioned(context, content.mentions, context.mentioned, None)
                mentioned = sorted({*context.mentioned, *content.mentions})
                return {"excerpt": excerpt(content.text), "mentioned": mentioned}
            case CommentAdded():
                changes = _comment_added_changes(event, context)
                with_comment = PostContext.model_validate({**context.model_dump(), **changes})
                await self._comment_added(event, with_comment)
                return changes
            case CommentEdited(comment_id=comment_id, content=content):
                return await self._comment_edited(
                    context, comment_id, content.text, content.mentions
                )
            case ReactionSet() | ReactionRemoved():
                await self._reaction(event, context)
                return {}
            case AnswerAccepted():
                await self._answer_accepted(event, context)
                return {}
            case PostReported():
                await self._reported(event, context)
                return {}
        return _state_changes(event, context)

    # --- deliveries ---------------------------------------------------------------------------

    async def community(self, context: PostContext) -> CommunityFacts | None:
        """The facts of the post's community, now (looked up once per event)."""
        if not self._community_loaded and context.community_id is not None:
            self._community = await self.facts.community(context.community_id)
        self._community_loaded = True
        return self._community

    async def notify(
        self,
        context: PostContext,
        person_id: str,
        candidates: Sequence[Candidate],
        *,
        actor: str,
        comment_id: str | None,
    ) -> None:
        """Deliver the first candidate kind the person accepts (at most one per event); hold
        the notification when only a membership the projection has not seen is missing."""
        if not candidates or not context.shows(
            comment_id, moderated_too=candidates[0][0] == "report"
        ):
            return
        inbox = await self.store.inbox(person_id)
        community = await self.community(context)
        held = HeldNotification(
            local_id=self.envelope.id,
            kinds=[HeldKind(kind=kind, extra=extra) for kind, extra in candidates],
            actor=actor,
            post_id=context.post_id,
            comment_id=comment_id,
            recorded_at=self.envelope.time,
            shown_at=self.at,
        )
        document = _chosen_notification(inbox, held, context=context, community=community)
        if document is not None:
            await self.store.deliver(inbox, document)
        elif (
            context.community_id is not None
            and not inbox.erased
            and _awaits_membership(person_id, held, context, community)
        ):
            await self.store.note_held(inbox, context.community_id)
            await HeldNotifications(self.store.notifications).hold(
                context.community_id, person_id, held
            )

    async def _published(self, event: PostPublished, context: PostContext) -> None:
        praised = event.praise.person_ids if event.praise is not None else ()
        skill = event.praise.skill if event.praise is not None else None
        mentioned = set(event.content.mentions)
        for person_id in _unique([*praised, *event.content.mentions]):
            candidates: list[Candidate] = []
            if person_id in praised:
                candidates.append(("praise", {"skill": skill}))
            if person_id in mentioned:
                candidates.append(("mention", {}))
            await self.notify(
                context, person_id, candidates, actor=event.author_id, comment_id=None
            )

    async def _mentioned(
        self,
        context: PostContext,
        mentions: Sequence[str],
        already: Sequence[str],
        comment_id: str | None,
    ) -> None:
        author = context.author_id if comment_id is None else _comment_author(context, comment_id)
        if author is None:
            return
        for person_id in _unique([p for p in mentions if p not in already]):
            await self.notify(
                context, person_id, [("mention", {})], actor=author, comment_id=comment_id
            )

    async def _comment_added(self, event: CommentAdded, context: PostContext) -> None:
        parent = context.comment(event.parent_comment_id)
        mentioned = set(event.content.mentions)
        for person_id in _unique([*event.content.mentions, *context.subscribers]):
            candidates: list[Candidate] = []
            if person_id in mentioned:
                candidates.append(("mention", {}))
            if context.follows(person_id):
                role = (
                    "reply"
                    if parent is not None and parent.author_id == person_id
                    else "your_post"
                    if person_id == context.author_id
                    else "followed"
                )
                candidates.append(("comment", {"role": role}))
            if candidates:
                await self.notify(
                    context,
                    person_id,
                    candidates,
                    actor=event.author_id,
                    comment_id=event.comment_id,
                )

    async def _comment_edited(
        self, context: PostContext, comment_id: str, text: str, mentions: Sequence[str]
    ) -> Document:
        comment = context.comment(comment_id)
        if comment is None:
            return {}
        await self._mentioned(context, mentions, comment.mentioned, comment_id)
        mentioned = sorted({*comment.mentioned, *mentions})
        return {
            "comments": context.with_comment(comment_id, excerpt=excerpt(text), mentioned=mentioned)
        }

    async def _answer_accepted(self, event: AnswerAccepted, context: PostContext) -> None:
        await self.notify(
            context,
            event.answer_author_id,
            [("answer_accepted", {})],
            actor=event.accepted_by,
            comment_id=event.comment_id,
        )

    async def _reported(self, event: PostReported, context: PostContext) -> None:
        community = await self.community(context)
        if community is None:
            return
        reason = excerpt(event.reason, REASON_LENGTH)
        for manager in sorted(set(community.managers)):
            await self.notify(
                context,
                manager,
                [("report", {"reason": reason})],
                actor=event.reporter_id,
                comment_id=event.comment_id,
            )

    # --- grouped reactions ----------------------------------------------------------------------

    async def _reaction(self, event: ReactionSet | ReactionRemoved, context: PostContext) -> None:
        owner = (
            context.author_id
            if event.comment_id is None
            else _comment_author(context, event.comment_id)
        )
        if owner is None or owner == event.person_id:
            return
        if not context.shows(event.comment_id):
            return
        groups = _ReactionGroups(self, context, owner, event.comment_id)
        if isinstance(event, ReactionSet):
            inbox = await self.store.inbox(owner)
            community = await self.community(context)
            if admits(
                inbox,
                "reaction",
                actor=event.person_id,
                community_id=context.community_id,
                community=community,
                unsubscribed=context.muted_by(owner),
            ):
                await groups.add(inbox, event.person_id)
        else:
            await groups.remove(event.person_id)


class _ReactionGroups:
    """One person's grouped reaction notifications about one post or comment.

    A pointer document (in ``inboxes``) keeps the current group number and ``notified``: the
    people whose reaction some notification already announced (so a changed reaction is not
    news, and a reaction taken back and given again is not announced twice once read).
    """

    def __init__(
        self,
        handler: _PostEventHandler,
        context: PostContext,
        owner: str,
        comment_id: str | None,
    ) -> None:
        self.handler = handler
        self.store = handler.store
        self.context = context
        self.owner = owner
        self.comment_id = comment_id
        self.pointer_key = reaction_pointer_key(owner, context.post_id, comment_id)

    async def add(self, inbox: Inbox, reactor: str) -> None:
        """Announce ``reactor``'s reaction in the unread group (opening one if needed)."""
        pointer = await self.store.inboxes.find_one({"_id": self.pointer_key}) or {}
        if reactor in pointer.get("notified", []):
            return
        group = int(pointer.get("group", 1))
        local_id = reaction_group_id(self.context.post_id, self.comment_id, group)
        document = await self.store.notification(self.owner, local_id)
        if (
            document is not None
            and not inbox.is_unread(local_id)
            and await self.store.placed(inbox, local_id, int(document["bucket"]))
        ):
            group += 1
            local_id = reaction_group_id(self.context.post_id, self.comment_id, group)
            document = None
            await self._save_pointer({"$set": {"group": group}})
        envelope = self.handler.envelope
        if document is None:
            await self.store.deliver(
                inbox,
                _notification(
                    local_id=local_id,
                    at=envelope.time,
                    person_id=self.owner,
                    kind="reaction",
                    actor=reactor,
                    post_id=self.context.post_id,
                    comment_id=self.comment_id,
                    community_id=self.context.community_id,
                ),
            )
        else:
            await self._join(inbox, document, local_id, reactor, envelope.time)
        await self._save_pointer({"$set": {"group": group}, "$addToSet": {"notified": reactor}})

    async def _join(
        self, inbox: Inbox, document: Document, local_id: str, reactor: str, time: datetime
    ) -> None:
        actors = [reactor, *(actor for actor in document["actors"] if actor != reactor)]
        changes = {"actors": actors, "actor_count": len(actors), "updated_at": time}
        await self.store.notifications.update_one({"_id": document["_id"]}, {"$set": changes})
        document = {**document, **changes}
        if await self.store.placed(inbox, local_id, int(document["bucket"])):
            await self.store.touch_unread(inbox, unread_entry(document))
        else:
            await self.store.place(inbox, local_id, int(document["bucket"]), unread_entry(document))

    async def remove(self, reactor: str) -> None:
        """Take ``reactor`` out of the unread group (a read group keeps the record)."""
        pointer = await self.store.inboxes.find_one({"_id": self.pointer_key}) or {}
        if reactor not in pointer.get("notified", []):
            return
        local_id = reaction_group_id(
            self.context.post_id, self.comment_id, int(pointer.get("group", 1))
        )
        inbox = await self.store.inbox(self.owner)
        document = await self.store.notification(self.owner, local_id)
        if document is None or reactor not in document["actors"] or not inbox.is_unread(local_id):
            return
        actors = [actor for actor in document["actors"] if actor != reactor]
        await self.store.notifications.update_one(
            {"_id": document["_id"]}, {"$set": {"actors": actors, "actor_count": len(actors)}}
        )
        if not actors:
            await self.store.forget_unread(inbox, {local_id})
        await self._save_pointer({"$pull": {"notified": reactor}})

    async def _save_pointer(self, update: Document) -> None:
        await self.store.inboxes.update_one({"_id": self.pointer_key}, update, upsert=True)


def _published_context(event: PostPublished) -> PostContext:
    return PostContext(
        post_id=event.post_id,
        author_id=event.author_id,
        place_kind=event.place.kind,
        place_id=event.place.id,
        kind=event.kind,
        excerpt=excerpt(event.content.text),
        mentioned=sorted(set(event.content.mentions)),
        subscribers=[event.author_id],
    )


def _state_changes(  # noqa: PLR0911 - one answer per event type
    event: DomainEvent, context: PostContext
) -> Document | None:
    """The context changes of events that notify nobody (``None``: the event is not kept)."""
    match event:
        case PostDeleted():
            return {"state": "deleted", "excerpt": "", "comments": _without_text(context)}
        case PostHidden() | PostRestored():
            return {"state": "hidden" if isinstance(event, PostHidden) else "visible"}
        case CommentDeleted(comment_id=comment_id):
            return {"comments": context.with_comment(comment_id, state="deleted", excerpt="")}
        case CommentHidden(comment_id=comment_id) | CommentRestored(comment_id=comment_id):
            state = "hidden" if isinstance(event, CommentHidden) else "visible"
            return {"comments": context.with_comment(comment_id, state=state)}
        case PostSubscribed(person_id=person_id):
            subscribers = _unique([*context.subscribers, person_id])
            unsubscribed = [p for p in context.unsubscribed if p != person_id]
            return {"subscribers": subscribers, "unsubscribed": unsubscribed}
        case PostUnsubscribed(person_id=person_id):
            subscribers = [p for p in context.subscribers if p != person_id]
            unsubscribed = _unique([*context.unsubscribed, person_id])
            return {"subscribers": subscribers, "unsubscribed": unsubscribed}
    return None


def _comment_added_changes(event: CommentAdded, context: PostContext) -> Document:
    comment = {
        "id": event.comment_id,
        "author_id": event.author_id,
        "parent_id": event.parent_comment_id,
        "state": "visible",
        "excerpt": excerpt(event.content.text),
        "mentioned": sorted(set(event.content.mentions)),
    }
    comments = [
        existing.model_dump() for existing in context.comments if existing.id != comment["id"]
    ]
    changes: Document = {"comments": [*comments, comment]}
    if event.author_id not in context.unsubscribed:
        changes["subscribers"] = _unique([*context.subscribers, event.author_id])
    return changes


def _without_text(context: PostContext) -> list[Document]:
    return [comment.model_copy(update={"excerpt": ""}).model_dump() for comment in context.comments]


def _comment_author(context: PostContext, comment_id: str) -> str | None:
    comment = context.comment(comment_id)
    return comment.author_id if comment is not None else None


def _unique(people: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(people))
