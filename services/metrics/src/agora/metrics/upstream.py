"""What the metrics service reads of other services' events: metadata only (a tolerant reader).

Who did what kind of thing, when, where and with which tags; never a text. The models below
*declare* no text field (no post or comment content, no names, titles, descriptions, charters,
reasons, poll labels, sealed data): pydantic ignores every undeclared field, so the text in an
envelope is never copied into anything this service holds. ``tests/metrics/test_no_text.py``
checks every declared field against an allow-list, and the producers' recorded schemas
(docs/events/*.schema.json) are checked against these models in
``tests/metrics/test_upstream_contract.py``.
"""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from agora.eventsourcing import EventEnvelope


class UpstreamEvent(BaseModel):
    """A consumed event: unknown fields are ignored, known ones are checked."""

    model_config = ConfigDict(frozen=True, extra="ignore")


# --- agora.profiles.events and agora.profiles.cards -----------------------------------------


class PersonProvisioned(UpstreamEvent):
    """A person was registered (their personal fields travel sealed and are not read), on
    ``registered_on`` when migrated from another network, else on the day of the event."""

    person_id: str
    registered_on: date | None = None


class PersonDeactivated(UpstreamEvent):
    """The person left the company on ``left_on``."""

    left_on: date


class PersonErased(UpstreamEvent):
    """The person's personal data was erased."""


class SkillAdded(UpstreamEvent):
    """The person declared a skill."""

    skill: str


class SkillRemoved(UpstreamEvent):
    """The person removed a skill."""

    skill: str


class TopicsSet(UpstreamEvent):
    """The person replaced their interests or "I can help with" topics (only whether there
    are any is kept)."""

    has_topics: Annotated[bool, BeforeValidator(bool)] = Field(validation_alias="topics")


class PersonCardPublished(UpstreamEvent):
    """The public card of a person: its department, the location it shows to everyone (if
    any), and only *whether* a job title and a photo are given (their values are never kept)."""

    person_id: str
    department: str | None = None
    location: str | None = None
    has_job_title: Annotated[bool, BeforeValidator(bool)] = Field(
        default=False, validation_alias="job_title"
    )
    has_photo: Annotated[bool, BeforeValidator(bool)] = Field(
        default=False, validation_alias="photo_url"
    )


class PersonCardErased(UpstreamEvent):
    """The person was erased: no card any more."""

    person_id: str


# --- agora.communities.events ---------------------------------------------------------------


CommunityKind = Literal["interest", "project", "practice"]
Visibility = Literal["open", "closed", "secret"]


class CommunityCreated(UpstreamEvent):
    """A community was created; its creator is its first owner."""

    community_id: str
    kind: CommunityKind
    visibility: Visibility
    creator_id: str


class CommunityArchived(UpstreamEvent):
    """A community became read-only."""


class CommunityUnarchived(UpstreamEvent):
    """An archived community was opened again."""


class MembershipEvent(UpstreamEvent):
    """A membership event about one person."""

    person_id: str


class MemberRoleChanged(UpstreamEvent):
    """A member's role changed."""

    person_id: str
    role: Literal["owner", "manager", "member"]


# --- agora.feed.events -----------------------------------------------------------------------


class Place(UpstreamEvent):
    """Where a post lives: a community (with its visibility) or its author's profile."""

    kind: Literal["community", "profile"]
    id: str
    visibility: Visibility = "open"


class PraiseTarget(UpstreamEvent):
    """Who a praise thanks, and for which skill."""

    person_ids: tuple[str, ...]
    skill: str | None = None


class PostPublished(UpstreamEvent):
    """A post, question, praise or poll was published (its text is not read)."""

    post_id: str
    author_id: str
    place: Place
    kind: Literal["post", "question", "praise", "poll"]
    tags: tuple[str, ...] = ()
    praise: PraiseTarget | None = None
    shared_post_id: str | None = None
    published_at: datetime | None = None


class CommentAdded(UpstreamEvent):
    """Someone commented on a post or replied to a comment (its text is not read)."""

    comment_id: str
    author_id: str
    parent_comment_id: str | None = None
    published_at: datetime | None = None


class ReactionSet(UpstreamEvent):
    """A person reacted to the post or one of its comments."""

    person_id: str
    comment_id: str | None = None


class AnswerAccepted(UpstreamEvent):
    """A comment was accepted as the answer to the question."""

    comment_id: str
    answer_author_id: str
    accepted_by: str


class AnswerUnaccepted(UpstreamEvent):
    """The accepted answer was withdrawn."""

    comment_id: str


class PollVoted(UpstreamEvent):
    """A person voted in a poll (which option is not read)."""

    person_id: str


# --- agora.gateway.events --------------------------------------------------------------------


class PersonActive(UpstreamEvent):
    """A person used Agora on this day."""

    person_id: str
    day: date


PROFILE_EVENTS: dict[str, type[UpstreamEvent]] = {
    "agora.profiles.person_provisioned": PersonProvisioned,
    "agora.profiles.person_deactivated": PersonDeactivated,
    "agora.profiles.person_erased": PersonErased,
    "agora.profiles.skill_added": SkillAdded,
    "agora.profiles.skill_removed": SkillRemoved,
    "agora.profiles.interests_set": TopicsSet,
    "agora.profiles.help_topics_set": TopicsSet,
}
CARD_EVENTS: dict[str, type[UpstreamEvent]] = {
    "agora.profiles.person_card_published": PersonCardPublished,
    "agora.profiles.person_card_erased": PersonCardErased,
}
COMMUNITY_EVENTS: dict[str, type[UpstreamEvent]] = {
    "agora.communities.community_created": CommunityCreated,
    "agora.communities.community_archived": CommunityArchived,
    "agora.communities.community_unarchived": CommunityUnarchived,
    "agora.communities.member_joined": MembershipEvent,
    "agora.communities.join_requested": MembershipEvent,
    "agora.communities.join_request_approved": MembershipEvent,
    "agora.communities.join_request_rejected": MembershipEvent,
    "agora.communities.invitation_accepted": MembershipEvent,
    "agora.communities.member_left": MembershipEvent,
    "agora.communities.member_removed": MembershipEvent,
    "agora.communities.person_blocked": MembershipEvent,
    "agora.communities.member_role_changed": MemberRoleChanged,
}
FEED_EVENTS: dict[str, type[UpstreamEvent]] = {
    "agora.feed.post_published": PostPublished,
    "agora.feed.comment_added": CommentAdded,
    "agora.feed.reaction_set": ReactionSet,
    "agora.feed.answer_accepted": AnswerAccepted,
    "agora.feed.answer_unaccepted": AnswerUnaccepted,
    "agora.feed.poll_voted": PollVoted,
}
GATEWAY_EVENTS: dict[str, type[UpstreamEvent]] = {
    "agora.gateway.person_active": PersonActive,
}
UPSTREAM_EVENTS: dict[str, type[UpstreamEvent]] = {
    **PROFILE_EVENTS,
    **CARD_EVENTS,
    **COMMUNITY_EVENTS,
    **FEED_EVENTS,
    **GATEWAY_EVENTS,
}


def decode(envelope: EventEnvelope) -> UpstreamEvent | None:
    """The event's metadata, or ``None`` for a type the metrics do not use."""
    event_class = UPSTREAM_EVENTS.get(envelope.type)
    if event_class is None:
        return None
    return event_class.model_validate(envelope.data)


def aggregate_id(envelope: EventEnvelope) -> str:
    """The id after the stream's prefix: ``community-abc`` gives ``abc``."""
    return envelope.streamid.split("-", 1)[1]
