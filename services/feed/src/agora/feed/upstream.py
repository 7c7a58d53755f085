"""The feed's reading of other services' events: only the fields it uses (a tolerant reader).

The producers' schemas (docs/events/profiles*.json, communities*.json) are the contract; a test
checks that every example the producers' schemas allow still decodes here.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict

from agora.eventsourcing import EventEnvelope


class UpstreamEvent(BaseModel):
    """A consumed event: unknown fields are ignored, known ones are checked."""

    model_config = ConfigDict(frozen=True, extra="ignore")


# --- agora.profiles.events and agora.profiles.cards ------------------------------------------


class PersonErased(UpstreamEvent):
    """The person's personal data was erased."""


class PersonDeactivated(UpstreamEvent):
    """The person left the company."""


class SkillAdded(UpstreamEvent):
    """The person declared a skill."""

    skill: str


class SkillRemoved(UpstreamEvent):
    """The person removed a skill."""

    skill: str


class TopicsSet(UpstreamEvent):
    """The person replaced their interests or the topics they can help with."""

    topics: list[str]


class PersonFollowed(UpstreamEvent):
    """The person started following someone."""

    followee_id: str


class PersonUnfollowed(UpstreamEvent):
    """The person stopped following someone."""

    followee_id: str


class PersonCardPublished(UpstreamEvent):
    """The public directory card of a person (profiles' compacted cards topic)."""

    person_id: str
    display_name: str
    job_title: str | None = None
    department: str | None = None
    photo_url: str | None = None
    active: bool = True


class PersonCardErased(UpstreamEvent):
    """The person was erased: no card any more."""

    person_id: str


# --- agora.communities.events ----------------------------------------------------------------


class CommunityCreated(UpstreamEvent):
    """A community was created; its creator is its first owner."""

    community_id: str
    name: str
    kind: str
    visibility: Literal["open", "closed", "secret"]
    creator_id: str


class CommunityRenamed(UpstreamEvent):
    """A community got a new name."""

    name: str


class CommunityArchived(UpstreamEvent):
    """A community became read-only."""


class CommunityUnarchived(UpstreamEvent):
    """An archived community was opened again."""


class PersonEvent(UpstreamEvent):
    """A membership event about one person."""

    person_id: str


class MemberRoleChanged(UpstreamEvent):
    """A member's role changed."""

    person_id: str
    role: Literal["owner", "manager", "member"]


PROFILE_EVENTS: dict[str, type[UpstreamEvent]] = {
    "agora.profiles.person_erased": PersonErased,
    "agora.profiles.person_deactivated": PersonDeactivated,
    "agora.profiles.skill_added": SkillAdded,
    "agora.profiles.skill_removed": SkillRemoved,
    "agora.profiles.interests_set": TopicsSet,
    "agora.profiles.help_topics_set": TopicsSet,
    "agora.profiles.person_followed": PersonFollowed,
    "agora.profiles.person_unfollowed": PersonUnfollowed,
    "agora.profiles.person_card_published": PersonCardPublished,
    "agora.profiles.person_card_erased": PersonCardErased,
}
COMMUNITY_EVENTS: dict[str, type[UpstreamEvent]] = {
    "agora.communities.community_created": CommunityCreated,
    "agora.communities.community_renamed": CommunityRenamed,
    "agora.communities.community_archived": CommunityArchived,
    "agora.communities.community_unarchived": CommunityUnarchived,
    "agora.communities.member_joined": PersonEvent,
    "agora.communities.join_requested": PersonEvent,
    "agora.communities.join_request_approved": PersonEvent,
    "agora.communities.join_request_rejected": PersonEvent,
    "agora.communities.invitation_accepted": PersonEvent,
    "agora.communities.member_left": PersonEvent,
    "agora.communities.member_removed": PersonEvent,
    "agora.communities.person_blocked": PersonEvent,
    "agora.communities.member_role_changed": MemberRoleChanged,
}
UPSTREAM_EVENTS = {**PROFILE_EVENTS, **COMMUNITY_EVENTS}


def decode_upstream(envelope: EventEnvelope) -> UpstreamEvent | None:
    """The consumed event, or ``None`` for a type the feed does not use."""
    event_class = UPSTREAM_EVENTS.get(envelope.type)
    if event_class is None:
        return None
    return event_class.model_validate(envelope.data)


def aggregate_id(envelope: EventEnvelope) -> str:
    """The id after the stream's prefix: ``community-abc`` gives ``abc``."""
    return envelope.streamid.split("-", 1)[1]
