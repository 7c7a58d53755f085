"""The projector: applies consumed events to the workspace, one at a time, in memory.

Duplicates are recognised per stream: each entity remembers the last version it applied
(people: ``v`` for the profile stream, ``cv`` for the cards; communities and posts: ``v``),
and a gateway signal only ever sets a day's "visited" bit, which a second copy leaves as it is.
Crashes are the journal's business (``journal.py``): nothing reaches the database between two
flushes, and a flush is all or nothing.
"""

from collections.abc import Iterable

from agora.eventsourcing import EventEnvelope
from agora.eventsourcing.times import as_utc
from agora.metrics import upstream
from agora.metrics.calendar import day_of
from agora.metrics.engine.communities import Communities
from agora.metrics.engine.conversations import Conversations
from agora.metrics.engine.keys import community_entity, person_entity, post_entity
from agora.metrics.engine.people import People
from agora.metrics.engine.workspace import Entity, Workspace
from agora.metrics.rules import EngagementRules

PROFILE_STREAM_PREFIX = "profile-"


class Projector:
    """Turns events into changes of the workspace."""

    def __init__(self, workspace: Workspace, rules: EngagementRules) -> None:
        self.workspace = workspace
        self.people = People(workspace, rules)
        self.communities = Communities(workspace, self.people)
        self.conversations = Conversations(workspace, self.people, self.communities)

    async def prefetch(
        self, events: Iterable[tuple[EventEnvelope, upstream.UpstreamEvent]]
    ) -> None:
        """Load, a few at a time, the entities a batch of events will need."""
        await self.workspace.prefetch(
            entity_id for envelope, event in events for entity_id in _entities_of(envelope, event)
        )

    async def apply(self, envelope: EventEnvelope, event: upstream.UpstreamEvent) -> None:
        """Apply one decoded event."""
        kind = envelope.type.split(".")[1]
        if kind == "feed":
            await self.conversations.apply(envelope, _utc_times(event))
        elif kind == "communities":
            await self.communities.apply(envelope, event)
        elif kind == "gateway":
            assert isinstance(event, upstream.PersonActive)
            person = await self.people.get(event.person_id)
            self.people.visited(person, event.day)
        elif isinstance(event, upstream.PersonCardPublished | upstream.PersonCardErased):
            await self._card(envelope, event)
        else:
            await self._profile(envelope, event)

    async def finish(self) -> None:
        """Complete what depends on a whole batch (weekly profiles, packed series) before a
        flush."""
        await self.people.classify_pending()
        await self.workspace.settle_packed()

    async def _card(
        self,
        envelope: EventEnvelope,
        event: upstream.PersonCardPublished | upstream.PersonCardErased,
    ) -> None:
        person = await self.people.get(event.person_id)
        if envelope.streamversion <= person.doc.get("cv", 0):
            return  # an older or repeated card (cards are republished, and compacted)
        person.doc["cv"] = envelope.streamversion
        self.workspace.changed(person, "cv")
        if isinstance(event, upstream.PersonCardErased):
            await self.people.erase(person)
            return
        if person.doc["erased"]:
            return
        card = {"title": event.has_job_title, "photo": event.has_photo}
        if card != person.doc["card"]:
            person.doc["card"] = card
            self.workspace.changed(person, "card")
        await self.people.change_department(person, group_name(event.department))
        await self.people.change_location(person, group_name(event.location))
        self.people.refresh_completeness(person)

    async def _profile(self, envelope: EventEnvelope, event: upstream.UpstreamEvent) -> None:
        if not envelope.streamid.startswith(PROFILE_STREAM_PREFIX):
            return
        person = await self.people.get(upstream.aggregate_id(envelope))
        if envelope.streamversion <= person.doc.get("v", 0):
            return  # published twice by the outbox relay
        person.doc["v"] = envelope.streamversion
        self.workspace.changed(person, "v")
        if person.doc["erased"]:
            return
        day = day_of(as_utc(envelope.time))
        match event:
            case upstream.PersonProvisioned(registered_on=registered_on):
                self.people.registered(person, registered_on or day)
            case upstream.PersonDeactivated(left_on=left_on):
                self.people.departed(person, left_on)
            case upstream.PersonErased():
                await self.people.erase(person)
            case upstream.SkillAdded(skill=skill):
                _edit_skills(self.workspace, person, add=skill)
                self.people.refresh_completeness(person)
            case upstream.SkillRemoved(skill=skill):
                _edit_skills(self.workspace, person, remove=skill)
                self.people.refresh_completeness(person)
            case upstream.TopicsSet(has_topics=has_topics):
                field = "interests" if envelope.type.endswith("interests_set") else "help"
                person.doc[field] = has_topics
                self.workspace.changed(person, field)
                self.people.refresh_completeness(person)


def group_name(written: str | None) -> str | None:
    """A department or location as cards write it, white space collapsed (``None`` if blank)."""
    collapsed = " ".join(written.split()) if written else ""
    return collapsed or None


def _edit_skills(
    workspace: Workspace, person: Entity, *, add: str | None = None, remove: str | None = None
) -> None:
    skills: list[str] = person.doc["skills"]
    folded = " ".join((add or remove or "").casefold().split())
    if add is not None and folded not in skills:
        skills.append(folded)
    elif remove is not None and folded in skills:
        skills.remove(folded)
    else:
        return
    workspace.changed(person, "skills")


def _utc_times(event: upstream.UpstreamEvent) -> upstream.UpstreamEvent:
    published_at = getattr(event, "published_at", None)
    if published_at is None or published_at.tzinfo is not None:
        return event
    return event.model_copy(update={"published_at": as_utc(published_at)})


def _entities_of(envelope: EventEnvelope, event: upstream.UpstreamEvent) -> list[str]:
    """The entities an event will surely need (others are loaded when needed)."""
    ids: list[str] = []
    for name in ("person_id", "author_id", "creator_id", "answer_author_id"):
        value = getattr(event, name, None)
        if isinstance(value, str):
            ids.append(person_entity(value))
    if envelope.streamid.startswith("post-"):
        ids.append(post_entity(upstream.aggregate_id(envelope)))
    elif envelope.streamid.startswith("community-"):
        ids.append(community_entity(upstream.aggregate_id(envelope)))
    elif envelope.streamid.startswith(PROFILE_STREAM_PREFIX) and envelope.type.startswith(
        "agora.profiles."
    ):
        ids.append(person_entity(upstream.aggregate_id(envelope)))
    return ids
