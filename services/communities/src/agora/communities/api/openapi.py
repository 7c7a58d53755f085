"""Reusable pieces of the OpenAPI document: problem responses, success examples and headers.

Every refusal is sent as ``application/problem+json`` (RFC 9457); routes list the problems they
can answer with ``responses=problems(...)`` instead of repeating the same dictionaries.
"""

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from agora.communities.api import schemas as api_schemas
from agora.communities.domain import errors
from agora.communities.service import StaleVersionError
from agora.servicekit import PROBLEM_TYPE_BASE
from agora.servicekit.problems import (
    ABOUT_BLANK,
    IDEMPOTENCY_PROBLEM_TYPE,
    PROBLEM_MEDIA_TYPE,
    VALIDATION_PROBLEM_TYPE,
    ProblemDetails,
)

OpenApiResponses = dict[int | str, dict[str, Any]]
"""The ``responses=`` argument of a route."""

PROBLEM_SCHEMA_REF = "#/components/schemas/ProblemDetails"
EXAMPLE_COMMUNITY_ID = "3f2b8c1e9d4a4f6b8e7c5a1d2b3c4e5f"

_STATUS_DESCRIPTIONS = {
    401: "The bearer token is missing, expired or not signed by the identity provider",
    403: "The caller may not do this here (their role is too low, or they are blocked)",
    404: "No such community (nor a secret one the caller is not in), membership or request",
    409: "The community's current state does not allow this",
    412: "`If-Match` names a version of the community that is no longer current",
    422: "The request is not valid",
}


class Problem:
    """One documented problem: its status and an example body."""

    def __init__(
        self,
        *,
        name: str,
        status: int,
        type_uri: str,
        title: str,
        detail: str,
        summary: str,
        **extensions: Any,
    ) -> None:
        self.name = name
        self.status = status
        self.summary = summary
        self.body: dict[str, Any] = {
            "type": type_uri,
            "title": title,
            "status": status,
            "detail": detail,
            **extensions,
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


UNAUTHORIZED = Problem(
    name="unauthorized",
    status=401,
    type_uri=ABOUT_BLANK,
    title="Unauthorized",
    detail="a bearer token is required",
    summary="No bearer token",
)
VALIDATION_FAILED = Problem(
    name="validation-failed",
    status=422,
    type_uri=VALIDATION_PROBLEM_TYPE,
    title="The request is not valid",
    detail="1 part(s) of the request are not valid.",
    summary="A field is missing or malformed",
    errors=[{"location": ["body", "name"], "message": "Field required", "type": "missing"}],
)
IDEMPOTENCY_KEY_REUSED = Problem(
    name="idempotency-key-reused",
    status=422,
    type_uri=IDEMPOTENCY_PROBLEM_TYPE,
    title="The idempotency key was already used for a different request",
    detail=(
        "idempotency id '6f1c2a9e-8d4b-4c3e-9a7f-2b5d1e0c3a48' "
        "was already used for a different command"
    ),
    summary="Idempotency-Key reused with another body",
)
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
    by_status: defaultdict[int, dict[str, Problem]] = defaultdict(dict)
    for problem in (UNAUTHORIZED, *documented):
        by_status[problem.status][problem.name] = problem
    responses: OpenApiResponses = {}
    for status, listed in sorted(by_status.items()):
        response: dict[str, Any] = {
            "description": _STATUS_DESCRIPTIONS[status],
            "content": {
                PROBLEM_MEDIA_TYPE: {
                    "schema": {"$ref": PROBLEM_SCHEMA_REF},
                    "examples": {
                        name: {"summary": p.summary, "value": p.body} for name, p in listed.items()
                    },
                }
            },
        }
        if status == 401:
            response["headers"] = {
                "WWW-Authenticate": {
                    "description": 'The bearer challenge, e.g. `Bearer error="invalid_token"`',
                    "schema": {"type": "string"},
                }
            }
        responses[status] = response
    return responses


COMMAND_PROBLEMS = (VALIDATION_FAILED, IDEMPOTENCY_KEY_REUSED, COMMUNITY_NOT_FOUND)
"""What every command on an existing community can answer: bad input, reused key, not found."""


def success(
    status: int,
    description: str,
    examples: Mapping[str, tuple[str, Any]] | None = None,
    *,
    headers: Mapping[str, str] | None = None,
) -> OpenApiResponses:
    """A documented success response: named ``(summary, value)`` examples and response headers.

    Without ``examples`` the response model's own schema examples document the body.
    """
    response: dict[str, Any] = {"description": description}
    if examples:
        response["content"] = {
            "application/json": {
                "examples": {
                    name: {"summary": summary, "value": value}
                    for name, (summary, value) in examples.items()
                }
            }
        }
    if headers:
        response["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    return {status: response}


ETAG_HEADER = {"ETag": 'The community\'s version, for `If-Match` on a later change, e.g. `"4"`'}


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


def merge(*parts: OpenApiResponses) -> OpenApiResponses:
    """Several ``responses`` dictionaries as one (the keys of one status are combined)."""
    merged: OpenApiResponses = {}
    for part in parts:
        for status, response in part.items():
            merged[status] = {**merged.get(status, {}), **response}
    return merged


def _restore_null_examples(components: dict[str, Any]) -> None:
    # FastAPI renders the document without None values, which drops e.g. `"end_date": null`
    # from the bodies' examples and makes them invalid: put the models' own examples back.
    for name, schema in components.items():
        model = getattr(api_schemas, name, None)
        if isinstance(model, type) and issubclass(model, BaseModel) and "examples" in schema:
            schema["examples"] = model.model_json_schema(mode="serialization")["examples"]


def complete_openapi(app: FastAPI) -> None:
    """Complete ``app``'s document: the ``ProblemDetails`` schema and examples with nulls."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            components = document.setdefault("components", {}).setdefault("schemas", {})
            _restore_null_examples(components)
            problem = ProblemDetails.model_json_schema(
                ref_template="#/components/schemas/{model}", mode="serialization"
            )
            for name, definition in problem.pop("$defs", {}).items():
                components.setdefault(name, definition)
            components.setdefault("ProblemDetails", problem)
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]
