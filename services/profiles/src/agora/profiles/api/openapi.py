"""How the routes are documented in OpenAPI: success examples, problems, shared headers.

Every problem example is rendered by the same code that answers real requests, from the
exception the service raises, so the documentation shows what clients actually receive.
"""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, params
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from agora.eventsourcing.errors import ConcurrencyError, IdempotencyKeyReusedError
from agora.profiles.api.commands import IDEMPOTENCY_KEY_MAX_LENGTH
from agora.profiles.api.examples import ELODIE_ID, JAMES_ID
from agora.profiles.api.problems import PreconditionRequiredError, profiles_problems
from agora.profiles.api.schemas import (
    PERSON_ID_PATTERN,
    BulkProvisionIn,
    ProfileEditIn,
    ProvisionIn,
    SkillLevelIn,
    TopicsIn,
)
from agora.profiles.domain.errors import (
    NotAllowedError,
    PersonDeactivatedError,
    PersonNotFoundError,
    SelfActionError,
    SkillNotDeclaredError,
)
from agora.profiles.domain.events import VisibilitySettings
from agora.profiles.domain.state import ProfileAggregate
from agora.profiles.service import StaleVersionError
from agora.servicekit import PROBLEM_MEDIA_TYPE, ProblemDetails
from agora.servicekit.problems import (
    problem_for_exception,
    problem_for_http_exception,
    validation_problem,
)

Responses = dict[int | str, dict[str, Any]]
"""The ``responses`` argument of a route."""

EXAMPLE_REQUEST_ID = "3f2a9c1e7b6d4e8f"
_REGISTRY = profiles_problems()


def _inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema with its nested definitions inlined (no ``$ref`` left)."""
    schema = model.model_json_schema()
    definitions: dict[str, Any] = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(definitions[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    inlined: dict[str, Any] = inline(schema)
    return inlined


PROBLEM_SCHEMA = _inline_schema(ProblemDetails)


class ProblemExample:
    """A named example of a problem some routes answer."""

    def __init__(self, name: str, problem: ProblemDetails, *, summary: str | None = None) -> None:
        self.name = name
        self.summary = summary if summary is not None else problem.title
        # `instance` is the request's path: the same example serves many routes.
        shown = problem.model_copy(update={"request_id": EXAMPLE_REQUEST_ID, "instance": None})
        self.value: dict[str, Any] = shown.model_dump(mode="json", exclude_none=True)
        self.status = problem.status


def _refusal(name: str, error: Exception) -> ProblemExample:
    return ProblemExample(name, problem_for_exception(exc=error, registry=_REGISTRY, instance=""))


def _http(name: str, status: int, detail: str) -> ProblemExample:
    return ProblemExample(
        name,
        problem_for_http_exception(
            exc=HTTPException(status_code=status, detail=detail), instance=""
        ),
    )


UNAUTHENTICATED = _http("no token", 401, "a bearer token is required")
BAD_IDEMPOTENCY_KEY = _http(
    "bad idempotency key",
    400,
    f"Idempotency-Key must have 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} characters",
)
NOT_HR = _refusal("not HR", NotAllowedError("only the 'platform-admin' role may do this"))
NO_SUCH_PERSON = _refusal("no such person", PersonNotFoundError(JAMES_ID))
LEFT_COMPANY = _refusal("left the company", PersonDeactivatedError(ELODIE_ID))
SKILL_NOT_DECLARED = _refusal("skill not declared", SkillNotDeclaredError("kubernetes"))
SELF_ENDORSEMENT = _refusal(
    "self endorsement", SelfActionError("nobody can endorse their own skills")
)
SELF_FOLLOW = _refusal("self follow", SelfActionError("nobody can follow themselves"))
STALE_VERSION = _refusal(
    "stale version",
    StaleVersionError(
        str(
            ConcurrencyError(
                stream_id=f"{ProfileAggregate.kind}-{ELODIE_ID}",
                expected_version=12,
                actual_version=13,
            )
        )
    ),
)
IF_MATCH_MISSING = _refusal(
    "if-match missing",
    PreconditionRequiredError("send If-Match with the ETag of the profile you edit"),
)
KEY_REUSED = _refusal(
    "idempotency key reused",
    IdempotencyKeyReusedError(command_id="0b7e6a52-2c1f-4d9e-a8b3-5f4e3d2c1b0a"),
)


def _invalid(summary: str, *errors: tuple[tuple[str | int, ...], str, str]) -> ProblemExample:
    return ProblemExample(
        "invalid " + " ".join(str(part) for part in errors[0][0][1:]),
        validation_problem(
            errors=[{"loc": loc, "msg": msg, "type": kind} for loc, msg, kind in errors],
            instance="",
        ),
        summary=summary,
    )


def invalid_body(summary: str, model: type[BaseModel], body: dict[str, Any]) -> ProblemExample:
    """The 422 problem answering ``body``, which ``model`` refuses."""
    try:
        model.model_validate(body)
    except ValidationError as error:
        return _invalid(
            summary,
            *(
                (("body", *item["loc"]), item["msg"], item["type"])
                for item in error.errors(include_url=False)
            ),
        )
    raise ValueError(f"{model.__name__} accepts the example {body!r}")


INVALID_PERSON_ID = _invalid(
    "A malformed person id",
    (
        ("path", "person_id"),
        f"String should match pattern '{PERSON_ID_PATTERN}'",
        "string_pattern_mismatch",
    ),
)
INVALID_SKILL_NAME = _invalid(
    "A blank skill name",
    (("path", "name"), "String should match pattern '\\S'", "string_pattern_mismatch"),
)
INVALID_LIMIT = _invalid(
    "A page too large",
    (("query", "limit"), "Input should be less than or equal to 100", "less_than_equal"),
)
TOO_MANY_TOPICS = invalid_body("Too many topics", TopicsIn, {"topics": ["topic"] * 51})
INVALID_EMAIL = invalid_body(
    "A malformed email", ProvisionIn, {"display_name": "Élodie Martin", "email": "elodie.martin"}
)
INVALID_BULK_EMAIL = invalid_body(
    "A malformed email",
    BulkProvisionIn,
    {"people": [{"display_name": "Élodie Martin", "email": "elodie.martin"}]},
)
INVALID_PHOTO_URL = invalid_body(
    "A photo URL that is no URL", ProfileEditIn, {"photo_url": "moi.jpg"}
)
INVALID_LEVEL = invalid_body("A level above 4", SkillLevelIn, {"level": 5})
UNKNOWN_AUDIENCE = invalid_body("An unknown audience", VisibilitySettings, {"email": "friends"})

_DESCRIPTIONS = {
    400: "The `Idempotency-Key` header is empty or too long.",
    401: "No bearer token, or one that is expired, forged or for another audience.",
    403: "The caller lacks the role the operation needs.",
    404: "No person has this id (or the caller has no profile yet).",
    409: "The operation conflicts with the profile's current state.",
    412: "`If-Match` names an older version: read the profile again and retry.",
    422: "The request is not valid, or its `Idempotency-Key` was used for another request.",
    428: "The update has no `If-Match` header.",
}

_HEADERS = {
    401: {
        "WWW-Authenticate": {
            "description": "The authentication scheme to use: a bearer token.",
            "schema": {"type": "string"},
            "example": 'Bearer error="invalid_token"',
        }
    }
}

READ = (UNAUTHENTICATED,)
"""The problems any read can answer."""
COMMAND = (UNAUTHENTICATED, BAD_IDEMPOTENCY_KEY, KEY_REUSED)
"""The problems any command (a write taking an ``Idempotency-Key``) can answer."""


def problem_responses(*examples: ProblemExample) -> Responses:
    """``application/problem+json`` responses with these examples, one per status."""
    by_status: dict[int, list[ProblemExample]] = defaultdict(list)
    for example in examples:
        by_status[example.status].append(example)
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            **({"headers": _HEADERS[status]} if status in _HEADERS else {}),
            "content": {
                PROBLEM_MEDIA_TYPE: {
                    "schema": PROBLEM_SCHEMA,
                    "examples": {
                        example.name: {"summary": example.summary, "value": example.value}
                        for example in group
                    },
                }
            },
        }
        for status, group in sorted(by_status.items())
    }


ETAG_HEADER = {
    "ETag": {
        "description": "The profile's version, to send back in `If-Match` when editing it.",
        "schema": {"type": "string"},
        "example": '"12"',
    }
}


def success(
    status: int,
    description: str,
    example: Any = None,
    *,
    etag: bool = False,
    model: type[BaseModel] | None = None,
) -> Responses:
    """A success response; ``example`` is its JSON body (``None`` for no body).

    ``model`` is the body's model when ``status`` is not the route's own status code.
    """
    response: dict[str, Any] = {"description": description}
    if model is not None:
        response["model"] = model
    if example is not None:
        response["content"] = {"application/json": {"example": example}}
    if etag:
        response["headers"] = ETAG_HEADER
    return {status: response}


def documented(ok: Responses, *problems: ProblemExample | tuple[ProblemExample, ...]) -> Responses:
    """A route's ``responses``: its success response(s) and the problems it can answer."""
    flat: list[ProblemExample] = []
    for item in problems:
        flat.extend(item if isinstance(item, tuple) else (item,))
    return {**ok, **problem_responses(*flat)}


IDEMPOTENT_COMMAND: dict[str, Any] = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": (
                "A key unique to this request (a UUID, say): a retry with the same key and body "
                "gets the first answer again instead of repeating the change. Keys are per caller."
            ),
            "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH},
            "example": "0b7e6a52-2c1f-4d9e-a8b3-5f4e3d2c1b0a",
        }
    ]
}
"""``openapi_extra`` of the routes taking an ``Idempotency-Key`` header."""

IF_MATCH_DESCRIPTION = (
    'The ETag of the profile being edited (`"12"`, `W/"12"` or `12`): '
    "the edit is refused with 412 if the profile changed since."
)


def keep_null_examples(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """Make ``app.openapi()`` show the examples of ``routers`` as written, ``null`` included.

    FastAPI renders its document without ``null`` values, examples' too: a field that is
    ``null`` in an answer (one the reader may not see) would look absent from it.
    ``routers`` must be included in ``app`` without a prefix.
    """
    render = app.openapi

    def openapi() -> dict[str, Any]:
        document = render()
        # FastAPI caches the document, but may render it again: restoring is cheap and repeatable.
        for router in routers:
            for route in router.routes:
                if isinstance(route, APIRoute) and route.include_in_schema:
                    for method in route.methods or ():
                        operation = document["paths"][route.path_format][method.lower()]
                        _restore_examples(operation, route)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _restore_examples(operation: dict[str, Any], route: APIRoute) -> None:
    for status, response in route.responses.items():
        for media_type, media in response.get("content", {}).items():
            shown = operation["responses"][str(status)]["content"][media_type]
            shown.update({key: media[key] for key in ("example", "examples") if key in media})
    body = None if route.body_field is None else route.body_field.field_info
    if isinstance(body, params.Body) and body.openapi_examples is not None:
        for shown in operation["requestBody"]["content"].values():
            shown["examples"] = body.openapi_examples
