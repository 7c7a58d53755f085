"""Routes that change posts, their conversations and the caller's inbox.

Each route turns a request into one decision. Ids the server assigns (posts, comments, reports)
are drawn before deciding, and every answer is derived from what was stored, so a request
retried with its ``Idempotency-Key`` gets the first answer again.
"""

import uuid
from collections.abc import Callable, Sequence
from typing import Concatenate, ParamSpec

from fastapi import APIRouter, Response, status

from agora.eventsourcing import CommandOutcome, DomainEvent
from agora.feed.api.dependencies import (
    CommentId,
    CommunityId,
    Context,
    ExpectedVersion,
    PostId,
    Service,
    WorkItemId,
    WorkItemSystem,
    etag,
)
from agora.feed.api.examples import COMMENT_ID, PERSON_ID, REPORT_ID
from agora.feed.api.openapi import (
    COMMAND_PROBLEMS,
    COMMENT_HIDDEN,
    COMMENT_NOT_FOUND,
    COMMUNITY_NOT_FOUND,
    ETAG_HEADER,
    IDEMPOTENCY_KEY_REUSED,
    INVALID_COMMENT,
    INVALID_POST,
    INVALID_READ_MARK,
    NOT_A_MEMBER,
    NOT_A_POLL,
    NOT_A_QUESTION,
    NOT_ASKER,
    NOT_AUTHOR,
    NOT_COMMENT_AUTHOR,
    NOT_MODERATOR,
    OTHER_PROFILE,
    PARTICIPATION_PROBLEMS,
    POLL_CLOSED,
    POST_HIDDEN,
    POST_NOT_FOUND,
    READ_ONLY,
    SHARE_RESTRICTED,
    STALE_VERSION,
    THREAD_DELETED,
    UNKNOWN_POLL_OPTION,
    VALIDATION_FAILED,
    command_success,
    created_success,
    merge,
    problems,
)
from agora.feed.api.schemas import (
    AnswerChoice,
    CommandResult,
    CommentEdit,
    Created,
    Moderation,
    NewComment,
    NewPost,
    NewReport,
    NewShare,
    NotificationPreferences,
    PostEdit,
    PostPlace,
    ReactionChoice,
    ReadMark,
    VoteChoice,
    WorkItemThread,
)
from agora.feed.domain import decisions
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
from agora.feed.domain.events import (
    CommentAdded,
    PostPublished,
    PostReported,
    Praise,
    WorkItem,
    registry,
)
from agora.feed.domain.state import InboxState, PostState
from agora.feed.facts import CommunityFacts
from agora.feed.service import CommandContext, FeedService, PostDecision

router = APIRouter(tags=["feed commands"])

UNCHANGED = "unchanged"
P = ParamSpec("P")


# --- posts --------------------------------------------------------------------------------------


@router.post(
    "/posts",
    status_code=status.HTTP_201_CREATED,
    summary="Publish a post",
    responses=merge(
        created_success("The post was published", headers=ETAG_HEADER),
        problems(
            VALIDATION_FAILED,
            IDEMPOTENCY_KEY_REUSED,
            COMMUNITY_NOT_FOUND,
            NOT_A_MEMBER,
            OTHER_PROFILE,
            READ_ONLY,
            INVALID_POST,
        ),
    ),
)
async def publish_post(
    *, body: NewPost, service: Service, context: Context, response: Response
) -> Created:
    """Publish a post, question, praise or poll in a community (members) or on one's profile.

    Links are found in the text, tags are normalised, mentions merged; poll options get the ids
    ``o1``, ``o2``... in the order given.
    """
    command = publish_command(body, context.actor, uuid.uuid4().hex)
    outcome = await service.publish(command=command, context=context)
    return created_post(outcome, response)


@router.put(
    "/communities/{community_id}/work-items/{system}/{item_id:path}",
    status_code=status.HTTP_201_CREATED,
    summary="Find or open a work item's conversation",
    responses=merge(
        created_success(
            "The conversation was opened",
            existing="The conversation already existed: it is answered unchanged",
            headers=ETAG_HEADER,
        ),
        problems(
            VALIDATION_FAILED,
            IDEMPOTENCY_KEY_REUSED,
            COMMUNITY_NOT_FOUND,
            POST_NOT_FOUND,
            NOT_A_MEMBER,
            READ_ONLY,
            THREAD_DELETED,
        ),
    ),
)
async def open_work_item_thread(
    *,
    community_id: CommunityId,
    system: WorkItemSystem,
    item_id: WorkItemId,
    body: WorkItemThread,
    service: Service,
    context: Context,
    response: Response,
) -> Created:
    """Find THE conversation about a work item in a community, or open it with this post.

    Every caller naming the same community, tool and item gets the same post: 201 when this
    request opened it, 200 when it already existed (the body is then ignored).
    """
    post_id = decisions.work_item_post_id(community_id, system, item_id)
    command = OpenWorkItemThread(
        post_id=post_id,
        community_id=community_id,
        work_item=WorkItem(system=system, item_id=item_id, url=body.url, title=body.title),
        text=body.text,
        tags=tuple(body.tags),
    )
    outcome = await service.open_work_item_thread(command=command, context=context)
    if not outcome.events:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/posts/{post_id}"
    response.headers["ETag"] = etag(outcome.version)
    return Created(id=post_id, post_id=post_id, version=outcome.version)


@router.post(
    "/posts/{post_id}/shares",
    status_code=status.HTTP_201_CREATED,
    summary="Share a post",
    responses=merge(
        created_success("The share was published as a new post", headers=ETAG_HEADER),
        problems(
            *COMMAND_PROBLEMS,
            COMMUNITY_NOT_FOUND,
            SHARE_RESTRICTED,
            NOT_A_MEMBER,
            OTHER_PROFILE,
            READ_ONLY,
            POST_HIDDEN,
        ),
    ),
)
async def share_post(
    *, post_id: PostId, body: NewShare, service: Service, context: Context, response: Response
) -> Created:
    """Share a post the caller can read into a community or onto their profile.

    A post of a closed or secret community can be shared only inside that same community.
    """
    command = SharePost(
        post_id=uuid.uuid4().hex, place=place_of(body.place, context.actor), text=body.text
    )
    outcome = await service.share(source_post_id=post_id, command=command, context=context)
    return created_post(outcome, response)


@router.patch(
    "/posts/{post_id}",
    summary="Edit a post",
    responses=merge(
        command_success("post_edited", "The post was changed", unchanged=True, headers=ETAG_HEADER),
        problems(*COMMAND_PROBLEMS, NOT_AUTHOR, READ_ONLY, STALE_VERSION),
    ),
)
async def edit_post(
    *,
    post_id: PostId,
    body: PostEdit,
    service: Service,
    context: Context,
    expected_version: ExpectedVersion,
    response: Response,
) -> CommandResult:
    """Change the text (and tags or mentions) of one's own post; If-Match guards lost updates."""
    command = EditPost(
        text=body.text,
        tags=tuple(body.tags) if body.tags is not None else None,
        mentions=tuple(body.mentions) if body.mentions is not None else None,
    )
    outcome = await _on_post(
        service,
        context,
        post_id,
        lambda state, community, _: decisions.decide_edit_post(
            state, community, context.actor, command
        ),
        expected_version=expected_version,
    )
    response.headers["ETag"] = etag(outcome.version)
    return _result(post_id, outcome)


@router.delete(
    "/posts/{post_id}",
    summary="Delete a post",
    responses=merge(
        command_success("post_deleted", "The post was deleted"),
        problems(*COMMAND_PROBLEMS, NOT_AUTHOR, READ_ONLY),
    ),
)
async def delete_post(*, post_id: PostId, service: Service, context: Context) -> CommandResult:
    """Delete one's own post: it leaves every timeline, and later commands on it are 404."""
    return await _decide_on_post(service, context, post_id, decisions.decide_delete_post)


@router.post(
    "/posts/{post_id}:hide",
    summary="Hide a post",
    responses=merge(
        command_success("post_hidden", "The post is hidden", unchanged=True),
        problems(*COMMAND_PROBLEMS, NOT_MODERATOR, READ_ONLY),
    ),
)
async def hide_post(
    *, post_id: PostId, body: Moderation, service: Service, context: Context
) -> CommandResult:
    """Hide a post from its readers, with a reason for its author (the community's managers;
    platform administrators for profile posts)."""
    return await _decide_on_post(service, context, post_id, decisions.decide_hide_post, body.reason)


@router.post(
    "/posts/{post_id}:restore",
    summary="Restore a hidden post",
    responses=merge(
        command_success("post_restored", "The post is visible again", unchanged=True),
        problems(*COMMAND_PROBLEMS, NOT_MODERATOR, READ_ONLY),
    ),
)
async def restore_post(*, post_id: PostId, service: Service, context: Context) -> CommandResult:
    """Make a hidden post visible again (its moderators)."""
    return await _decide_on_post(service, context, post_id, decisions.decide_restore_post)


@router.post(
    "/posts/{post_id}/reports",
    status_code=status.HTTP_201_CREATED,
    summary="Report a post",
    responses=merge(
        created_success(
            "The report reached the moderators",
            created_id=REPORT_ID,
            version=6,
            existing="The caller had already reported it: the first report is answered",
        ),
        problems(*PARTICIPATION_PROBLEMS),
    ),
)
async def report_post(
    *, post_id: PostId, body: NewReport, service: Service, context: Context, response: Response
) -> Created:
    """Report a post to its moderators; reporting it again answers the first report (200)."""
    return await _report(
        service=service,
        context=context,
        response=response,
        post_id=post_id,
        comment_id=None,
        reason=body.reason,
    )


@router.put(
    "/posts/{post_id}/subscription",
    summary="Follow a post's conversation",
    responses=merge(
        command_success("post_subscribed", "The caller follows the post", unchanged=True),
        problems(*PARTICIPATION_PROBLEMS),
    ),
)
async def subscribe(*, post_id: PostId, service: Service, context: Context) -> CommandResult:
    """Be notified of new comments on the post (authors and commenters are by default)."""
    return await _decide_on_post(service, context, post_id, decisions.decide_subscribe)


@router.delete(
    "/posts/{post_id}/subscription",
    summary="Stop following a post's conversation",
    responses=merge(
        command_success("post_unsubscribed", "The caller no longer follows it", unchanged=True),
        problems(*PARTICIPATION_PROBLEMS),
    ),
)
async def unsubscribe(*, post_id: PostId, service: Service, context: Context) -> CommandResult:
    """Stop notifications about the post, even as its author or a commenter."""
    return await _decide_on_post(service, context, post_id, decisions.decide_unsubscribe)


# --- comments -----------------------------------------------------------------------------------


@router.post(
    "/posts/{post_id}/comments",
    status_code=status.HTTP_201_CREATED,
    summary="Comment on a post",
    responses=merge(
        created_success("The comment was added", created_id=COMMENT_ID, version=5),
        problems(*PARTICIPATION_PROBLEMS, COMMENT_NOT_FOUND, COMMENT_HIDDEN, INVALID_COMMENT),
    ),
)
async def add_comment(
    *, post_id: PostId, body: NewComment, service: Service, context: Context, response: Response
) -> Created:
    """Comment on a post the caller can read, or reply to one of its top-level comments."""
    command = AddComment(
        comment_id=uuid.uuid4().hex,
        text=body.text,
        mentions=tuple(body.mentions),
        parent_comment_id=body.parent_comment_id,
    )
    outcome = await _on_post(
        service,
        context,
        post_id,
        lambda state, community, _: decisions.decide_add_comment(
            state, community, context.actor, command
        ),
    )
    added = [e for e in payloads(outcome) if isinstance(e, CommentAdded)]
    comment_id = added[0].comment_id if added else command.comment_id
    response.headers["Location"] = f"/posts/{post_id}/comments/{comment_id}"
    return Created(id=comment_id, post_id=post_id, version=outcome.version)


@router.patch(
    "/posts/{post_id}/comments/{comment_id}",
    summary="Edit a comment",
    responses=merge(
        command_success("comment_edited", "The comment was changed", unchanged=True),
        problems(*PARTICIPATION_PROBLEMS, COMMENT_NOT_FOUND, NOT_COMMENT_AUTHOR),
    ),
)
async def edit_comment(
    *,
    post_id: PostId,
    comment_id: CommentId,
    body: CommentEdit,
    service: Service,
    context: Context,
) -> CommandResult:
    """Change one's own comment."""
    command = EditComment(
        comment_id=comment_id,
        text=body.text,
        mentions=tuple(body.mentions) if body.mentions is not None else None,
    )
    return await _decide_on_post(service, context, post_id, decisions.decide_edit_comment, command)


@router.delete(
    "/posts/{post_id}/comments/{comment_id}",
    summary="Delete a comment",
    responses=merge(
        command_success("comment_deleted", "The comment was deleted"),
        problems(*PARTICIPATION_PROBLEMS, COMMENT_NOT_FOUND, NOT_COMMENT_AUTHOR),
    ),
)
async def delete_comment(
    *, post_id: PostId, comment_id: CommentId, service: Service, context: Context
) -> CommandResult:
    """Delete one's own comment; if it was the accepted answer, the question is open again."""
    return await _decide_on_post(
        service, context, post_id, decisions.decide_delete_comment, comment_id
    )


@router.post(
    "/posts/{post_id}/comments/{comment_id}:hide",
    summary="Hide a comment",
    responses=merge(
        command_success("comment_hidden", "The comment is hidden", unchanged=True),
        problems(*COMMAND_PROBLEMS, COMMENT_NOT_FOUND, NOT_MODERATOR, READ_ONLY),
    ),
)
async def hide_comment(
    *,
    post_id: PostId,
    comment_id: CommentId,
    body: Moderation,
    service: Service,
    context: Context,
) -> CommandResult:
    """Hide a comment, with a reason for its author (the post's moderators); an accepted
    answer that is hidden stops being the answer."""
    return await _decide_on_post(
        service, context, post_id, decisions.decide_hide_comment, comment_id, body.reason
    )


@router.post(
    "/posts/{post_id}/comments/{comment_id}:restore",
    summary="Restore a hidden comment",
    responses=merge(
        command_success("comment_restored", "The comment is visible again", unchanged=True),
        problems(*COMMAND_PROBLEMS, COMMENT_NOT_FOUND, NOT_MODERATOR, READ_ONLY),
    ),
)
async def restore_comment(
    *, post_id: PostId, comment_id: CommentId, service: Service, context: Context
) -> CommandResult:
    """Make a hidden comment visible again (the post's moderators)."""
    return await _decide_on_post(
        service, context, post_id, decisions.decide_restore_comment, comment_id
    )


@router.post(
    "/posts/{post_id}/comments/{comment_id}/reports",
    status_code=status.HTTP_201_CREATED,
    summary="Report a comment",
    responses=merge(
        created_success(
            "The report reached the moderators",
            created_id=REPORT_ID,
            version=6,
            existing="The caller had already reported it: the first report is answered",
        ),
        problems(*PARTICIPATION_PROBLEMS, COMMENT_NOT_FOUND, COMMENT_HIDDEN),
    ),
)
async def report_comment(
    *,
    post_id: PostId,
    comment_id: CommentId,
    body: NewReport,
    service: Service,
    context: Context,
    response: Response,
) -> Created:
    """Report a comment to the post's moderators; reporting it again answers the first report."""
    return await _report(
        service=service,
        context=context,
        response=response,
        post_id=post_id,
        comment_id=comment_id,
        reason=body.reason,
    )


# --- reactions, answers, votes ------------------------------------------------------------------


@router.put(
    "/posts/{post_id}/reactions/me",
    summary="React to a post",
    responses=merge(
        command_success("reaction_set", "The caller's reaction is set", unchanged=True),
        problems(*PARTICIPATION_PROBLEMS),
    ),
)
async def react_to_post(
    *, post_id: PostId, body: ReactionChoice, service: Service, context: Context
) -> CommandResult:
    """Set or change the caller's reaction to the post."""
    return await _decide_on_post(
        service, context, post_id, decisions.decide_set_reaction, body.reaction
    )


@router.delete(
    "/posts/{post_id}/reactions/me",
    summary="Remove one's reaction to a post",
    responses=merge(
        command_success("reaction_removed", "The caller's reaction is gone", unchanged=True),
        problems(*PARTICIPATION_PROBLEMS),
    ),
)
async def unreact_to_post(*, post_id: PostId, service: Service, context: Context) -> CommandResult:
    """Take back the caller's reaction to the post."""
    return await _decide_on_post(service, context, post_id, decisions.decide_remove_reaction)


@router.put(
    "/posts/{post_id}/comments/{comment_id}/reactions/me",
    summary="React to a comment",
    responses=merge(
        command_success("reaction_set", "The caller's reaction is set", unchanged=True),
        problems(*PARTICIPATION_PROBLEMS, COMMENT_NOT_FOUND, COMMENT_HIDDEN),
    ),
)
async def react_to_comment(
    *,
    post_id: PostId,
    comment_id: CommentId,
    body: ReactionChoice,
    service: Service,
    context: Context,
) -> CommandResult:
    """Set or change the caller's reaction to a comment."""
    return await _decide_on_post(
        service, context, post_id, decisions.decide_set_reaction, body.reaction, comment_id
    )


@router.delete(
    "/posts/{post_id}/comments/{comment_id}/reactions/me",
    summary="Remove one's reaction to a comment",
    responses=merge(
        command_success("reaction_removed", "The caller's reaction is gone", unchanged=True),
        problems(*PARTICIPATION_PROBLEMS, COMMENT_NOT_FOUND),
    ),
)
async def unreact_to_comment(
    *, post_id: PostId, comment_id: CommentId, service: Service, context: Context
) -> CommandResult:
    """Take back the caller's reaction to a comment."""
    return await _decide_on_post(
        service, context, post_id, decisions.decide_remove_reaction, comment_id
    )


@router.put(
    "/posts/{post_id}/accepted-answer",
    summary="Accept an answer",
    responses=merge(
        command_success("answer_accepted", "The comment is the accepted answer", unchanged=True),
        problems(
            *PARTICIPATION_PROBLEMS, NOT_A_QUESTION, NOT_ASKER, COMMENT_NOT_FOUND, COMMENT_HIDDEN
        ),
    ),
)
async def accept_answer(
    *, post_id: PostId, body: AnswerChoice, service: Service, context: Context
) -> CommandResult:
    """Accept a comment as the question's answer (the asker or a community manager); accepting
    another comment replaces it."""
    return await _decide_on_post(
        service, context, post_id, decisions.decide_accept_answer, body.comment_id
    )


@router.delete(
    "/posts/{post_id}/accepted-answer",
    summary="Withdraw the accepted answer",
    responses=merge(
        command_success("answer_unaccepted", "The question is unanswered again", unchanged=True),
        problems(*PARTICIPATION_PROBLEMS, NOT_A_QUESTION, NOT_ASKER),
    ),
)
async def unaccept_answer(*, post_id: PostId, service: Service, context: Context) -> CommandResult:
    """Withdraw the accepted answer (the asker or a community manager)."""
    return await _decide_on_post(service, context, post_id, decisions.decide_unaccept_answer)


@router.put(
    "/posts/{post_id}/votes/me",
    summary="Vote in a poll",
    responses=merge(
        command_success("poll_voted", "The caller's vote is counted", unchanged=True),
        problems(*PARTICIPATION_PROBLEMS, NOT_A_POLL, POLL_CLOSED, UNKNOWN_POLL_OPTION),
    ),
)
async def vote(
    *, post_id: PostId, body: VoteChoice, service: Service, context: Context
) -> CommandResult:
    """Vote for an option of an open poll, or change one's vote until it closes."""
    outcome = await _on_post(
        service,
        context,
        post_id,
        lambda state, community, now: decisions.decide_vote(
            state, community, context.actor, body.option_id, now
        ),
    )
    return _result(post_id, outcome)


# --- the caller's inbox -------------------------------------------------------------------------


@router.put(
    "/me/notification-preferences",
    summary="Choose which notifications to receive",
    responses=merge(
        command_success(
            "notification_preferences_set",
            "The preferences are saved",
            subject=PERSON_ID,
            unchanged=True,
        ),
        problems(VALIDATION_FAILED, IDEMPOTENCY_KEY_REUSED),
    ),
)
async def set_notification_preferences(
    *, body: NotificationPreferences, service: Service, context: Context
) -> CommandResult:
    """Turn off the named notification kinds; every kind not named stays on."""
    outcome = await service.on_inbox(
        decide=lambda state, _: decisions.decide_set_preferences(state, body.disabled_kinds),
        context=context,
    )
    return _result(context.actor.person_id, outcome)


@router.put(
    "/me/muted-communities/{community_id}",
    summary="Mute a community",
    responses=merge(
        command_success(
            "community_muted", "The community is muted", subject=PERSON_ID, unchanged=True
        ),
        problems(VALIDATION_FAILED, IDEMPOTENCY_KEY_REUSED, COMMUNITY_NOT_FOUND),
    ),
)
async def mute_community(
    *, community_id: CommunityId, service: Service, context: Context
) -> CommandResult:
    """Stop notifications about a community's content."""
    community = await service.facts.community(community_id)
    outcome = await service.on_inbox(
        decide=lambda state, _: decisions.decide_mute(
            state, community, context.actor, community_id
        ),
        context=context,
    )
    return _result(context.actor.person_id, outcome)


@router.delete(
    "/me/muted-communities/{community_id}",
    summary="Unmute a community",
    responses=merge(
        command_success(
            "community_unmuted",
            "The community is no longer muted",
            subject=PERSON_ID,
            unchanged=True,
        ),
        problems(VALIDATION_FAILED, IDEMPOTENCY_KEY_REUSED),
    ),
)
async def unmute_community(
    *, community_id: CommunityId, service: Service, context: Context
) -> CommandResult:
    """Receive notifications about a community's content again."""
    outcome = await service.on_inbox(
        decide=lambda state, _: decisions.decide_unmute(state, community_id), context=context
    )
    return _result(context.actor.person_id, outcome)


@router.post(
    "/me/notifications/read",
    summary="Mark notifications read",
    responses=merge(
        command_success("notifications_read", "The notifications are read", subject=PERSON_ID),
        problems(VALIDATION_FAILED, IDEMPOTENCY_KEY_REUSED, INVALID_READ_MARK),
    ),
)
async def mark_notifications_read(
    *, body: ReadMark, service: Service, context: Context
) -> CommandResult:
    """Mark the listed notifications read, or every notification up to a time (at most now)."""
    outcome = await service.on_inbox(
        decide=lambda state, now: decisions.decide_mark_read(
            state, body.notification_ids, body.up_to, now
        ),
        context=context,
    )
    return _result(context.actor.person_id, outcome)


# --- helpers ------------------------------------------------------------------------------------


def publish_command(body: NewPost, author: Actor, post_id: str) -> PublishPost:
    """The command publishing ``body`` as ``author``'s post ``post_id``."""
    return PublishPost(
        post_id=post_id,
        place=place_of(body.place, author),
        kind=body.kind,
        text=body.text,
        tags=tuple(body.tags),
        mentions=tuple(body.mentions),
        work_item=(
            WorkItem(
                system=body.work_item.system,
                item_id=body.work_item.item_id,
                url=body.work_item.url,
                title=body.work_item.title,
            )
            if body.work_item
            else None
        ),
        praise=(
            Praise(person_ids=tuple(dict.fromkeys(body.praise.person_ids)), skill=body.praise.skill)
            if body.praise
            else None
        ),
        poll=(
            PollSpec(
                labels=tuple(body.poll.options),
                closes_at=body.poll.closes_at,
                results_visibility=body.poll.results_visibility,
            )
            if body.poll
            else None
        ),
    )


def place_of(place: PostPlace, actor: Actor) -> PlaceRef:
    if place.kind == "profile":
        return PlaceRef(kind="profile", id=place.id or actor.person_id)
    return PlaceRef(kind="community", id=place.id or "")


async def _decide_on_post(
    service: FeedService,
    context: CommandContext,
    post_id: str,
    decision: Callable[
        Concatenate[PostState, CommunityFacts | None, Actor, P], Sequence[DomainEvent]
    ],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> CommandResult:
    """Run ``decision`` (given ``args``) on the post as the caller, and answer what it stored."""
    outcome = await _on_post(
        service,
        context,
        post_id,
        lambda state, community, _: decision(state, community, context.actor, *args, **kwargs),
    )
    return _result(post_id, outcome)


async def _on_post(
    service: FeedService,
    context: CommandContext,
    post_id: str,
    decide: PostDecision,
    *,
    expected_version: int | None = None,
) -> CommandOutcome[PostState]:
    return await service.on_post(
        post_id=post_id, decide=decide, context=context, expected_version=expected_version
    )


async def _report(
    *,
    service: FeedService,
    context: CommandContext,
    response: Response,
    post_id: str,
    comment_id: str | None,
    reason: str,
) -> Created:
    command = Report(report_id=uuid.uuid4().hex, reason=reason, comment_id=comment_id)
    outcome = await _on_post(
        service,
        context,
        post_id,
        lambda state, community, _: decisions.decide_report(
            state, community, context.actor, command
        ),
    )
    reported = [e for e in payloads(outcome) if isinstance(e, PostReported)]
    if reported:
        report_id = reported[0].report_id
    else:
        response.status_code = status.HTTP_200_OK
        report_id = outcome.state.report_of(context.actor.person_id, comment_id) or ""
    response.headers["Location"] = f"/posts/{post_id}/reports/{report_id}"
    return Created(id=report_id, post_id=post_id, version=outcome.version)


def payloads(outcome: CommandOutcome[PostState]) -> list[object]:
    return [envelope.payload(registry) for envelope in outcome.events]


def created_post(outcome: CommandOutcome[PostState], response: Response) -> Created:
    published = [e for e in payloads(outcome) if isinstance(e, PostPublished)]
    post_id = published[0].post_id
    response.headers["Location"] = f"/posts/{post_id}"
    response.headers["ETag"] = etag(outcome.version)
    return Created(id=post_id, post_id=post_id, version=outcome.version)


def _result(
    subject: str, outcome: CommandOutcome[PostState] | CommandOutcome[InboxState]
) -> CommandResult:
    """The answer to a command, derived only from what it stored (so retries get the same)."""
    name = outcome.events[-1].type.rsplit(".", 1)[-1] if outcome.events else UNCHANGED
    return CommandResult(id=subject, version=outcome.version, outcome=name)
