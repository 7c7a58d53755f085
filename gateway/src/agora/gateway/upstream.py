"""Forwarding a request to a service over the pooled HTTP client (aiohttp): small bodies and
answers in one piece, larger ones streamed."""

import logging
import re
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

import aiohttp
from fastapi import Request, Response
from opentelemetry import propagate
from prometheus_client import Counter, Histogram
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect
from starlette.responses import StreamingResponse
from yarl import URL

from agora.gateway.problems import (
    BAD_SERVICE_ANSWER_TYPE,
    INVALID_HEADER_TYPE,
    INVALID_PATH_TYPE,
    SERVICE_TIMEOUT_TYPE,
    SERVICE_UNAVAILABLE_TYPE,
    gateway_problem,
)
from agora.gateway.settings import GatewaySettings
from agora.servicekit.context import current_request_id
from agora.servicekit.middleware import REQUEST_ID_HEADER, RequestBodyTooLargeError

_logger = logging.getLogger(__name__)

HOP_BY_HOP_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
"""RFC 9110 §7.6.1: meaningful for one connection only, never forwarded."""

NOT_FORWARDED_REQUEST_HEADERS = HOP_BY_HOP_HEADERS | {
    "host",  # the service's own, set by the client
    "expect",  # 100-continue is a matter between the client and the gateway
    "cookie",  # the API authenticates with bearer tokens; cookies would only leak
    # Set by the gateway from what it knows, never taken from the client:
    "x-request-id",
    "traceparent",
    "tracestate",
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-forwarded-port",
    "x-forwarded-prefix",
    "x-real-ip",
    # Identity headers some proxies add; no Agora service reads them, and none may arrive
    # from a client: services trust the bearer token only.
    "x-user-id",
    "x-person-id",
    "x-remote-user",
    "remote-user",
    "x-forwarded-user",
    "x-forwarded-email",
    "x-auth-request-user",
    "x-auth-request-email",
}
NOT_FORWARDED_RESPONSE_HEADERS = HOP_BY_HOP_HEADERS | {
    "server",
    "date",  # the gateway's server sets its own
    "x-request-id",  # the gateway's middleware echoes the id it gave the request
}
INTERNAL_HEADER_PREFIX = "x-agora-"

API_PREFIX = "/api/v1"
"""Services are served under ``/api/v1/<service>``."""
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

UPSTREAM_REQUESTS = Counter(
    "agora_gateway_upstream_requests_total",
    "Requests the gateway forwarded, by service and outcome (a status code or a failure).",
    ["service", "outcome"],
)
UPSTREAM_LATENCY = Histogram(
    "agora_gateway_upstream_response_seconds",
    "Time until a service's response headers arrived.",
    ["service"],
)


BUFFERED_BODY_BYTES = 64 * 1024
"""Request bodies declaring at most this Content-Length are read whole, then sent in one piece;
larger or chunked ones are streamed to the service as they arrive."""
BUFFERED_ANSWER_BYTES = 256 * 1024
"""Answers declaring at most this Content-Length are read whole, then sent in one piece:
streaming one costs a task and a disconnect watcher (0.5 ms of CPU for a 100 KB answer),
worth it only for large or open-ended ones (event streams, chunked answers, downloads). At
most this much per pooled connection is held in memory."""

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
"""RFC 9110 §5.1: a field name."""
_FIELD_VALUE = re.compile(
    rb"(?:[\x21-\x7e\x80-\xff](?:[\t \x21-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?"
)
"""RFC 9110 §5.5: visible octets (obs-text included) with inner spaces and tabs, no edges."""
_NOT_URI_OCTET = re.compile(rb"[^\x21-\x22\x24-\x7e]")
"""Octets a request target may not hold as they are (spaces, controls, non-ASCII, ``#``)."""


class InvalidHeaderError(ValueError):
    """A client's header cannot go out to a service as HTTP/1.1."""


def create_upstream_session(settings: GatewaySettings) -> aiohttp.ClientSession:
    """The one pooled client every request to a service goes through.

    Answers pass through as the service sent them (still compressed, cookies untouched), and
    requests carry the client's own headers only: aiohttp adds none of its defaults.
    """
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(
            limit=settings.max_upstream_connections,
            limit_per_host=0,
            keepalive_timeout=settings.keepalive_seconds,
        ),
        timeout=aiohttp.ClientTimeout(
            total=None,
            # aiohttp's `connect` covers the wait for a pooled connection and the connect.
            connect=settings.pool_timeout_seconds + settings.connect_timeout_seconds,
            sock_connect=settings.connect_timeout_seconds,
            sock_read=settings.read_timeout_seconds,
        ),
        # A jar would keep the cookies a service sets and send them with everyone's later
        # requests to it; answers still carry Set-Cookie to their client.
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
        skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
        trust_env=False,  # no HTTP(S)_PROXY detour between the gateway and its services
    )


@dataclass(frozen=True, slots=True)
class ServiceRoute:
    """A service's name and base URL."""

    name: str
    base_url: URL

    def url(self, path: bytes) -> URL:
        """The service's URL of ``path`` (an absolute path, maybe with a query) under its base.

        The octets are kept as the client sent them, except those a request target cannot
        carry, which are percent-encoded.
        """
        target = _NOT_URI_OCTET.sub(lambda match: b"%%%02X" % match[0][0], path)
        return URL(str(self.base_url).rstrip("/") + target.decode("ascii"), encoded=True)


def service_routes(settings: GatewaySettings) -> dict[str, ServiceRoute]:
    """The configured services by name."""
    return {
        name: ServiceRoute(name=name, base_url=URL(str(url).rstrip("/"), encoded=True))
        for name, url in settings.services.items()
    }


def has_dot_segment(raw_path: bytes) -> bool:
    """Whether a path holds a ``.`` or ``..`` segment, percent-encoded or not."""
    segments = unquote(raw_path.decode("latin-1")).split("/")
    return any(segment in (".", "..") for segment in segments)


def upstream_url(route: ServiceRoute, *, remainder: bytes, query: bytes) -> URL:
    """The service URL of a request: its base, the path after the prefix, the raw query."""
    path = remainder or b"/"
    return route.url(path + b"?" + query if query else path)


def _header_value(value: bytes) -> str:
    """A header value as text aiohttp sends as the same octets (it encodes UTF-8).

    obs-text that is not UTF-8 cannot survive that encoding; such values are refused.
    """
    if not _FIELD_VALUE.fullmatch(value):
        raise InvalidHeaderError("A header value holds characters HTTP does not allow there.")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidHeaderError(
            "A header value holds octets beyond ASCII that are not UTF-8."
        ) from None


def request_headers(request: Request, route: ServiceRoute) -> list[tuple[str, str]]:
    """The client's safe headers plus request id, trace context, the client's address and
    the gateway's path prefix of the service (services name their problems' ``instance`` by
    the path the client used).

    The client's headers are passed on as the octets it sent (HTTP allows any octet from 0x80
    up in a field value); one that HTTP/1.1 cannot carry raises ``InvalidHeaderError``.
    """
    connection_listed = {
        token.strip().lower()
        for value in request.headers.getlist("connection")
        for token in value.split(",")
    }
    headers: list[tuple[str, str]] = []
    for raw_name, value in request.headers.raw:
        if not _TOKEN.fullmatch(raw_name):
            raise InvalidHeaderError("A header name holds characters HTTP does not allow there.")
        name = raw_name.decode("ascii").lower()
        if (
            name not in NOT_FORWARDED_REQUEST_HEADERS
            and name not in connection_listed
            and not name.startswith(INTERNAL_HEADER_PREFIX)
        ):
            headers.append((name, _header_value(value)))
    request_id = current_request_id()
    if request_id is not None:
        headers.append((REQUEST_ID_HEADER, request_id))
    carrier: dict[str, str] = {}
    propagate.inject(carrier)  # the gateway's server span becomes the service's parent
    headers.extend(carrier.items())
    if request.client is not None:
        headers.append(("X-Forwarded-For", request.client.host))
    headers.append(("X-Forwarded-Proto", str(request.scope.get("scheme", "http"))))
    headers.append(("X-Forwarded-Prefix", gateway_prefix(route)))
    host = request.headers.get("host")
    if host:
        headers.append(("X-Forwarded-Host", _header_value(host.encode("latin-1"))))
    return headers


def response_headers(
    upstream: aiohttp.ClientResponse, route: ServiceRoute
) -> list[tuple[bytes, bytes]]:
    """A service's response headers minus hop-by-hop ones, repeated headers kept."""
    connection_listed = {
        token.strip().lower().encode()
        for value in upstream.headers.getall("connection", [])
        for token in value.split(",")
    }
    return [
        (name.lower(), _gateway_location(value, route) if name.lower() == b"location" else value)
        for name, value in upstream.raw_headers
        if name.lower().decode("latin-1") not in NOT_FORWARDED_RESPONSE_HEADERS
        and name.lower() not in connection_listed
    ]


def gateway_prefix(route: ServiceRoute) -> str:
    """The path under which the gateway serves a service."""
    return f"{API_PREFIX}/{route.name}"


def _gateway_location(location: bytes, route: ServiceRoute) -> bytes:
    # A service names its resources by its own paths (or URL); clients only know the
    # gateway's, so `/things/7` becomes `/api/v1/<service>/things/7` (as nginx's proxy_redirect).
    prefix = gateway_prefix(route).encode()
    base = str(route.base_url).rstrip("/").encode()
    if location.startswith(base + b"/"):
        return prefix + location[len(base) :]
    if location.startswith(b"/") and not location.startswith(b"//"):
        return prefix + location
    return location


def _declared_length(headers: Iterable[str]) -> int | None:
    """The one valid Content-Length among ``headers``' values, if there is exactly one."""
    values = list(headers)
    if len(values) != 1 or not (values[0].isascii() and values[0].isdigit()):
        return None
    return int(values[0])


class _RequestBody:
    """The client's body as the upstream request sends it; keeps why reading it failed.

    aiohttp writes a streamed body from a task of its own and reports any failure there as a
    broken connection to the service; the client's own failure (too large, gone) is kept here
    so it is answered as the client's.
    """

    def __init__(self, request: Request) -> None:
        self._request = request
        self.failure: RequestBodyTooLargeError | ClientDisconnect | None = None

    async def chunks(self) -> AsyncIterator[bytes]:
        # request.stream() reads through the body-size middleware, which raises a 413 as soon
        # as the count passes the limit: an oversized chunked upload is never read to its end.
        try:
            async for chunk in self._request.stream():
                if chunk:
                    yield chunk
        except (RequestBodyTooLargeError, ClientDisconnect) as error:
            self.failure = error
            raise


class Forwarder:
    """Sends requests to services and turns transport failures into 502/503/504 problems."""

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession,
        routes: Mapping[str, ServiceRoute],
        max_body: int,
    ) -> None:
        self._session = session
        self._routes = dict(routes)
        self._max_body = max_body

    @property
    def services(self) -> Iterable[str]:
        """The names of the configured services."""
        return self._routes.keys()

    def route(self, service: str) -> ServiceRoute | None:
        """The route of a service, or None when there is no such service."""
        return self._routes.get(service)

    async def forward(self, request: Request, *, route: ServiceRoute, remainder: bytes) -> Response:
        """Forward ``request`` to ``route``; small bodies and answers whole, others streamed."""
        if has_dot_segment(remainder):
            return gateway_problem(
                status=400,
                type_uri=INVALID_PATH_TYPE,
                title="The path is not valid",
                detail="Paths may not contain '.' or '..' segments.",
                instance=request.url.path,
            )
        declared = _declared_length(request.headers.getlist("content-length"))
        if declared is not None and declared > self._max_body:
            # Refused before a connection to the service is even taken.
            raise RequestBodyTooLargeError(limit=self._max_body)
        try:
            headers = request_headers(request, route)
        except InvalidHeaderError as error:
            UPSTREAM_REQUESTS.labels(route.name, "invalid_request").inc()
            return gateway_problem(
                status=400,
                type_uri=INVALID_HEADER_TYPE,
                title="A header is not valid",
                detail=str(error),
                instance=request.url.path,
            )
        body = _RequestBody(request)
        data: bytes | AsyncIterator[bytes] | None = None
        if declared is not None and declared <= BUFFERED_BODY_BYTES:
            data = await request.body() if declared else None
        elif declared is not None or "transfer-encoding" in request.headers:
            data = body.chunks()
        url = upstream_url(route, remainder=remainder, query=request.scope["query_string"])
        started = time.perf_counter()
        try:
            upstream = await self._session.request(
                request.method, url, headers=headers, data=data, allow_redirects=False
            )
        except (aiohttp.ClientError, TimeoutError) as error:
            if body.failure is not None:
                raise body.failure from None
            return self._failure(route, error, instance=request.url.path)
        UPSTREAM_LATENCY.labels(route.name).observe(time.perf_counter() - started)
        UPSTREAM_REQUESTS.labels(route.name, str(upstream.status)).inc()
        return await self._answer(upstream, route, request=request)

    async def _answer(
        self, upstream: aiohttp.ClientResponse, route: ServiceRoute, *, request: Request
    ) -> Response:
        """The service's answer for the client: read whole when small, else streamed."""
        response: Response
        length = _declared_length(upstream.headers.getall("content-length", []))
        if length is not None and length <= BUFFERED_ANSWER_BYTES:
            try:
                body = await upstream.read()
            except (aiohttp.ClientError, TimeoutError) as error:
                return self._failure(route, error, instance=request.url.path)
            finally:
                upstream.release()
            response = Response(content=body, status_code=upstream.status)
        else:
            response = StreamingResponse(
                _relay(upstream, route.name),
                status_code=upstream.status,
                background=BackgroundTask(upstream.release),
            )
        # Raw bytes (still compressed if the service compressed them) with the service's own
        # Content-Length and Content-Encoding; repeated headers such as Vary stay repeated.
        response.raw_headers = response_headers(upstream, route)
        return response

    def _failure(
        self, route: ServiceRoute, error: aiohttp.ClientError | TimeoutError, *, instance: str
    ) -> Response:
        outcome = type(error).__name__
        UPSTREAM_REQUESTS.labels(route.name, outcome).inc()
        _logger.warning("%s service: %s (%s)", route.name, outcome, error)
        # The order matters: a connect timeout is a TimeoutError and a connection error.
        if isinstance(error, aiohttp.ConnectionTimeoutError | aiohttp.ClientConnectorError):
            return gateway_problem(
                status=503,
                type_uri=SERVICE_UNAVAILABLE_TYPE,
                title="A service is unavailable",
                detail=f"The {route.name} service cannot be reached; the other services are "
                "not affected. Try again shortly.",
                instance=instance,
                service=route.name,
                headers={"Retry-After": "5"},
            )
        if isinstance(error, TimeoutError):
            return gateway_problem(
                status=504,
                type_uri=SERVICE_TIMEOUT_TYPE,
                title="A service did not answer in time",
                detail=f"The {route.name} service did not answer in time.",
                instance=instance,
                service=route.name,
            )
        return gateway_problem(
            status=502,
            type_uri=BAD_SERVICE_ANSWER_TYPE,
            title="A service gave a bad answer",
            detail=f"The {route.name} service's answer could not be read.",
            instance=instance,
            service=route.name,
        )


async def _relay(upstream: aiohttp.ClientResponse, service: str) -> AsyncIterator[bytes]:
    try:
        async for chunk in upstream.content.iter_any():
            yield chunk
    except (aiohttp.ClientError, TimeoutError):
        # The status line is already sent: all that is left is to cut the connection, so the
        # client sees a truncated answer instead of a complete-looking one.
        _logger.warning("%s service: the answer broke off while it was relayed", service)
        raise
    finally:
        upstream.release()  # back to the pool only if the answer was read to its end
