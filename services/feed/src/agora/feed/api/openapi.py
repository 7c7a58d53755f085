"""The feed's problems and examples in the OpenAPI document.

Every refusal is sent as ``application/problem+json`` (RFC 9457); routes list the problems they
can answer with ``responses=problems(...)`` instead of repeating the same dictionaries. The
generic pieces are ``agora.servicekit.openapi``'s.
"""

from collections.abc import Mapping
from types import ModuleType

from fastapi import FastAPI

from agora.feed.api import examples
from agora.feed.api import schemas as api_schemas
from agora.feed.api.problems import problem_type_uri
from agora.feed.domain import errors
from agora.feed.service import StaleVersionError
from agora.servicekit import openapi
from agora.servicekit.openapi import (
    OpenApiResponses,
    etag_header,
    idempotency_key_reused,
    problem_responses,
    success,
    validation_failed,
)
from agora.servicekit.openapi import complete_openapi as complete_service_openapi

# The generic pieces the feed's routes have always imported from here.
Problem = openapi.Problem
merge = openapi.merge

_STATUS_DESCRIPTIONS = {
    403: "The caller may not do this (not the author, not a moderator, not a member)",
    404: "No such post, comment or community (nor one the caller may not read)",
    409: "The post's or community's current state does not allow this",
    412: "`If-Match` names a version of the post that is no longer current",
}


def feed_problem(
    error: type[errors.FeedError], detail: str, summary: str, *, name: str | None = None
) -> Problem:
    """The documentation of one feed error, with an example detail."""
    return Problem(
        name=name or error.slug,
        status=error.status,
        type_uri=problem_type_uri(error),
        title=error.title,
        detail=detail,
        summary=summary,
    )


VALIDATION_FAILED = validation_failed("text")
IDEMPOTENCY_KEY_REUSED = idempotency_key_reused(examples.IDEMPOTENCY_KEY)
POST_NOT_FOUND = feed_problem(
    errors.PostNotFoundError, "the post does not exist", "Unknown, deleted or unreadable post"
)
COMMENT_NOT_FOUND = feed_problem(
    errors.CommentNotFoundError,
    f"comment {examples.COMMENT_ID!r} does not exist on this post",
    "Unknown or deleted comment",
)
COMMUNITY_NOT_FOUND = feed_problem(
    errors.CommunityNotFoundError,
    f"community {examples.COMMUNITY_ID!r} does not exist",
    "Unknown (or secret) community",
)
NOT_AUTHOR = feed_problem(
    errors.NotAllowedError, "only the post's author may do this", "Not the post's author"
)
NOT_COMMENT_AUTHOR = feed_problem(
    errors.NotAllowedError,
    "only the comment's author may do this",
    "Not the comment's author",
    name="not-comment-author",
)
NOT_MODERATOR = feed_problem(
    errors.NotAllowedError,
    "only the community's managers moderate its posts",
    "Not a moderator",
    name="not-moderator",
)
NOT_ASKER = feed_problem(
    errors.NotAllowedError,
    "only the asker or a community manager chooses the answer",
    "Neither the asker nor a manager",
    name="not-asker",
)
OTHER_PROFILE = feed_problem(
    errors.NotAllowedError,
    "you can only post on your own profile",
    "Someone else's profile",
    name="other-profile",
)
NOT_A_MEMBER = feed_problem(
    errors.NotAMemberError, "join the community to post in it", "The caller is not a member"
)
SHARE_RESTRICTED = feed_problem(
    errors.ShareRestrictedError,
    "a post of a closed or secret community can only be shared inside that community",
    "The post cannot leave its community",
)
READ_ONLY = feed_problem(
    errors.CommunityReadOnlyError,
    "the community is archived: its posts are read-only",
    "The community is archived",
)
POST_HIDDEN = feed_problem(
    errors.PostHiddenError,
    "a hidden post takes no comments, reactions, votes or reports",
    "The post is hidden",
)
COMMENT_HIDDEN = feed_problem(
    errors.CommentHiddenError,
    f"comment {examples.COMMENT_ID!r} is hidden by a moderator",
    "The comment is hidden",
)
NOT_A_QUESTION = feed_problem(
    errors.NotAQuestionError, "only questions have an accepted answer", "Not a question"
)
NOT_A_POLL = feed_problem(errors.NotAPollError, "only polls take votes", "Not a poll")
POLL_CLOSED = feed_problem(
    errors.PollClosedError, "the poll closed at 2026-12-15T17:00:00+00:00", "The poll is closed"
)
THREAD_DELETED = feed_problem(
    errors.ThreadDeletedError,
    "the conversation about this work item was deleted",
    "The work item's conversation was deleted",
)
INVALID_POST = feed_problem(
    errors.InvalidPostError, "a poll must close in the future", "A rule of the post is broken"
)
INVALID_COMMENT = feed_problem(
    errors.InvalidCommentError,
    "replies are one level deep: reply to the top-level comment instead",
    "A reply to a reply",
)
UNKNOWN_POLL_OPTION = feed_problem(
    errors.UnknownPollOptionError, "the poll has no option 'o7'", "No such option"
)
INVALID_READ_MARK = feed_problem(
    errors.InvalidReadMarkError,
    "name either notification_ids or up_to, exactly one of them",
    "Both or neither of ids and time",
)
STALE_VERSION = Problem(
    name=StaleVersionError.slug,
    status=StaleVersionError.status,
    type_uri=problem_type_uri(StaleVersionError),
    title=StaleVersionError.title,
    detail=f"stream 'post-{examples.POST_ID}' is at version 5, the command expected version 4",
    summary="The post changed since it was read",
)

COMMAND_PROBLEMS = (VALIDATION_FAILED, IDEMPOTENCY_KEY_REUSED, POST_NOT_FOUND)
"""What every command on an existing post can answer: bad input, reused key, not found."""
PARTICIPATION_PROBLEMS = (*COMMAND_PROBLEMS, READ_ONLY, POST_HIDDEN)
"""What taking part in a conversation can answer besides: an archived community, a hidden post."""


def problems(*documented: Problem) -> OpenApiResponses:
    """The ``responses`` of a route answering ``documented`` problems (401 is always added)."""
    return problem_responses(*documented, descriptions=_STATUS_DESCRIPTIONS)


ETAG_HEADER = etag_header("post")
LOCATION_HEADER = {"Location": "The URL of what was created, e.g. `/posts/9c1d7e2a…`"}


def command_success(
    outcome: str,
    summary: str,
    *,
    subject: str = examples.POST_ID,
    version: int = 4,
    unchanged: bool = False,
    headers: Mapping[str, str] | None = None,
) -> OpenApiResponses:
    """The 200 response of a command answering a ``CommandResult`` with ``outcome``.

    ``unchanged`` documents a second example: the request asked for what already was.
    """
    shown = {outcome: (summary, {"id": subject, "version": version, "outcome": outcome})}
    if unchanged:
        shown["unchanged"] = (
            "Nothing to change: no event was stored",
            {"id": subject, "version": version, "outcome": "unchanged"},
        )
    return success(200, summary, shown, headers=headers)


def created_success(
    summary: str,
    *,
    created_id: str = examples.POST_ID,
    version: int = 1,
    existing: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> OpenApiResponses:
    """The 201 response of a creation answering ``Created`` (and a 200 for ``existing``)."""
    value = {"id": created_id, "post_id": examples.POST_ID, "version": version}
    shown = {
        **LOCATION_HEADER,
        **(headers or {}),
    }
    responses = success(201, summary, {"created": (summary, value)}, headers=shown)
    if existing is not None:
        also = success(200, existing, {"existing": (existing, value)}, headers=shown)
        also[200]["model"] = api_schemas.Created  # a second status needs its body named
        responses.update(also)
    return responses


def complete_openapi(app: FastAPI, *schema_modules: ModuleType) -> None:
    """Complete ``app``'s document: the ``ProblemDetails`` schema and examples with nulls.

    ``schema_modules`` name the modules of bodies besides the commands' (e.g. the reads').
    """
    complete_service_openapi(app, api_schemas, *schema_modules)
