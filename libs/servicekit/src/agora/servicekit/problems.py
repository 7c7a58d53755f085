"""RFC 9457 problem details: the body of every error response an Agora service sends."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.types import Scope

from agora.eventsourcing.errors import (
    ConcurrencyError,
    EventTooLargeError,
    IdempotencyKeyReusedError,
    UnknownEventTypeError,
)
from agora.servicekit.context import current_request_id

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://agora.example/problems/"
"""Every Agora-specific problem type URI starts with this; `about:blank` means "see the status"."""
ABOUT_BLANK = "about:blank"

VALIDATION_PROBLEM_TYPE = f"{PROBLEM_TYPE_BASE}validation-failed"
CONCURRENCY_PROBLEM_TYPE = f"{PROBLEM_TYPE_BASE}concurrency-conflict"
IDEMPOTENCY_PROBLEM_TYPE = f"{PROBLEM_TYPE_BASE}idempotency-key-reused"
EVENT_TOO_LARGE_PROBLEM_TYPE = f"{PROBLEM_TYPE_BASE}event-too-large"
UNKNOWN_EVENT_TYPE_PROBLEM_TYPE = f"{PROBLEM_TYPE_BASE}unknown-event-type"

GENERIC_SERVER_ERROR_DETAIL = (
    "The server failed to handle the request. Quote the request id when reporting it."
)
MAX_REPORTED_VALIDATION_ERRORS = 100
"""A huge invalid body must not produce an even larger error response."""


class ValidationProblemItem(BaseModel):
    """One reason a request was refused: where in the request, what is wrong, and its kind."""

    model_config = ConfigDict(frozen=True)

    location: tuple[str | int, ...]
    message: str
    type: str


class ProblemDetails(BaseModel):
    """An RFC 9457 problem; `request_id` and `errors` are Agora's extension members."""

    model_config = ConfigDict(frozen=True)

    type: str = ABOUT_BLANK
    title: str
    status: int = Field(ge=400, le=599)
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: tuple[ValidationProblemItem, ...] | None = None


class ProblemResponse(JSONResponse):
    """A JSON response sent as `application/problem+json`."""

    media_type = PROBLEM_MEDIA_TYPE


@dataclass(frozen=True, slots=True, kw_only=True)
class ProblemType:
    """How one kind of exception is shown to clients."""

    status: int
    type_uri: str
    title: str


class ProblemRegistry:
    """Maps exception classes to problem types; the most specific registered class wins."""

    def __init__(self) -> None:
        self._types: dict[type[Exception], ProblemType] = {}

    def register(
        self, exc_type: type[Exception], *, status: int, type_uri: str, title: str
    ) -> None:
        """Show `exc_type` (and its subclasses) to clients as the given problem type."""
        if not 400 <= status <= 599:
            raise ValueError(f"a problem's status must be 4xx or 5xx, not {status}")
        if exc_type in self._types:
            raise ValueError(f"{exc_type.__qualname__} is already registered")
        self._types[exc_type] = ProblemType(status=status, type_uri=type_uri, title=title)

    def resolve(self, exc: BaseException) -> ProblemType | None:
        """Return the problem type registered for `exc`'s class or its nearest base class."""
        for cls in type(exc).__mro__:
            problem_type = self._types.get(cls)
            if problem_type is not None:
                return problem_type
        return None


def default_problem_registry() -> ProblemRegistry:
    """Return a registry with the event-sourcing core's errors already mapped."""
    registry = ProblemRegistry()
    registry.register(
        ConcurrencyError,
        status=409,
        type_uri=CONCURRENCY_PROBLEM_TYPE,
        title="The resource was changed by someone else",
    )
    registry.register(
        IdempotencyKeyReusedError,
        status=422,
        type_uri=IDEMPOTENCY_PROBLEM_TYPE,
        title="The idempotency key was already used for a different request",
    )
    registry.register(
        EventTooLargeError,
        status=413,
        type_uri=EVENT_TOO_LARGE_PROBLEM_TYPE,
        title="The change is too large to store",
    )
    registry.register(
        UnknownEventTypeError,
        status=500,
        type_uri=UNKNOWN_EVENT_TYPE_PROBLEM_TYPE,
        title="Stored data could not be read",
    )
    return registry


def status_phrase(status: int) -> str:
    """Return the standard reason phrase of an HTTP status, or a neutral one if it has none."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


FORWARDED_PREFIX_HEADER = "x-forwarded-prefix"
"""Set by the gateway to the path it serves this service under (``/api/v1/<service>``)."""
_PREFIX_PATTERN = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")


def request_instance(scope: Scope) -> str:
    """The path the client asked for: the gateway's prefix, when it forwarded the request,
    followed by this service's path (a client knows only the gateway's paths)."""
    path: str = scope["path"]
    for name, value in scope.get("headers", ()):
        if name == FORWARDED_PREFIX_HEADER.encode():
            prefix: str = value.decode("latin-1")
            # Only a plain path is taken: the header names a location, never markup or a URL.
            if _PREFIX_PATTERN.fullmatch(prefix) and ".." not in prefix.split("/"):
                return prefix + path
            break
    return path


def build_problem(
    *,
    status: int,
    type_uri: str = ABOUT_BLANK,
    title: str | None = None,
    detail: str | None = None,
    instance: str | None = None,
    errors: Sequence[ValidationProblemItem] | None = None,
) -> ProblemDetails:
    """Build a problem for the request being served; the title defaults to the status phrase."""
    return ProblemDetails(
        type=type_uri,
        title=title if title is not None else status_phrase(status),
        status=status,
        detail=detail,
        instance=instance,
        request_id=current_request_id(),
        errors=tuple(errors) if errors is not None else None,
    )


def problem_response(
    *, problem: ProblemDetails, headers: Mapping[str, str] | None = None
) -> ProblemResponse:
    """Render a problem as an `application/problem+json` response with its status."""
    return ProblemResponse(
        content=problem.model_dump(mode="json", exclude_none=True),
        status_code=problem.status,
        headers=headers,
    )


def problem_for_http_exception(*, exc: HTTPException, instance: str) -> ProblemDetails:
    """Describe an `HTTPException` (404, 405, 413, ... or one a route raised) as a problem."""
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    phrase = status_phrase(exc.status_code)
    return build_problem(
        status=exc.status_code,
        # Starlette fills an empty detail with the phrase, which would only repeat the title.
        detail=detail if detail and detail != phrase else None,
        instance=instance,
    )


def problem_for_exception(
    *, exc: Exception, registry: ProblemRegistry, instance: str
) -> ProblemDetails:
    """Describe an exception no handler caught: as registered, else as a generic 500."""
    problem_type = registry.resolve(exc)
    if problem_type is None:
        return build_problem(status=500, detail=GENERIC_SERVER_ERROR_DETAIL, instance=instance)
    # Domain errors raised for clients explain themselves; a 5xx message would leak internals.
    detail = (str(exc) or None) if problem_type.status < 500 else GENERIC_SERVER_ERROR_DETAIL
    return build_problem(
        status=problem_type.status,
        type_uri=problem_type.type_uri,
        title=problem_type.title,
        detail=detail,
        instance=instance,
    )


def validation_problem(*, errors: Sequence[Any], instance: str) -> ProblemDetails:
    """Describe request validation errors without echoing the input that failed."""
    items = [
        ValidationProblemItem(
            location=tuple(error.get("loc", ())),
            message=str(error.get("msg", "")),
            type=str(error.get("type", "")),
        )
        for error in errors[:MAX_REPORTED_VALIDATION_ERRORS]
    ]
    shown = f" (the first {len(items)} are listed)" if len(errors) > len(items) else ""
    return build_problem(
        status=422,
        type_uri=VALIDATION_PROBLEM_TYPE,
        title="The request is not valid",
        detail=f"{len(errors)} part(s) of the request are not valid{shown}.",
        instance=instance,
        errors=items,
    )


async def _validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problem = validation_problem(errors=exc.errors(), instance=request_instance(request.scope))
    return problem_response(problem=problem)


async def _http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code < 400:
        return Response(status_code=exc.status_code, headers=exc.headers)
    problem = problem_for_http_exception(exc=exc, instance=request_instance(request.scope))
    return problem_response(problem=problem, headers=exc.headers)


def install_problem_handlers(*, app: FastAPI) -> None:
    """Answer validation errors and HTTP exceptions (404, 405, ...) with problem details."""
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
    app.add_exception_handler(HTTPException, _http_exception_handler)
