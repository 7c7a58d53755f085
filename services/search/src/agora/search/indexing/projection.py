"""The indexing projection: events update the side model at once; Elasticsearch documents are
written in bulk once per consumed batch.

``apply`` (called for each event, retried and dead-lettered by the runner like any projection)
updates the side-model records in MongoDB and remembers each record it loaded or saved as
*dirty*. ``flush`` (called once the batch is applied, before its offsets are committed) writes
the document of every dirty record, whole, with its version. Even an event that changes
nothing marks every record it concerns dirty: after a crash between the MongoDB writes and the
bulk write, the redelivered events find the records already updated and still get their
documents written.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from agora.eventsourcing import ApplyOrder, EventEnvelope, ReadModel
from agora.search import upstream
from agora.search.indexing.bulk import BulkOutcome, IndexAction, bulk_index
from agora.search.indexing.documents import community_document, person_document, post_document
from agora.search.indexing.indices import SearchIndices
from agora.search.settings import SearchSettings
from agora.search.sidemodel import people
from agora.search.sidemodel.communities import evolve_community
from agora.search.sidemodel.evidence import evidence_of
from agora.search.sidemodel.posts import evolve_post
from agora.search.sidemodel.records import CommunityRecord, PersonRecord, PostRecord
from agora.search.sidemodel.store import SideModel
from agora.search.topics import topic_key

logger = logging.getLogger(__name__)


@dataclass
class Dirty:
    """The records whose documents the next flush writes (the newest state of each)."""

    people: dict[str, PersonRecord] = field(default_factory=dict)
    posts: dict[str, PostRecord] = field(default_factory=dict)
    communities: dict[str, CommunityRecord] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.people) + len(self.posts) + len(self.communities)


class SearchProjection:
    """Turns the profiles, cards, communities and feed topics into the search indices."""

    # A post's document depends on its community's visibility, another stream's facts.
    order = ApplyOrder.LOG

    def __init__(
        self,
        *,
        name: str,
        topics: Sequence[str],
        cards_topic: str,
        indices: SearchIndices,
    ) -> None:
        self.name = name
        self.topics: Sequence[str] = tuple(topics)
        self._cards_topic = cards_topic
        self.indices = indices
        self._dirty = Dirty()
        self._side: SideModel | None = None

    @classmethod
    def from_settings(cls, settings: SearchSettings, indices: SearchIndices) -> "SearchProjection":
        """The projection configured by ``settings``."""
        return cls(
            name=settings.projection_prefix,
            topics=(
                settings.communities_topic,
                settings.profiles_topic,
                settings.profile_cards_topic,
                settings.feed_topic,
            ),
            cards_topic=settings.profile_cards_topic,
            indices=indices,
        )

    async def setup(self, read_model: ReadModel) -> None:
        """Create the generation's indices (every side-model lookup is by ``_id``)."""
        await self.indices.create_generation(read_model.generation)

    async def apply(self, envelope: EventEnvelope, read_model: ReadModel) -> None:
        """Apply one event to the side model and mark the records it touches."""
        event = upstream.decode_upstream(envelope)
        if event is None:
            return
        side = self._side_model(read_model)
        if envelope.type in upstream.CARD_EVENTS:
            await self._apply_card(side, envelope, event)
        elif envelope.type in upstream.PROFILE_EVENTS:
            await self._apply_profile(side, envelope, event)
        elif envelope.type in upstream.COMMUNITY_EVENTS:
            await self._apply_community(side, envelope, event)
        else:
            await self._apply_post(side, envelope, event)

    def _side_model(self, read_model: ReadModel) -> SideModel:
        """The side model of the generation being written (a new generation starts afresh)."""
        if self._side is None or self._side.generation != read_model.generation:
            self._side = SideModel(read_model)
            self._dirty = Dirty()
        return self._side

    async def flush(self, read_model: ReadModel) -> BulkOutcome:
        """Save the batch's changed records, then write the documents of every dirty record;
        what fails stays to be retried (MongoDB or Elasticsearch unavailable)."""
        side = self._side_model(read_model)
        await side.save()
        dirty = self._dirty
        generation = read_model.generation
        names = self.indices.names
        actions = [
            IndexAction(
                "people",
                names.index("people", generation),
                record.person_id,
                record.revision,
                person_document(record),
            )
            for record in dirty.people.values()
            if record.revision > 0
        ]
        actions += [
            IndexAction(
                "posts",
                names.index("posts", generation),
                record.post_id,
                record.version,
                post_document(record),
            )
            for record in dirty.posts.values()
        ]
        actions += [
            IndexAction(
                "communities",
                names.index("communities", generation),
                record.community_id,
                record.version,
                community_document(record),
            )
            for record in dirty.communities.values()
            if record.version > 0
        ]
        outcome = await bulk_index(self.indices.client, actions) if actions else BulkOutcome()
        self._dirty = Dirty()
        side.forget()
        return outcome

    # --- profiles and cards ------------------------------------------------------------------

    async def _apply_card(
        self, side: SideModel, envelope: EventEnvelope, event: upstream.UpstreamEvent
    ) -> None:
        assert isinstance(event, upstream.PersonCardPublished | upstream.PersonCardErased)
        version = envelope.streamversion

        def card(record: PersonRecord) -> None:
            if record.card_version < version:
                people.apply_card(record, event)
                record.card_version = version

        before = await side.person(event.person_id)
        record, _ = await side.update_person(event.person_id, card)
        self._dirty.people[record.person_id] = record
        if record.erased:
            await self._reweigh(side, before or record, record, skills=None)

    async def _apply_profile(
        self, side: SideModel, envelope: EventEnvelope, event: upstream.UpstreamEvent
    ) -> None:
        person_id = upstream.aggregate_id(envelope)
        version = envelope.streamversion
        weight = 1.0
        if isinstance(event, upstream.EndorsementChanged):
            given = envelope.type.endswith("endorsement_given")
            endorser, _ = await side.update_person(
                event.endorser_id,
                people.record_endorsement_given(
                    person_id, event.skill, given=given, version=version
                ),
            )
            self._dirty.people[endorser.person_id] = endorser
            weight = people.standing(endorser, topic_key(event.skill))

        def profile(record: PersonRecord) -> None:
            if record.profile_version < version:
                people.apply_profile_event(record, envelope.type, event, weight=weight)
                record.profile_version = version

        before = await side.person(person_id)
        record, _ = await side.update_person(person_id, profile)
        self._dirty.people[person_id] = record
        match event:
            case upstream.PersonErased():
                await self._reweigh(side, before or record, record, skills=None)
            case (
                upstream.SkillDeclared(skill=skill)
                | upstream.SkillRemoved(skill=skill)
                | upstream.EndorsementChanged(skill=skill)
            ):
                await self._reweigh(side, before or record, record, skills={topic_key(skill)})

    async def _reweigh(
        self,
        side: SideModel,
        before: PersonRecord,
        endorser: PersonRecord,
        *,
        skills: set[str] | None,
    ) -> None:
        """The endorser's standing in ``skills`` (all, when ``None``) may have moved: set it as
        the weight of each endorsement they gave in those skills. Runs even when the event was
        already applied, so a crash half-way through is finished by the redelivery."""
        given = {(e.person_id, e.skill) for e in [*before.endorsed, *endorser.endorsed] if e.active}
        for person_id, skill in sorted(given):
            if skills is not None and skill not in skills:
                continue
            weight = people.standing(endorser, skill)
            record, _ = await side.update_person(
                person_id, people.reweigh_endorsement(endorser.person_id, skill, weight)
            )
            self._dirty.people[person_id] = record

    # --- communities -------------------------------------------------------------------------

    async def _apply_community(
        self, side: SideModel, envelope: EventEnvelope, event: upstream.UpstreamEvent
    ) -> None:
        community_id = upstream.aggregate_id(envelope)
        before = await side.community(community_id)
        record = evolve_community(before, community_id, envelope, event)
        if record is not before:
            side.save_community(record)
        self._dirty.communities[community_id] = record
        person_id: str | None = None
        if isinstance(event, upstream.MembershipEvent):
            person_id = event.person_id
        elif isinstance(event, upstream.CommunityCreated):
            person_id = event.creator_id
        if person_id is not None:
            # The membership mirrors the community's current members: applying an older
            # membership event again converges to the present.
            member, _ = await side.update_person(
                person_id,
                people.membership(
                    community_id,
                    member=person_id in record.members,
                    listed=record.visibility != "secret",
                ),
            )
            self._dirty.people[person_id] = member

    # --- feed --------------------------------------------------------------------------------

    async def _apply_post(
        self, side: SideModel, envelope: EventEnvelope, event: upstream.UpstreamEvent
    ) -> None:
        post_id = upstream.aggregate_id(envelope)
        before = await side.post(post_id)
        record = evolve_post(before, envelope, event)
        if record is None:
            logger.warning("%s for unknown post %s ignored", envelope.type, post_id)
            return
        evidence = evidence_of(record)
        for person_id in sorted({*record.contributors, *evidence}):
            person, _ = await side.update_person(person_id, people.contribution(post_id, evidence))
            self._dirty.people[person_id] = person
        record = record.model_copy(update={"contributors": sorted(evidence)})
        if before is None or record != before:
            side.save_post(record)
        self._dirty.posts[post_id] = record
