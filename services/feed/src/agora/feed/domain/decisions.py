"""The feed's commands as pure decisions: given a state and facts, the events or a refusal.

Every post decision takes the post's state, the facts of its community (``None`` for a profile
post), the actor and, where time matters, ``now``. Who may read a post follows one rule: a
profile or open community post is readable by every employee, a closed or secret community's
post by its current members only, and anybody else is told the post does not exist. A hidden
post stays readable only by its author and its moderators; a deleted one by nobody. An archived
community is read-only.
"""

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from agora.eventsourcing import DomainEvent
from agora.feed.content import extract_links
from agora.feed.domain.commands import (
    Actor,
    AddComment,
    EditComment,
    EditPost,
    OpenWorkItemThread,
    PlaceRef,
    PollSpec,
    PublishPost,
    Report,
    SharePost,
)
from agora.feed.domain.errors import (
    CommentHiddenError,
    CommentNotFoundError,
    CommunityNotFoundError,
    CommunityReadOnlyError,
    InvalidCommentError,
    InvalidPostError,
    InvalidReadMarkError,
    NotAllowedError,
    NotAMemberError,
    NotAPollError,
    NotAQuestionError,
    PollClosedError,
    PostExistsError,
    PostHiddenError,
    PostNotFoundError,
    ShareRestrictedError,
    ThreadDeletedError,
    UnknownPollOptionError,
)
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
    NotificationsRead,
    Place,
    Poll,
    PollOption,
    PollVoted,
    PostDeleted,
    PostEdited,
    PostHidden,
    PostPublished,
    PostReported,
    PostRestored,
    PostSubscribed,
    PostUnsubscribed,
    Reaction,
    ReactionRemoved,
    ReactionSet,
)
from agora.feed.domain.state import CommentState, InboxState, PostState
from agora.feed.facts import CommunityFacts

Events = list[DomainEvent]

MAX_TAGS = 10
MAX_MENTIONS = 50
MAX_PRAISED = 20
MIN_POLL_OPTIONS = 2
MAX_POLL_OPTIONS = 10
MAX_POLL_DURATION = timedelta(days=365)
MAX_READ_MARKS = 200
EARLIEST_IMPORT = datetime(2000, 1, 1, tzinfo=UTC)
"""Imported content is older than its import, but not older than this."""


def work_item_post_id(community_id: str, system: str, item_id: str) -> str:
    """The id of THE conversation about a work item in a community (the same for every caller).

    Community ids and tool names cannot contain ``|``, so the joined key is unambiguous.
    """
    digest = hashlib.sha256(f"{community_id}|{system}|{item_id}".encode()).hexdigest()
    return f"wi{digest[:30]}"


# --- who may read and moderate a post -----------------------------------------------------------


def can_read(state: PostState, community: CommunityFacts | None, person_id: str) -> bool:
    """Whether the person may read the post (ignoring whether it is deleted or hidden)."""
    place = state.place
    if place is None:
        return False
    if place.kind == "profile":
        return True
    if community is None or community.community_id != place.id:
        return False
    if place.visibility != "open" and not community.is_member(person_id):
        return False
    return community.can_read(person_id)


def is_moderator(state: PostState, community: CommunityFacts | None, actor: Actor) -> bool:
    """Community posts are moderated by the community's managers, profile posts by admins."""
    place = state.place
    if place is None:
        return False
    if place.kind == "profile":
        return actor.is_platform_admin
    return (
        community is not None
        and community.community_id == place.id
        and community.manages(actor.person_id)
    )


# --- posts --------------------------------------------------------------------------------------


def decide_publish(
    state: PostState,
    community: CommunityFacts | None,
    actor: Actor,
    command: PublishPost,
    now: datetime,
) -> Events:
    """Publish a post in a community the actor is a member of, or on their own profile."""
    if state.exists:
        raise PostExistsError(f"post {command.post_id!r} already exists")
    place = _place_for(command.place, community, actor)
    _check_kind(command, actor)
    poll = _poll(command.poll, now) if command.poll is not None else None
    return [
        PostPublished(
            post_id=command.post_id,
            author_id=actor.person_id,
            place=place,
            kind=command.kind,
            content=_content(command.text, command.mentions),
            tags=_tags(command.tags),
            work_item=command.work_item,
            praise=command.praise,
            poll=poll,
        )
    ]


def decide_open_work_item_thread(
    state: PostState,
    community: CommunityFacts | None,
    actor: Actor,
    command: OpenWorkItemThread,
    now: datetime,
) -> Events:
    """Find the work item's conversation in the community (no event) or open it."""
    known = _known_community(command.community_id, community, actor)
    if not known.can_read(actor.person_id):
        raise NotAMemberError("only the community's members take part in its conversations")
    if state.exists:
        if state.deleted:
            raise ThreadDeletedError("the conversation about this work item was deleted")
        _require_visible(state, known, actor)
        return []
    publish = PublishPost(
        post_id=command.post_id,
        place=PlaceRef(kind="community", id=command.community_id),
        kind="post",
        text=command.text,
        tags=command.tags,
        work_item=command.work_item,
    )
    return decide_publish(state, known, actor, publish, now)


def decide_share(
    state: PostState,
    *,
    source: PostState,
    source_community: CommunityFacts | None,
    target_community: CommunityFacts | None,
    actor: Actor,
    command: SharePost,
) -> Events:
    """Share a readable post as a new post; a closed or secret community's post stays inside it."""
    if state.exists:
        raise PostExistsError(f"post {command.post_id!r} already exists")
    _require_visible(source, source_community, actor)
    if source.hidden:
        raise PostHiddenError("a hidden post cannot be shared")
    if _is_restricted(source, source_community) and (
        command.place.kind != "community"
        or source.place is None
        or command.place.id != source.place.id
    ):
        raise ShareRestrictedError(
            "a post of a closed or secret community can only be shared inside that community"
        )
    place = _place_for(command.place, target_community, actor)
    return [
        PostPublished(
            post_id=command.post_id,
            author_id=actor.person_id,
            place=place,
            kind="post",
            content=_content(command.text, ()),
            shared_post_id=source.post_id,
        )
    ]


def decide_edit_post(
    state: PostState, community: CommunityFacts | None, actor: Actor, command: EditPost
) -> Events:
    """Change the text (and tags or mentions) of one's own post; no event if nothing changes."""
    _require_visible(state, community, actor)
    _require_author(state, actor)
    _require_writable(state, community)
    mentions = command.mentions if command.mentions is not None else state.content.mentions
    content = _content(command.text, mentions)
    tags = _tags(command.tags) if command.tags is not None else state.tags
    if content == state.content and tags == state.tags:
        return []
    return [PostEdited(content=content, tags=tags)]


def decide_delete_post(state: PostState, community: CommunityFacts | None, actor: Actor) -> Events:
    """Delete one's own post (its stream stays, as a tombstone)."""
    _require_visible(state, community, actor)
    _require_author(state, actor)
    _require_writable(state, community)
    return [PostDeleted()]


def decide_hide_post(
    state: PostState, community: CommunityFacts | None, actor: Actor, reason: str
) -> Events:
    """Hide a post from readers (moderators); no event if it is already hidden."""
    _require_moderation(state, community, actor)
    if state.hidden:
        return []
    return [PostHidden(moderator_id=actor.person_id, reason=reason)]


def decide_restore_post(state: PostState, community: CommunityFacts | None, actor: Actor) -> Events:
    """Make a hidden post visible again (moderators); no event if it is not hidden."""
    _require_moderation(state, community, actor)
    if not state.hidden:
        return []
    return [PostRestored(moderator_id=actor.person_id)]


def decide_report(
    state: PostState, community: CommunityFacts | None, actor: Actor, command: Report
) -> Events:
    """Report the post or a comment; a second report of the same target by a person is a no-op."""
    _require_participation(state, community, actor)
    if command.comment_id is not None:
        _open_comment(state, command.comment_id)
    if state.report_of(actor.person_id, command.comment_id) is not None:
        return []
    return [
        PostReported(
            report_id=command.report_id,
            reporter_id=actor.person_id,
            reason=command.reason,
            comment_id=command.comment_id,
        )
    ]


def decide_subscribe(state: PostState, community: CommunityFacts | None, actor: Actor) -> Events:
    """Follow the conversation; no event if the person already does."""
    _require_participation(state, community, actor)
    if state.is_subscribed(actor.person_id):
        return []
    return [PostSubscribed(person_id=actor.person_id)]


def decide_unsubscribe(state: PostState, community: CommunityFacts | None, actor: Actor) -> Events:
    """Stop following the conversation (even as its author); no event if not following."""
    _require_participation(state, community, actor)
    if not state.is_subscribed(actor.person_id):
        return []
    return [PostUnsubscribed(person_id=actor.person_id)]


# --- comments -----------------------------------------------------------------------------------


def decide_add_comment(
    state: PostState, community: CommunityFacts | None, actor: Actor, command: AddComment
) -> Events:
    """Comment on the post, or reply to a top-level comment (replies are one level deep)."""
    _require_participation(state, community, actor)
    if command.comment_id in state.comments:
        raise InvalidCommentError(f"comment {command.comment_id!r} already exists")
    if command.parent_comment_id is not None:
        parent = _open_comment(state, command.parent_comment_id)
        if parent.is_reply:
            raise InvalidCommentError(
                "replies are one level deep: reply to the top-level comment instead"
            )
    return [
        CommentAdded(
            comment_id=command.comment_id,
            author_id=actor.person_id,
            content=_content(command.text, command.mentions),
            parent_comment_id=command.parent_comment_id,
        )
    ]


def decide_edit_comment(
    state: PostState, community: CommunityFacts | None, actor: Actor, command: EditComment
) -> Events:
    """Change one's own comment; no event if nothing changes."""
    _require_participation(state, community, actor)
    comment = _live_comment(state, command.comment_id)
    _require_comment_author(comment, actor)
    mentions = command.mentions if command.mentions is not None else comment.content.mentions
    content = _content(command.text, mentions)
    if content == comment.content:
        return []
    return [CommentEdited(comment_id=command.comment_id, content=content)]


def decide_delete_comment(
    state: PostState, community: CommunityFacts | None, actor: Actor, comment_id: str
) -> Events:
    """Delete one's own comment; an accepted answer is withdrawn first."""
    _require_participation(state, community, actor)
    comment = _live_comment(state, comment_id)
    _require_comment_author(comment, actor)
    return [*_withdraw_if_accepted(state, comment_id, actor), CommentDeleted(comment_id=comment_id)]


def decide_hide_comment(
    state: PostState,
    community: CommunityFacts | None,
    actor: Actor,
    comment_id: str,
    reason: str,
) -> Events:
    """Hide a comment (moderators); an accepted answer is withdrawn; no event if hidden."""
    _require_moderation(state, community, actor)
    comment = _live_comment(state, comment_id)
    if comment.hidden:
        return []
    return [
        *_withdraw_if_accepted(state, comment_id, actor),
        CommentHidden(comment_id=comment_id, moderator_id=actor.person_id, reason=reason),
    ]


def decide_restore_comment(
    state: PostState, community: CommunityFacts | None, actor: Actor, comment_id: str
) -> Events:
    """Make a hidden comment visible again (moderators); no event if it is not hidden."""
    _require_moderation(state, community, actor)
    comment = _live_comment(state, comment_id)
    if not comment.hidden:
        return []
    return [CommentRestored(comment_id=comment_id, moderator_id=actor.person_id)]


# --- imports from another network (platform administrators) -------------------------------------


def decide_import_post(
    state: PostState,
    community: CommunityFacts | None,
    *,
    importer: Actor,
    author: Actor,
    command: PublishPost,
    published_at: datetime,
    now: datetime,
) -> Events:
    """Publish, on behalf of ``author`` and at its original time, a post of another network.

    Only platform administrators import; the author must be allowed to publish the post now
    (a member of its community, posting on their own profile), as for a post published here.
    """
    _require_importer(importer, published_at, now, InvalidPostError)
    return [
        event.model_copy(update={"published_at": published_at})
        for event in decide_publish(state, community, author, command, now)
    ]


def decide_import_comment(
    state: PostState,
    community: CommunityFacts | None,
    *,
    importer: Actor,
    author: Actor,
    command: AddComment,
    published_at: datetime,
    now: datetime,
) -> Events:
    """Add, on behalf of ``author`` and at its original time, a comment of another network.

    The author must be allowed to comment now; a comment cannot be older than its imported post.
    """
    _require_importer(importer, published_at, now, InvalidCommentError)
    if state.published_at is not None and published_at < state.published_at:
        raise InvalidCommentError("an imported comment cannot be older than its post")
    return [
        event.model_copy(update={"published_at": published_at})
        for event in decide_add_comment(state, community, author, command)
    ]


def decide_import_share(
    state: PostState,
    *,
    source: PostState,
    source_community: CommunityFacts | None,
    target_community: CommunityFacts | None,
    importer: Actor,
    author: Actor,
    command: SharePost,
    published_at: datetime,
    now: datetime,
) -> Events:
    """Share, on behalf of ``author`` and at its original time, a post (as a share of another
    network). The author must be allowed to share it now; a share cannot be older than an
    imported post it shares."""
    _require_importer(importer, published_at, now, InvalidPostError)
    if source.published_at is not None and published_at < source.published_at:
        raise InvalidPostError("an imported share cannot be older than the post it shares")
    return [
        event.model_copy(update={"published_at": published_at})
        for event in decide_share(
            state,
            source=source,
            source_community=source_community,
            target_community=target_community,
            actor=author,
            command=command,
        )
    ]


def _require_importer(
    importer: Actor,
    published_at: datetime,
    now: datetime,
    invalid: type[InvalidPostError | InvalidCommentError],
) -> None:
    if not importer.is_platform_admin:
        raise NotAllowedError("only platform administrators import content")
    if not EARLIEST_IMPORT <= published_at <= now:
        raise invalid(f"an imported time lies between {EARLIEST_IMPORT.date().isoformat()} and now")


# --- reactions, answers, votes ------------------------------------------------------------------


def decide_set_reaction(
    state: PostState,
    community: CommunityFacts | None,
    actor: Actor,
    reaction: Reaction,
    comment_id: str | None = None,
) -> Events:
    """React to the post or a comment, or change one's reaction; no event if unchanged."""
    _require_participation(state, community, actor)
    if comment_id is not None:
        _open_comment(state, comment_id)
    if state.reaction_of(actor.person_id, comment_id) == reaction:
        return []
    return [ReactionSet(person_id=actor.person_id, reaction=reaction, comment_id=comment_id)]


def decide_remove_reaction(
    state: PostState,
    community: CommunityFacts | None,
    actor: Actor,
    comment_id: str | None = None,
) -> Events:
    """Take back one's reaction to the post or a comment; no event if there is none."""
    _require_participation(state, community, actor)
    if comment_id is not None:
        _live_comment(state, comment_id)
    if state.reaction_of(actor.person_id, comment_id) is None:
        return []
    return [ReactionRemoved(person_id=actor.person_id, comment_id=comment_id)]


def decide_accept_answer(
    state: PostState, community: CommunityFacts | None, actor: Actor, comment_id: str
) -> Events:
    """Accept a comment as the question's answer (the asker or a community manager).

    Accepting another comment replaces the answer; accepting the same one again is a no-op.
    """
    _require_answer_authority(state, community, actor)
    comment = _open_comment(state, comment_id)
    if state.accepted_comment_id == comment_id:
        return []
    return [
        AnswerAccepted(
            comment_id=comment_id, answer_author_id=comment.author_id, accepted_by=actor.person_id
        )
    ]


def decide_unaccept_answer(
    state: PostState, community: CommunityFacts | None, actor: Actor
) -> Events:
    """Withdraw the accepted answer (the asker or a community manager); no event if none."""
    _require_answer_authority(state, community, actor)
    if state.accepted_comment_id is None:
        return []
    return [AnswerUnaccepted(comment_id=state.accepted_comment_id, by=actor.person_id)]


def decide_vote(
    state: PostState,
    community: CommunityFacts | None,
    actor: Actor,
    option_id: str,
    now: datetime,
) -> Events:
    """Vote in an open poll, or change one's vote; no event if the vote is unchanged."""
    _require_participation(state, community, actor)
    if state.kind != "poll" or state.poll is None:
        raise NotAPollError("only polls take votes")
    if now >= state.poll.closes_at:
        raise PollClosedError(f"the poll closed at {state.poll.closes_at.isoformat()}")
    if option_id not in {option.option_id for option in state.poll.options}:
        raise UnknownPollOptionError(f"the poll has no option {option_id!r}")
    if state.votes.get(actor.person_id) == option_id:
        return []
    return [PollVoted(person_id=actor.person_id, option_id=option_id)]


# --- a person's inbox ---------------------------------------------------------------------------


def decide_set_preferences(state: InboxState, disabled_kinds: Sequence[NotificationKind]) -> Events:
    """Choose the notification kinds one does not want; no event if the choice is unchanged."""
    kinds = frozenset(disabled_kinds)
    if kinds == state.disabled_kinds:
        return []
    return [NotificationPreferencesSet(disabled_kinds=tuple(sorted(kinds)))]


def decide_mute(
    state: InboxState, community: CommunityFacts | None, actor: Actor, community_id: str
) -> Events:
    """Mute a community one may know of; no event if it is already muted."""
    _known_community(community_id, community, actor)
    if community_id in state.muted_communities:
        return []
    return [CommunityMuted(community_id=community_id)]


def decide_unmute(state: InboxState, community_id: str) -> Events:
    """Unmute a community; no event if it is not muted."""
    if community_id not in state.muted_communities:
        return []
    return [CommunityUnmuted(community_id=community_id)]


def decide_mark_read(
    state: InboxState,
    notification_ids: Sequence[str],
    up_to: datetime | None,
    now: datetime,
) -> Events:
    """Mark the named notifications read, or every one up to a time (not beyond now)."""
    if bool(notification_ids) == (up_to is not None):
        raise InvalidReadMarkError("name either notification_ids or up_to, exactly one of them")
    if len(notification_ids) > MAX_READ_MARKS:
        raise InvalidReadMarkError(f"at most {MAX_READ_MARKS} notifications at once")
    if up_to is not None:
        return [NotificationsRead(up_to=min(up_to, now))]
    return [NotificationsRead(notification_ids=tuple(dict.fromkeys(notification_ids)))]


# --- shared rules -------------------------------------------------------------------------------


def _known_community(
    community_id: str, community: CommunityFacts | None, actor: Actor
) -> CommunityFacts:
    if (
        community is None
        or community.community_id != community_id
        or not community.can_know(actor.person_id)
    ):
        raise CommunityNotFoundError(community_id)
    return community


def _place_for(ref: PlaceRef, community: CommunityFacts | None, actor: Actor) -> Place:
    if ref.kind == "profile":
        if ref.id != actor.person_id:
            raise NotAllowedError("you can only post on your own profile")
        return Place(kind="profile", id=actor.person_id, visibility="open")
    known = _known_community(ref.id, community, actor)
    if known.archived:
        raise CommunityReadOnlyError("the community is archived: nothing can be posted in it")
    if not known.is_member(actor.person_id):
        raise NotAMemberError("join the community to post in it")
    return Place(kind="community", id=known.community_id, visibility=known.visibility)


def _check_kind(command: PublishPost, actor: Actor) -> None:
    if (command.kind == "praise") != (command.praise is not None):
        raise InvalidPostError("a praise, and only a praise, names the people it thanks")
    if (command.kind == "poll") != (command.poll is not None):
        raise InvalidPostError("a poll, and only a poll, has options")
    if command.praise is not None:
        praised = command.praise.person_ids
        if not 1 <= len(praised) <= MAX_PRAISED:
            raise InvalidPostError(f"a praise thanks 1 to {MAX_PRAISED} people")
        if actor.person_id in praised:
            raise InvalidPostError("you cannot praise yourself")
    if len(command.tags) > MAX_TAGS:
        raise InvalidPostError(f"a post has at most {MAX_TAGS} tags")
    if len(set(command.mentions)) > MAX_MENTIONS:
        raise InvalidPostError(f"a post mentions at most {MAX_MENTIONS} people")


def _poll(spec: PollSpec, now: datetime) -> Poll:
    labels = spec.labels
    if not MIN_POLL_OPTIONS <= len(labels) <= MAX_POLL_OPTIONS:
        raise InvalidPostError(
            f"a poll offers {MIN_POLL_OPTIONS} to {MAX_POLL_OPTIONS} options, not {len(labels)}"
        )
    if len(set(labels)) != len(labels):
        raise InvalidPostError("a poll's options must differ")
    if spec.closes_at <= now:
        raise InvalidPostError("a poll must close in the future")
    if spec.closes_at > now + MAX_POLL_DURATION:
        raise InvalidPostError("a poll closes within a year")
    return Poll(
        options=tuple(
            PollOption(option_id=f"o{number}", label=label)
            for number, label in enumerate(labels, start=1)
        ),
        closes_at=spec.closes_at,
        results_visibility=spec.results_visibility,
    )


def _content(text: str, mentions: Sequence[str]) -> Content:
    return Content(text=text, mentions=tuple(dict.fromkeys(mentions)), links=extract_links(text))


def _tags(tags: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tags))


def _is_restricted(source: PostState, community: CommunityFacts | None) -> bool:
    if source.place is None or source.place.kind != "community":
        return False
    return source.place.visibility != "open" or (
        community is not None and community.visibility != "open"
    )


def _require_visible(state: PostState, community: CommunityFacts | None, actor: Actor) -> None:
    if not state.exists or state.deleted or not can_read(state, community, actor.person_id):
        raise PostNotFoundError()
    if state.hidden and not (
        actor.person_id == state.author_id or is_moderator(state, community, actor)
    ):
        raise PostNotFoundError()


def _require_writable(state: PostState, community: CommunityFacts | None) -> None:
    community_post = state.place is not None and state.place.kind == "community"
    if community_post and (community is None or community.archived):
        raise CommunityReadOnlyError("the community is archived: its posts are read-only")


def _require_participation(
    state: PostState, community: CommunityFacts | None, actor: Actor
) -> None:
    _require_visible(state, community, actor)
    _require_writable(state, community)
    if state.hidden:
        raise PostHiddenError("a hidden post takes no comments, reactions, votes or reports")


def _require_moderation(state: PostState, community: CommunityFacts | None, actor: Actor) -> None:
    _require_visible(state, community, actor)
    if not is_moderator(state, community, actor):
        raise NotAllowedError(
            "only the community's managers moderate its posts"
            if state.place is not None and state.place.kind == "community"
            else "only platform administrators moderate profile posts"
        )
    _require_writable(state, community)


def _require_author(state: PostState, actor: Actor) -> None:
    if state.author_id != actor.person_id:
        raise NotAllowedError("only the post's author may do this")


def _require_comment_author(comment: CommentState, actor: Actor) -> None:
    if comment.author_id != actor.person_id:
        raise NotAllowedError("only the comment's author may do this")


def _require_answer_authority(
    state: PostState, community: CommunityFacts | None, actor: Actor
) -> None:
    _require_participation(state, community, actor)
    if state.kind != "question":
        raise NotAQuestionError("only questions have an accepted answer")
    manager = community is not None and community.manages(actor.person_id)
    if actor.person_id != state.author_id and not manager:
        raise NotAllowedError("only the asker or a community manager chooses the answer")


def _live_comment(state: PostState, comment_id: str) -> CommentState:
    comment = state.comments.get(comment_id)
    if comment is None or comment.deleted:
        raise CommentNotFoundError(comment_id)
    return comment


def _open_comment(state: PostState, comment_id: str) -> CommentState:
    comment = _live_comment(state, comment_id)
    if comment.hidden:
        raise CommentHiddenError(f"comment {comment_id!r} is hidden by a moderator")
    return comment


def _withdraw_if_accepted(state: PostState, comment_id: str, actor: Actor) -> Events:
    if state.accepted_comment_id != comment_id:
        return []
    return [AnswerUnaccepted(comment_id=comment_id, by=actor.person_id)]
