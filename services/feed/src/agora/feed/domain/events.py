"""The feed's events: a post's stream (``post-<id>``) and a person's inbox (``inbox-<id>``).

A post's stream holds its whole conversation: comments, reactions, the accepted answer, poll
votes, subscriptions, reports and moderation. Every event is schema version 1 and part of the
public contract (docs/events/feed.asyncapi.json); the acting person is also in the envelope.
"""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from agora.eventsourcing import DomainEvent, EventRegistry

registry = EventRegistry()

PostKind = Literal["post", "question", "praise", "poll"]
PlaceKind = Literal["community", "profile"]
CommunityVisibility = Literal["open", "closed", "secret"]
Reaction = Literal["like", "celebrate", "insightful", "support"]
ResultsVisibility = Literal["always", "after_voting", "after_closing"]
NotificationKind = Literal[
    "mention",
    "comment",
    "answer_accepted",
    "reaction",
    "praise",
    "join_request",
    "report",
]


class Place(BaseModel):
    """Where a post lives: a community, or its author's own profile."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: PlaceKind
    id: str
    """The community id, or the author's person id for a profile post."""
    visibility: CommunityVisibility = "open"
    """The community's visibility when the post was published (fixed for a community's life);
    ``open`` for profile posts, which every employee may read."""


class WorkItem(BaseModel):
    """A reference to an item in another business tool that the conversation is about."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    system: str
    """The tool, e.g. ``jira``, ``github``, ``salesforce`` (lower case)."""
    item_id: str
    url: str | None = None
    title: str | None = None


class PollOption(BaseModel):
    """One answer a poll offers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    option_id: str
    label: str


class Poll(BaseModel):
    """The question part of a poll post."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    options: tuple[PollOption, ...]
    closes_at: datetime
    results_visibility: ResultsVisibility


class Praise(BaseModel):
    """A public thank-you to colleagues, optionally for a skill."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    person_ids: tuple[str, ...]
    skill: str | None = None


class Content(BaseModel):
    """The text of a post or comment (Markdown source, stored as written) and what it names."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    mentions: tuple[str, ...] = ()
    """Person ids mentioned with ``@``."""
    links: tuple[str, ...] = ()
    """Absolute http(s) URLs found in the text."""


# --- post streams -----------------------------------------------------------------------------


@registry.register
class PostPublished(DomainEvent):
    """A person published a post (a plain post, a question, a praise or a poll)."""

    event_type = "agora.feed.post_published"
    post_id: str
    author_id: str
    place: Place
    kind: PostKind
    content: Content
    tags: tuple[str, ...] = ()
    work_item: WorkItem | None = None
    praise: Praise | None = None
    poll: Poll | None = None
    shared_post_id: str | None = None
    """Set when this post shares another one; ``content`` is then the sharer's comment."""
    published_at: datetime | None = None
    """Set when a platform administrator imported the post from another network: its original
    time, which readers use instead of the envelope's (the time it was imported)."""


@registry.register
class PostEdited(DomainEvent):
    """The author changed the text or tags of the post (earlier versions stay in the stream)."""

    event_type = "agora.feed.post_edited"
    content: Content
    tags: tuple[str, ...] = ()


@registry.register
class PostDeleted(DomainEvent):
    """The author deleted the post: its content leaves every read model."""

    event_type = "agora.feed.post_deleted"


@registry.register
class PostHidden(DomainEvent):
    """A community manager hid the post from members, with a reason given to its author."""

    event_type = "agora.feed.post_hidden"
    moderator_id: str
    reason: str


@registry.register
class PostRestored(DomainEvent):
    """A community manager made a hidden post visible again."""

    event_type = "agora.feed.post_restored"
    moderator_id: str


@registry.register
class PostReported(DomainEvent):
    """Someone reported the post (or one of its comments) to the community's managers."""

    event_type = "agora.feed.post_reported"
    report_id: str
    reporter_id: str
    reason: str
    comment_id: str | None = None


@registry.register
class CommentAdded(DomainEvent):
    """Someone commented on the post, or replied to a top-level comment."""

    event_type = "agora.feed.comment_added"
    comment_id: str
    author_id: str
    content: Content
    parent_comment_id: str | None = None
    published_at: datetime | None = None
    """Set when a platform administrator imported the comment from another network: its
    original time, which readers use instead of the envelope's (the time it was imported)."""


@registry.register
class CommentEdited(DomainEvent):
    """A comment's author changed its text."""

    event_type = "agora.feed.comment_edited"
    comment_id: str
    content: Content


@registry.register
class CommentDeleted(DomainEvent):
    """A comment's author deleted it."""

    event_type = "agora.feed.comment_deleted"
    comment_id: str


@registry.register
class CommentHidden(DomainEvent):
    """A community manager hid a comment, with a reason."""

    event_type = "agora.feed.comment_hidden"
    comment_id: str
    moderator_id: str
    reason: str


@registry.register
class CommentRestored(DomainEvent):
    """A community manager made a hidden comment visible again."""

    event_type = "agora.feed.comment_restored"
    comment_id: str
    moderator_id: str


@registry.register
class ReactionSet(DomainEvent):
    """A person reacted to the post (``comment_id`` unset) or a comment, or changed reaction."""

    event_type = "agora.feed.reaction_set"
    person_id: str
    reaction: Reaction
    comment_id: str | None = None


@registry.register
class ReactionRemoved(DomainEvent):
    """A person took back their reaction to the post or a comment."""

    event_type = "agora.feed.reaction_removed"
    person_id: str
    comment_id: str | None = None


@registry.register
class AnswerAccepted(DomainEvent):
    """The asker (or a community manager) accepted a comment as the answer to the question."""

    event_type = "agora.feed.answer_accepted"
    comment_id: str
    answer_author_id: str
    accepted_by: str


@registry.register
class AnswerUnaccepted(DomainEvent):
    """The accepted answer was withdrawn: the question is unanswered again."""

    event_type = "agora.feed.answer_unaccepted"
    comment_id: str
    by: str


@registry.register
class PollVoted(DomainEvent):
    """A person voted in the poll, or changed their vote before it closed."""

    event_type = "agora.feed.poll_voted"
    person_id: str
    option_id: str


@registry.register
class PostSubscribed(DomainEvent):
    """A person asked to be notified of new comments on the post."""

    event_type = "agora.feed.post_subscribed"
    person_id: str


@registry.register
class PostUnsubscribed(DomainEvent):
    """A person no longer wants notifications about the post (even as author or commenter)."""

    event_type = "agora.feed.post_unsubscribed"
    person_id: str


# --- inbox streams: a person's notification settings and read marks ------------------------


@registry.register
class NotificationPreferencesSet(DomainEvent):
    """A person chose which kinds of notification they receive (kinds not named stay on)."""

    event_type = "agora.feed.notification_preferences_set"
    disabled_kinds: tuple[NotificationKind, ...]


@registry.register
class CommunityMuted(DomainEvent):
    """A person muted a community: its content no longer notifies them."""

    event_type = "agora.feed.community_muted"
    community_id: str


@registry.register
class CommunityUnmuted(DomainEvent):
    """A person unmuted a community."""

    event_type = "agora.feed.community_unmuted"
    community_id: str


@registry.register
class NotificationsRead(DomainEvent):
    """A person marked notifications as read: the ones listed, or all up to ``up_to``."""

    event_type = "agora.feed.notifications_read"
    notification_ids: tuple[str, ...] = ()
    up_to: datetime | None = None
