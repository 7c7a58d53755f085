"""The communities' problems and examples in the OpenAPI document.

Every refusal is sent as ``application/problem+json`` (RFC 9457); routes list the problems they
can answer with ``responses=problems(...)`` instead of repeating the same dictionaries. The
generic pieces are ``agora.servicekit.openapi``'s.
"""

from collections.abc import Mapping

from fastapi import FastAPI

from agora.communities.api import schemas as api_schemas
from agora.communities.domain import errors
from agora.communities.service import StaleVersionError
from agora.servicekit import PROBLEM_TYPE_BASE
from agora.servicekit.commands import IDEMPOTENCY_KEY_EXAMPLE
from agora.servicekit.openapi import (
    OpenApiResponses,
    Problem,
    etag_header,
    idempotency_key_reused,
    problem_responses,
    success,
    validation_failed,
)
from agora.servicekit.openapi import complete_openapi as complete_service_openapi

EXAMPLE_COMMUNITY_ID = "3f2b8c1e9d4a4f6b8e7c5a1d2b3c4e5f"

_STATUS_DESCRIPTIONS = {
    403: "The caller may not do this here (their role is too low, or they are blocked)",
    404: "No such community (nor a secret one the caller is not in), membership or request",
    409: "The community's current state does not allow this",
    412: "`If-Match` names a version of the community that is no longer current",
}


def _community_problem(
    error: type[errors.CommunityError], detail: str, summary: str, *, name: str | None = None
) -> Problem:
    return Problem(
        name=name or error.slug,
        status=error.status,
        type_uri=f"{PROBLEM_TYPE_BASE}communities/{error.slug}",
        title=error.title,
        detail=detail,
        summary=summary,
    )


VALIDATION_FAILED = validation_failed("name")
IDEMPOTENCY_KEY_REUSED = idempotency_key_reused(IDEMPOTENCY_KEY_EXAMPLE)
COMMUNITY_NOT_FOUND = _community_problem(
    errors.CommunityNotFoundError,
    f"community {EXAMPLE_COMMUNITY_ID!r} does not exist",
    "Unknown (or secret) community",
)
MEMBERSHIP_NOT_FOUND = _community_problem(
    errors.MembershipNotFoundError,
    "you are not a member of this community",
    "The caller has no such membership",
)
REQUEST_NOT_FOUND = _community_problem(
    errors.MembershipNotFoundError,
    "you have not asked to join this community",
    "The caller never asked to join",
    name="no-join-request",
)
NOT_ALLOWED = _community_problem(
    errors.NotAllowedError,
    "only the community's managers and owners may do this",
    "The caller's role is too low",
)
OWNERS_ONLY = _community_problem(
    errors.NotAllowedError,
    "only the community's owners may do this",
    "Owners only",
    name="owners-only",
)
PERSON_BLOCKED = _community_problem(
    errors.PersonBlockedError, "you were blocked from this community", "The caller is blocked"
)
INVALID_COMMUNITY = _community_problem(
    errors.InvalidCommunityError,
    "a project community needs an end date in the future",
    "A project without a future end date",
)
NO_CHANGE = _community_problem(
    errors.NoChangeError, "the community already has these details", "Nothing would change"
)
ARCHIVED = _community_problem(
    errors.CommunityArchivedError, "unarchive the community first", "The community is archived"
)
ENDED = _community_problem(
    errors.CommunityEndedError,
    "the project ended on 2026-06-30; it takes no new members",
    "The project community has ended",
)
MEMBERSHIP_CONFLICT = _community_problem(
    errors.MembershipConflictError, "you are already a member", "Already a member"
)
NOT_A_MEMBER = _community_problem(
    errors.MembershipConflictError, "'bob' is not a member", "Not a member", name="not-a-member"
)
CALLER_NOT_MEMBER = _community_problem(
    errors.MembershipConflictError,
    "you are not a member of this community",
    "The caller is not a member",
    name="caller-not-member",
)
ALREADY_BLOCKED = _community_problem(
    errors.MembershipConflictError,
    "'bob' is already blocked",
    "Already blocked",
    name="already-blocked",
)
ALREADY_INVITED = _community_problem(
    errors.MembershipConflictError,
    "'chloe.martin' is already invited",
    "Already invited",
    name="already-invited",
)
NOT_CURRENT_CHARTER = _community_problem(
    errors.MembershipConflictError,
    "version 1 is not the current charter version (2)",
    "Not the current charter version",
    name="not-current-charter",
)
LAST_OWNER = _community_problem(
    errors.LastOwnerError, "promote another owner first", "The last owner"
)
REQUEST_NOT_PENDING = _community_problem(
    errors.RequestNotPendingError,
    "the join request of 'chloe.martin' was already approved",
    "The request was already decided",
)
INVITATION_NOT_PENDING = _community_problem(
    errors.InvitationNotPendingError,
    "you have no pending invitation to this community",
    "No pending invitation",
)
CHARTER_REQUIRED = _community_problem(
    errors.CharterAcceptanceRequiredError,
    "accept charter version 2 (accept_charter_version in the request body)",
    "The current charter must be accepted",
)
STALE_VERSION = _community_problem(
    StaleVersionError,
    f"stream 'community-{EXAMPLE_COMMUNITY_ID}' is at version 5, the command expected version 4",
    "The community changed since it was read",
)


def problems(*documented: Problem) -> OpenApiResponses:
    """The ``responses`` of a route answering ``documented`` problems (401 is always added)."""
    return problem_responses(*documented, descriptions=_STATUS_DESCRIPTIONS)


COMMAND_PROBLEMS = (VALIDATION_FAILED, IDEMPOTENCY_KEY_REUSED, COMMUNITY_NOT_FOUND)
"""What every command on an existing community can answer: bad input, reused key, not found."""


ETAG_HEADER = etag_header("community")


def command_success(
    outcome: str,
    summary: str,
    *,
    status: int = 200,
    version: int = 4,
    headers: Mapping[str, str] | None = None,
) -> OpenApiResponses:
    """The success response of a command answering a ``CommandResult`` with ``outcome``."""
    value = {"community_id": EXAMPLE_COMMUNITY_ID, "version": version, "outcome": outcome}
    return success(status, summary, {outcome: (summary, value)}, headers=headers)


def complete_openapi(app: FastAPI) -> None:
    """Complete ``app``'s document: the ``ProblemDetails`` schema and examples with nulls."""
    complete_service_openapi(app, api_schemas)
