"""The states the feed's rules decide on, folded from a post's or an inbox's events."""

from datetime import datetime
from functools import singledispatch

from pydantic import BaseModel, ConfigDict

from agora.eventsourcing import DomainEvent
from agora.feed.domain.events import (
    AnswerAccepted,
    AnswerUnaccepted,
    CommentAdded,
    CommentDeleted,
    CommentEdited,
    CommentHidden,
    CommentRestored,
    CommunityMuted,
    CommunityUnmuted,
    Content,
    NotificationKind,
    NotificationPreferencesSet,
    Place,
    Poll,
    PollVoted,
    PostDeleted,
    PostEdited,
    PostHidden,
    PostKind,
    PostPublished,
    PostReported,
    PostRestored,
    PostSubscribed,
    PostUnsubscribed,
    Praise,
    Reaction,
    ReactionRemoved,
    ReactionSet,
    WorkItem,
)


class CommentState(BaseModel):
    """One comment of a post: who wrote it, where it hangs, and what became of it."""

    model_config = ConfigDict(frozen=True)

    author_id: str
    content: Content
    parent_comment_id: str | None = None
    deleted: bool = False
    hidden: bool = False

    @property
    def is_reply(self) -> bool:
        """Whether the comment answers another comment (replies are one level deep)."""
        return self.parent_comment_id is not None


class ReportRecord(BaseModel):
    """A report made on the post or one of its comments."""

    model_config = ConfigDict(frozen=True)

    report_id: str
    reporter_id: str
    comment_id: str | None = None


class PostState(BaseModel):
    """Everything the rules of one post and its conversation need."""

    model_config = ConfigDict(frozen=True)

    post_id: str | None = None
    author_id: str = ""
    place: Place | None = None
    kind: PostKind = "post"
    content: Content = Content(text="")
    tags: tuple[str, ...] = ()
    work_item: WorkItem | None = None
    praise: Praise | None = None
    poll: Poll | None = None
    shared_post_id: str | None = None
    published_at: datetime | None = None
    """The original time of an imported post (``None`` for a post published here)."""
    deleted: bool = False
    hidden: bool = False
    comments: dict[str, CommentState] = {}
    reactions: dict[str, Reaction] = {}
    """Reactions to the post itself, by person."""
    comment_reactions: dict[str, dict[str, Reaction]] = {}
    """Reactions to comments: by comment, then by person."""
    accepted_comment_id: str | None = None
    votes: dict[str, str] = {}
    """Each voter's option id."""
    subscriptions: dict[str, bool] = {}
    """Explicit choices to follow (``True``) or ignore (``False``) the conversation."""
    reports: tuple[ReportRecord, ...] = ()

    @property
    def exists(self) -> bool:
        """Whether the post was published (deleted posts still exist, as tombstones)."""
        return self.post_id is not None

    def reaction_of(self, person_id: str, comment_id: str | None = None) -> Reaction | None:
        """The person's reaction to the post, or to one of its comments."""
        if comment_id is None:
            return self.reactions.get(person_id)
        return self.comment_reactions.get(comment_id, {}).get(person_id)

    def report_of(self, person_id: str, comment_id: str | None = None) -> str | None:
        """The id of the person's report on the post (or the comment), if they made one."""
        for report in self.reports:
            if report.reporter_id == person_id and report.comment_id == comment_id:
                return report.report_id
        return None

    def is_subscribed(self, person_id: str) -> bool:
        """An explicit choice wins; otherwise the author and commenters follow the post."""
        choice = self.subscriptions.get(person_id)
        if choice is not None:
            return choice
        return person_id == self.author_id or any(
            comment.author_id == person_id for comment in self.comments.values()
        )


class PostAggregate:
    """Folds a ``post-<id>`` stream into a ``PostState``."""

    kind = "post"
    state_type = PostState
    snapshot_schema = 1

    def initial_state(self) -> PostState:
        """The state before the post is published."""
        return PostState()

    def evolve(self, state: PostState, event: DomainEvent) -> PostState:
        """The state after ``event``."""
        return _apply(event, state)


@singledispatch
def _apply(event: DomainEvent, state: PostState) -> PostState:
    return state  # an event this state does not track


@_apply.register
def _published(event: PostPublished, state: PostState) -> PostState:
    return _with(
        state,
        post_id=event.post_id,
        author_id=event.author_id,
        place=event.place,
        kind=event.kind,
        content=event.content,
        tags=event.tags,
        work_item=event.work_item,
        praise=event.praise,
        poll=event.poll,
        shared_post_id=event.shared_post_id,
        published_at=event.published_at,
    )


@_apply.register
def _edited(event: PostEdited, state: PostState) -> PostState:
    return _with(state, content=event.content, tags=event.tags)


@_apply.register
def _deleted(event: PostDeleted, state: PostState) -> PostState:
    return _with(state, deleted=True)


@_apply.register
def _hidden(event: PostHidden, state: PostState) -> PostState:
    return _with(state, hidden=True)


@_apply.register
def _restored(event: PostRestored, state: PostState) -> PostState:
    return _with(state, hidden=False)


@_apply.register
def _reported(event: PostReported, state: PostState) -> PostState:
    report = ReportRecord(
        report_id=event.report_id, reporter_id=event.reporter_id, comment_id=event.comment_id
    )
    return _with(state, reports=(*state.reports, report))


@_apply.register
def _comment_added(event: CommentAdded, state: PostState) -> PostState:
    comment = CommentState(
        author_id=event.author_id,
        content=event.content,
        parent_comment_id=event.parent_comment_id,
    )
    return _with(state, comments={**state.comments, event.comment_id: comment})


@_apply.register
def _comment_edited(event: CommentEdited, state: PostState) -> PostState:
    return _with_comment(state, event.comment_id, content=event.content)


@_apply.register
def _comment_deleted(event: CommentDeleted, state: PostState) -> PostState:
    return _with_comment(state, event.comment_id, deleted=True)


@_apply.register
def _comment_hidden(event: CommentHidden, state: PostState) -> PostState:
    return _with_comment(state, event.comment_id, hidden=True)


@_apply.register
def _comment_restored(event: CommentRestored, state: PostState) -> PostState:
    return _with_comment(state, event.comment_id, hidden=False)


@_apply.register
def _reaction_set(event: ReactionSet, state: PostState) -> PostState:
    if event.comment_id is None:
        return _with(state, reactions={**state.reactions, event.person_id: event.reaction})
    on_comment = {**state.comment_reactions.get(event.comment_id, {})}
    on_comment[event.person_id] = event.reaction
    return _with(state, comment_reactions={**state.comment_reactions, event.comment_id: on_comment})


@_apply.register
def _reaction_removed(event: ReactionRemoved, state: PostState) -> PostState:
    if event.comment_id is None:
        reactions = {p: r for p, r in state.reactions.items() if p != event.person_id}
        return _with(state, reactions=reactions)
    on_comment = {
        p: r
        for p, r in state.comment_reactions.get(event.comment_id, {}).items()
        if p != event.person_id
    }
    return _with(state, comment_reactions={**state.comment_reactions, event.comment_id: on_comment})


@_apply.register
def _answer_accepted(event: AnswerAccepted, state: PostState) -> PostState:
    return _with(state, accepted_comment_id=event.comment_id)


@_apply.register
def _answer_unaccepted(event: AnswerUnaccepted, state: PostState) -> PostState:
    if state.accepted_comment_id != event.comment_id:
        return state
    return _with(state, accepted_comment_id=None)


@_apply.register
def _voted(event: PollVoted, state: PostState) -> PostState:
    return _with(state, votes={**state.votes, event.person_id: event.option_id})


@_apply.register
def _subscribed(event: PostSubscribed, state: PostState) -> PostState:
    return _with(state, subscriptions={**state.subscriptions, event.person_id: True})


@_apply.register
def _unsubscribed(event: PostUnsubscribed, state: PostState) -> PostState:
    return _with(state, subscriptions={**state.subscriptions, event.person_id: False})


def _with(state: PostState, **changes: object) -> PostState:
    return state.model_copy(update=changes)


def _with_comment(state: PostState, comment_id: str, **changes: object) -> PostState:
    comment = state.comments.get(comment_id)
    if comment is None:
        return state
    updated = comment.model_copy(update=changes)
    return _with(state, comments={**state.comments, comment_id: updated})


# --- a person's inbox -------------------------------------------------------------------------


class InboxState(BaseModel):
    """A person's notification settings: what they turned off and which communities they muted.

    Read marks are not kept: marking notifications read is always allowed and changes only the
    read model.
    """

    model_config = ConfigDict(frozen=True)

    disabled_kinds: frozenset[NotificationKind] = frozenset()
    muted_communities: frozenset[str] = frozenset()


class InboxAggregate:
    """Folds an ``inbox-<person id>`` stream into an ``InboxState``."""

    kind = "inbox"
    state_type = InboxState
    snapshot_schema = 1

    def initial_state(self) -> InboxState:
        """A person who changed nothing: every kind on, nothing muted."""
        return InboxState()

    def evolve(self, state: InboxState, event: DomainEvent) -> InboxState:
        """The state after ``event``."""
        match event:
            case NotificationPreferencesSet(disabled_kinds=kinds):
                return state.model_copy(update={"disabled_kinds": frozenset(kinds)})
            case CommunityMuted(community_id=community_id):
                muted = state.muted_communities | {community_id}
                return state.model_copy(update={"muted_communities": muted})
            case CommunityUnmuted(community_id=community_id):
                muted = state.muted_communities - {community_id}
                return state.model_copy(update={"muted_communities": muted})
        return state
