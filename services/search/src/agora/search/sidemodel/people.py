"""How a person's record follows the profiles topics, memberships and other people's standing.

Profile events are applied once each (the record remembers the last version of the person's
profile stream it applied, and the cards' version apart, since cards share that numbering).
Memberships, follows and endorsements given are sets changed by one stream each, applied in
that stream's order, so applying a suffix of a stream again converges to the same record.
"""

from collections.abc import Callable

from agora.search import upstream
from agora.search.sidemodel.evidence import Evidence
from agora.search.sidemodel.records import (
    Contribution,
    DeclaredSkill,
    Endorsement,
    GivenEndorsement,
    PersonRecord,
)
from agora.search.topics import topic_key

MAX_STANDING_ENDORSERS = 8
"""Endorsements beyond this many add nothing to an endorser's standing."""

Mutation = Callable[[PersonRecord], None]


def standing(endorser: PersonRecord | None, skill: str) -> float:
    """How much an endorsement of ``skill`` by ``endorser`` weighs: 1 for anyone, more for
    someone who declared the skill (0.5 a level) and was endorsed for it (0.25 each, up to 8)."""
    if endorser is None or endorser.erased:
        return 1.0
    endorsers = min(endorser.endorsers(skill), MAX_STANDING_ENDORSERS)
    return 1.0 + 0.5 * endorser.level(skill) + 0.25 * endorsers


def erase(record: PersonRecord) -> None:
    """Drop everything about the person but the tombstone (which keeps them unfindable)."""
    fresh = PersonRecord(person_id=record.person_id)
    for name in PersonRecord.model_fields:
        if name not in {"person_id", "revision", "profile_version", "card_version"}:
            setattr(record, name, getattr(fresh, name))
    record.erased = True
    record.active = False


def apply_card(record: PersonRecord, event: upstream.UpstreamEvent) -> None:
    """Apply a person card (published or erased)."""
    if isinstance(event, upstream.PersonCardErased):
        erase(record)
    elif isinstance(event, upstream.PersonCardPublished) and not record.erased:
        record.display_name = event.display_name
        record.job_title = event.job_title
        record.department = event.department
        record.location = event.location
        record.languages = list(event.languages)
        record.photo_url = event.photo_url
        record.active = event.active
        record.has_card = True


def apply_profile_event(
    record: PersonRecord, event_type: str, event: upstream.UpstreamEvent, *, weight: float
) -> None:
    """Apply one event of the person's own profile stream (``weight``: the standing of the
    endorser, for an endorsement)."""
    if record.erased:
        return
    match event:
        case upstream.PersonErased():
            erase(record)
        case upstream.PersonDeactivated():
            record.active = False
        case upstream.SkillDeclared(skill=skill, level=level):
            key = topic_key(skill)
            record.skills = [s for s in record.skills if s.skill != key]
            record.skills.append(DeclaredSkill(skill=key, level=level))
            record.skills.sort(key=lambda s: s.skill)
        case upstream.SkillRemoved(skill=skill):
            key = topic_key(skill)
            record.skills = [s for s in record.skills if s.skill != key]
            record.endorsements = [e for e in record.endorsements if e.skill != key]
        case upstream.TopicsSet(topics=topics):
            cleaned = sorted({topic.strip() for topic in topics if topic.strip()})
            if event_type.endswith("interests_set"):
                record.interests = cleaned
            else:
                record.help_topics = cleaned
        case upstream.EndorsementChanged(skill=skill, endorser_id=endorser):
            _endorse(record, topic_key(skill), endorser, weight if _given(event_type) else None)
        case upstream.FollowChanged(followee_id=followee):
            following = set(record.following)
            if event_type.endswith("person_followed"):
                following.add(followee)
            else:
                following.discard(followee)
            record.following = sorted(following)


def _given(event_type: str) -> bool:
    return event_type.endswith("endorsement_given")


def _endorse(record: PersonRecord, skill: str, endorser: str, weight: float | None) -> None:
    """Set (``weight``) or withdraw (``None``) an endorsement of ``skill`` by ``endorser``."""
    record.endorsements = [
        e for e in record.endorsements if (e.skill, e.endorser_id) != (skill, endorser)
    ]
    if weight is not None:
        record.endorsements.append(Endorsement(skill=skill, endorser_id=endorser, weight=weight))
        record.endorsements.sort(key=lambda e: (e.skill, e.endorser_id))


def record_endorsement_given(person_id: str, skill: str, *, given: bool, version: int) -> Mutation:
    """The endorser's side of an endorsement: remember whose skill they endorsed (or stopped
    endorsing), as of version ``version`` of the endorsed person's stream."""
    key = topic_key(skill)

    def mutate(record: PersonRecord) -> None:
        current = next(
            (e for e in record.endorsed if (e.person_id, e.skill) == (person_id, key)), None
        )
        if record.erased or (current is not None and current.version >= version):
            return
        kept = [e for e in record.endorsed if e is not current]
        kept.append(GivenEndorsement(person_id=person_id, skill=key, version=version, active=given))
        record.endorsed = sorted(kept, key=lambda e: (e.person_id, e.skill))

    return mutate


def reweigh_endorsement(endorser_id: str, skill: str, weight: float) -> Mutation:
    """Set the weight of the endorsement of ``skill`` by ``endorser_id`` (their standing moved)."""

    def mutate(record: PersonRecord) -> None:
        for endorsement in record.endorsements:
            if (endorsement.endorser_id, endorsement.skill) == (endorser_id, skill):
                endorsement.weight = weight

    return mutate


def membership(community_id: str, *, member: bool, listed: bool) -> Mutation:
    """Add the person to, or remove them from, a community (``listed``: not secret)."""

    def mutate(record: PersonRecord) -> None:
        communities = set(record.communities)
        shown = set(record.listed_communities)
        if member and not record.erased:
            communities.add(community_id)
            if listed:
                shown.add(community_id)
        else:
            communities.discard(community_id)
            shown.discard(community_id)
        record.communities = sorted(communities)
        record.listed_communities = sorted(shown)

    return mutate


def contribution(post_id: str, evidence: Evidence) -> Mutation:
    """Replace what ``post_id`` proves about the person by its current evidence."""

    def mutate(record: PersonRecord) -> None:
        items = [] if record.erased else evidence.get(record.person_id, [])
        position = next(
            (i for i, c in enumerate(record.contributions) if c.post_id == post_id), None
        )
        if position is None:
            if items:
                record.contributions.append(Contribution(post_id=post_id, items=items))
        elif items:
            record.contributions[position] = Contribution(post_id=post_id, items=items)
        else:
            del record.contributions[position]

    return mutate
