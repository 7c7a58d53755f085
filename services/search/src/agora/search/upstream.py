"""The search service's reading of other services' events: only the fields it uses (a tolerant
reader).

The producers' schemas (docs/events/*.schema.json) are the contract; a test checks that every
field read here is one the producers' newest schemas require, with a compatible type.
"""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agora.eventsourcing import EventEnvelope

Visibility = Literal["open", "closed", "secret"]


class UpstreamEvent(BaseModel):
    """A consumed event: unknown fields are ignored, known ones are checked."""

    model_config = ConfigDict(frozen=True, extra="ignore")


# --- agora.profiles.events and agora.profiles.cards ------------------------------------------


class PersonErased(UpstreamEvent):
    """The person's personal data was erased: they become unfindable."""


class PersonDeactivated(UpstreamEvent):
    """The person left the company."""


class SkillDeclared(UpstreamEvent):
    """The person declared a skill, or changed its self-assessed level (1 to 4)."""

    skill: str
    level: int


class SkillRemoved(UpstreamEvent):
    """The person removed a skill; its endorsements go with it."""

    skill: str


class TopicsSet(UpstreamEvent):
    """The person replaced their interests or the topics they can help with."""

    topics: list[str]


class EndorsementChanged(UpstreamEvent):
    """Someone endorsed one of this person's skills, or withdrew the endorsement."""

    skill: str
    endorser_id: str


class FollowChanged(UpstreamEvent):
    """The person started or stopped following someone."""

    followee_id: str


class PersonCardPublished(UpstreamEvent):
    """The public directory card of a person (profiles' compacted cards topic)."""

    person_id: str
    display_name: str
    job_title: str | None = None
    department: str | None = None
    photo_url: str | None = None
    active: bool = True
    location: str | None = None
    """Only when the person shows it to everyone (cards v2; absent from v1 cards)."""
    languages: list[str] = Field(default_factory=list)
    """Only when the person shows them to everyone."""


class PersonCardErased(UpstreamEvent):
    """The person was erased: no card any more."""

    person_id: str


# --- agora.communities.events ----------------------------------------------------------------


class CommunityCreated(UpstreamEvent):
    """A community was created; its creator is its first member."""

    community_id: str
    name: str
    description: str
    tags: list[str]
    kind: str
    visibility: Visibility
    creator_id: str


class CommunityEdited(UpstreamEvent):
    """A community's description or tags changed."""

    description: str
    tags: list[str]


class CommunityRenamed(UpstreamEvent):
    """A community got a new name."""

    name: str


class CommunityArchived(UpstreamEvent):
    """A community became read-only."""


class CommunityUnarchived(UpstreamEvent):
    """An archived community was opened again."""


class MembershipEvent(UpstreamEvent):
    """A membership event about one person."""

    person_id: str


# --- agora.feed.events -----------------------------------------------------------------------


class Content(UpstreamEvent):
    """The text of a post or comment (Markdown as written)."""

    text: str


class Place(UpstreamEvent):
    """Where a post lives: a community (with its visibility), or its author's profile."""

    kind: Literal["community", "profile"]
    id: str
    visibility: Visibility = "open"


class WorkItem(UpstreamEvent):
    """The business-tool item a conversation is about."""

    system: str
    item_id: str
    url: str | None = None
    title: str | None = None


class Praise(UpstreamEvent):
    """A public thank-you to colleagues, optionally naming a skill."""

    person_ids: list[str]
    skill: str | None = None


class PostPublished(UpstreamEvent):
    """A person published a post, a question, a praise or a poll."""

    post_id: str
    author_id: str
    place: Place
    kind: str
    content: Content
    tags: list[str] = []
    work_item: WorkItem | None = None
    praise: Praise | None = None
    shared_post_id: str | None = None
    published_at: datetime | None = None


class PostEdited(UpstreamEvent):
    """The author changed the text or tags of the post."""

    content: Content
    tags: list[str] = []


class PostStateChanged(UpstreamEvent):
    """The post was deleted, hidden or restored."""


class CommentAdded(UpstreamEvent):
    """Someone commented (an answer, on a question) or replied to a comment."""

    comment_id: str
    author_id: str
    content: Content
    parent_comment_id: str | None = None
    published_at: datetime | None = None


class CommentEdited(UpstreamEvent):
    """A comment's author changed its text."""

    comment_id: str
    content: Content


class CommentStateChanged(UpstreamEvent):
    """A comment was deleted, hidden or restored."""

    comment_id: str


class AnswerAccepted(UpstreamEvent):
    """The asker (or a manager) accepted a comment as the answer."""

    comment_id: str
    answer_author_id: str


class AnswerUnaccepted(UpstreamEvent):
    """The accepted answer was withdrawn."""

    comment_id: str


PROFILE_EVENTS: dict[str, type[UpstreamEvent]] = {
    "agora.profiles.person_erased": PersonErased,
    "agora.profiles.person_deactivated": PersonDeactivated,
    "agora.profiles.skill_added": SkillDeclared,
    "agora.profiles.skill_level_changed": SkillDeclared,
    "agora.profiles.skill_removed": SkillRemoved,
    "agora.profiles.interests_set": TopicsSet,
    "agora.profiles.help_topics_set": TopicsSet,
    "agora.profiles.endorsement_given": EndorsementChanged,
    "agora.profiles.endorsement_withdrawn": EndorsementChanged,
    "agora.profiles.person_followed": FollowChanged,
    "agora.profiles.person_unfollowed": FollowChanged,
}
CARD_EVENTS: dict[str, type[UpstreamEvent]] = {
    "agora.profiles.person_card_published": PersonCardPublished,
    "agora.profiles.person_card_erased": PersonCardErased,
}
MEMBERSHIP_STARTS = frozenset(
    {
        "agora.communities.member_joined",
        "agora.communities.join_request_approved",
        "agora.communities.invitation_accepted",
    }
)
MEMBERSHIP_ENDS = frozenset(
    {
        "agora.communities.member_left",
        "agora.communities.member_removed",
        "agora.communities.person_blocked",
    }
)
COMMUNITY_EVENTS: dict[str, type[UpstreamEvent]] = {
    "agora.communities.community_created": CommunityCreated,
    "agora.communities.community_edited": CommunityEdited,
    "agora.communities.community_renamed": CommunityRenamed,
    "agora.communities.community_archived": CommunityArchived,
    "agora.communities.community_unarchived": CommunityUnarchived,
    **dict.fromkeys(MEMBERSHIP_STARTS | MEMBERSHIP_ENDS, MembershipEvent),
}
FEED_EVENTS: dict[str, type[UpstreamEvent]] = {
    "agora.feed.post_published": PostPublished,
    "agora.feed.post_edited": PostEdited,
    "agora.feed.post_deleted": PostStateChanged,
    "agora.feed.post_hidden": PostStateChanged,
    "agora.feed.post_restored": PostStateChanged,
    "agora.feed.comment_added": CommentAdded,
    "agora.feed.comment_edited": CommentEdited,
    "agora.feed.comment_deleted": CommentStateChanged,
    "agora.feed.comment_hidden": CommentStateChanged,
    "agora.feed.comment_restored": CommentStateChanged,
    "agora.feed.answer_accepted": AnswerAccepted,
    "agora.feed.answer_unaccepted": AnswerUnaccepted,
}
UPSTREAM_EVENTS = {**PROFILE_EVENTS, **CARD_EVENTS, **COMMUNITY_EVENTS, **FEED_EVENTS}


def decode_upstream(envelope: EventEnvelope) -> UpstreamEvent | None:
    """The consumed event, or ``None`` for a type search does not use."""
    event_class = UPSTREAM_EVENTS.get(envelope.type)
    if event_class is None:
        return None
    return event_class.model_validate(envelope.data)


def aggregate_id(envelope: EventEnvelope) -> str:
    """The id after the stream's prefix: ``community-abc`` gives ``abc``."""
    return envelope.streamid.split("-", 1)[1]
