"""Pure ASGI middleware every service runs: body limit, request id, headers, last-resort errors."""

import logging
import re
import uuid

from opentelemetry import trace
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agora.servicekit.context import bound_request_id
from agora.servicekit.problems import (
    ProblemRegistry,
    problem_for_exception,
    problem_for_http_exception,
    problem_response,
    request_instance,
)

REQUEST_ID_HEADER = "X-Request-ID"
_WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
"""Incoming ids end up in logs: refuse anything that could forge log lines or bloat them."""

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
DEFAULT_CACHE_CONTROL = "no-store"

_logger = logging.getLogger(__name__)


# An HTTPException, because FastAPI's body parsing turns any other exception into a 400.
class RequestBodyTooLargeError(HTTPException):
    """The request body is larger than the service accepts (HTTP 413)."""

    def __init__(self, *, limit: int) -> None:
        super().__init__(
            status_code=413,
            detail=f"The request body is larger than the limit of {limit} bytes.",
        )
        self.limit = limit


class BodySizeLimitMiddleware:
    """Refuse a request body over the limit with a 413 problem, reading no further than that."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, counting body bytes as the application reads them."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_content_length(scope)
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            # A declared oversize is refused at the first read, so nothing of it is read, yet
            # routing has run: the 413 is counted under its route and gets a request id.
            if declared is not None and declared > self.max_body_bytes:
                raise RequestBodyTooLargeError(limit=self.max_body_bytes)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise RequestBodyTooLargeError(limit=self.max_body_bytes)
            return message

        await self.app(scope, limited_receive, send)


def _declared_content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    if value is None or not (value.isascii() and value.isdigit()):
        return None
    return int(value)


class RequestIdMiddleware:
    """Give each request an id (a well-formed incoming `X-Request-ID`, else a new UUID)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Bind the id for logs and problems while serving, and echo it in the response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER)
        if incoming is not None and _WELL_FORMED_REQUEST_ID.fullmatch(incoming):
            request_id = incoming
        else:
            request_id = str(uuid.uuid4())

        async def send_with_request_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        with bound_request_id(request_id=request_id):
            await self.app(scope, receive, send_with_request_id)


class SecurityHeadersMiddleware:
    """Add basic security headers, and `Cache-Control: no-store` unless the route set one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, adding the headers to its response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                headers.setdefault("Cache-Control", DEFAULT_CACHE_CONTROL)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class UnhandledErrorMiddleware:
    """Answer exceptions no handler caught: registered ones as mapped, the rest as a 500 problem."""

    # Not a Starlette `Exception` handler: that one runs outside all middleware (no request id,
    # no security headers) and re-raises, so the server logs a second traceback.

    def __init__(self, app: ASGIApp, *, problems: ProblemRegistry) -> None:
        self.app = app
        self.problems = problems

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, turning an escaped exception into a problem response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response_started = False

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if response_started:
                # Too late for a problem body: let the server abort the response.
                raise
            if isinstance(exc, HTTPException):
                problem = problem_for_http_exception(exc=exc, instance=request_instance(scope))
                await problem_response(problem=problem, headers=exc.headers)(scope, receive, send)
                return
            problem = problem_for_exception(
                exc=exc, registry=self.problems, instance=request_instance(scope)
            )
            if problem.status >= 500:
                _logger.exception("unhandled error serving %s %s", scope["method"], scope["path"])
                span = trace.get_current_span()
                span.record_exception(exc)
                span.set_status(trace.StatusCode.ERROR, type(exc).__name__)
            await problem_response(problem=problem)(scope, receive, send)
