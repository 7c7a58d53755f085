"""Forwarding a request to a service over the pooled HTTP client: the request body streamed,
the answer streamed too unless it is small."""

import logging
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import unquote

import httpx
from fastapi import Request, Response
from opentelemetry import propagate
from prometheus_client import Counter, Histogram
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse

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


BUFFERED_ANSWER_BYTES = 64 * 1024
"""Answers declaring at most this Content-Length are read whole, then sent in one piece:
streaming an answer costs a task group and a disconnect watcher, worth it only for large or
open-ended ones (event streams, chunked answers, downloads)."""


def create_upstream_client(settings: GatewaySettings) -> httpx.AsyncClient:
    """The one pooled client every forwarded request goes through."""
    return httpx.AsyncClient(
        # httpx keeps the cookies a service sets in the client's jar and sends them with later
        # requests to it: shared by everyone, one person's cookie would go out with everyone's
        # requests. This jar refuses every cookie (answers still carry Set-Cookie to the client).
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        timeout=httpx.Timeout(
            connect=settings.connect_timeout_seconds,
            read=settings.read_timeout_seconds,
            write=settings.write_timeout_seconds,
            pool=settings.pool_timeout_seconds,
        ),
        limits=httpx.Limits(
            max_connections=settings.max_upstream_connections,
            max_keepalive_connections=settings.max_keepalive_connections,
        ),
        follow_redirects=False,  # a redirect is the client's to follow, through the gateway
        trust_env=False,  # no HTTP(S)_PROXY detour between the gateway and its services
    )


@dataclass(frozen=True, slots=True)
class ServiceRoute:
    """A service's name and base URL."""

    name: str
    base_url: httpx.URL


def service_routes(settings: GatewaySettings) -> dict[str, ServiceRoute]:
    """The configured services by name."""
    return {
        name: ServiceRoute(name=name, base_url=httpx.URL(str(url).rstrip("/")))
        for name, url in settings.services.items()
    }


def has_dot_segment(raw_path: bytes) -> bool:
    """Whether a path holds a ``.`` or ``..`` segment, percent-encoded or not."""
    segments = unquote(raw_path.decode("latin-1")).split("/")
    return any(segment in (".", "..") for segment in segments)


def upstream_url(route: ServiceRoute, *, remainder: bytes, query: bytes) -> httpx.URL:
    """The service URL of a request: its base, the path after the prefix, the raw query."""
    base_path = route.base_url.raw_path.rstrip(b"/")
    raw_path = base_path + (remainder or b"/")
    if query:
        raw_path += b"?" + query
    return route.base_url.copy_with(raw_path=raw_path)


def request_headers(request: Request, route: ServiceRoute) -> list[tuple[bytes, bytes]]:
    """The client's safe headers plus request id, trace context, the client's address and
    the gateway's path prefix of the service (services name their problems' ``instance`` by
    the path the client used).

    The client's headers are passed on as the bytes it sent: HTTP allows any octet from 0x80
    up in a field value, which httpx would refuse to encode from text (ASCII only).
    """
    connection_listed = {
        token.strip().lower()
        for value in request.headers.getlist("connection")
        for token in value.split(",")
    }
    headers: list[tuple[bytes, bytes]] = []
    for raw_name, value in request.headers.raw:
        name = raw_name.decode("latin-1").lower()
        if (
            name not in NOT_FORWARDED_REQUEST_HEADERS
            and name not in connection_listed
            and not name.startswith(INTERNAL_HEADER_PREFIX)
        ):
            headers.append((raw_name, value))
    added: list[tuple[str, str]] = []
    request_id = current_request_id()
    if request_id is not None:
        added.append((REQUEST_ID_HEADER, request_id))
    carrier: dict[str, str] = {}
    propagate.inject(carrier)  # the gateway's server span becomes the service's parent
    added.extend(carrier.items())
    if request.client is not None:
        added.append(("X-Forwarded-For", request.client.host))
    added.append(("X-Forwarded-Proto", request.url.scheme))
    added.append(("X-Forwarded-Prefix", gateway_prefix(route)))
    headers.extend((name.encode("latin-1"), value.encode("latin-1")) for name, value in added)
    host = next((value for name, value in request.headers.raw if name.lower() == b"host"), None)
    if host:
        headers.append((b"X-Forwarded-Host", host))
    return headers


def response_headers(upstream: httpx.Response, route: ServiceRoute) -> list[tuple[bytes, bytes]]:
    """A service's response headers minus hop-by-hop ones, repeated headers kept."""
    connection_listed = {
        token.strip().lower().encode()
        for value in upstream.headers.get_list("connection")
        for token in value.split(",")
    }
    return [
        (name.lower(), _gateway_location(value, route) if name.lower() == b"location" else value)
        for name, value in upstream.headers.raw
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


def _request_has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    return "transfer-encoding" in request.headers or (length is not None and length != "0")


def _declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    return int(value) if value is not None and value.isascii() and value.isdigit() else None


async def _body(request: Request) -> AsyncIterator[bytes]:
    # request.stream() reads through the body-size middleware, which raises a 413 as soon as
    # the count passes the limit: an oversized chunked upload is never read to its end.
    async for chunk in request.stream():
        if chunk:
            yield chunk


class Forwarder:
    """Sends requests to services and turns transport failures into 502/503/504 problems."""

    def __init__(
        self, *, client: httpx.AsyncClient, routes: Mapping[str, ServiceRoute], max_body: int
    ) -> None:
        self._client = client
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
        """Forward ``request`` to ``route``, streaming its body and the answer's."""
        instance = request.url.path
        if has_dot_segment(remainder):
            return gateway_problem(
                status=400,
                type_uri=INVALID_PATH_TYPE,
                title="The path is not valid",
                detail="Paths may not contain '.' or '..' segments.",
                instance=instance,
            )
        declared = _declared_length(request)
        if declared is not None and declared > self._max_body:
            # Refused before a connection to the service is even taken.
            raise RequestBodyTooLargeError(limit=self._max_body)
        url = upstream_url(route, remainder=remainder, query=request.scope["query_string"])
        upstream_request = self._client.build_request(
            request.method,
            url,
            headers=request_headers(request, route),
            content=_body(request) if _request_has_body(request) else None,
        )
        started = time.perf_counter()
        try:
            upstream = await self._client.send(upstream_request, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            return self._failure(route, error, status=503, instance=instance)
        except httpx.TimeoutException as error:
            return self._failure(route, error, status=504, instance=instance)
        except httpx.LocalProtocolError:
            # What the client sent cannot go out as HTTP/1.1 (a header name with a separator,
            # a value with a vertical tab or edge spaces): its mistake, not the service's.
            UPSTREAM_REQUESTS.labels(route.name, "invalid_request").inc()
            return gateway_problem(
                status=400,
                type_uri=INVALID_HEADER_TYPE,
                title="A header is not valid",
                detail="A header name or value holds characters HTTP does not allow there.",
                instance=instance,
            )
        except httpx.TransportError as error:
            return self._failure(route, error, status=502, instance=instance)
        UPSTREAM_LATENCY.labels(route.name).observe(time.perf_counter() - started)
        UPSTREAM_REQUESTS.labels(route.name, str(upstream.status_code)).inc()
        return await self._answer(upstream, route, instance=instance)

    async def _answer(
        self, upstream: httpx.Response, route: ServiceRoute, *, instance: str
    ) -> Response:
        """The service's answer for the client: read whole when small, else streamed."""
        response: Response
        length = _answer_length(upstream)
        if length is not None and length <= BUFFERED_ANSWER_BYTES:
            try:
                body = b"".join([chunk async for chunk in upstream.aiter_raw()])
            except httpx.TimeoutException as error:
                return self._failure(route, error, status=504, instance=instance)
            except httpx.TransportError as error:
                return self._failure(route, error, status=502, instance=instance)
            finally:
                await upstream.aclose()
            response = Response(content=body, status_code=upstream.status_code)
        else:
            response = StreamingResponse(
                _relay(upstream, route.name),
                status_code=upstream.status_code,
                background=BackgroundTask(upstream.aclose),
            )
        # Raw bytes (still compressed if the service compressed them) with the service's own
        # Content-Length and Content-Encoding; repeated headers such as Vary stay repeated.
        response.raw_headers = response_headers(upstream, route)
        return response

    def _failure(
        self, route: ServiceRoute, error: httpx.TransportError, *, status: int, instance: str
    ) -> Response:
        outcome = type(error).__name__
        UPSTREAM_REQUESTS.labels(route.name, outcome).inc()
        _logger.warning("%s service: %s (%s)", route.name, outcome, error)
        if status == 503:
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
        if status == 504:
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


def _answer_length(upstream: httpx.Response) -> int | None:
    """The answer's declared Content-Length, if it declares exactly one valid value."""
    values = upstream.headers.get_list("content-length")
    if len(values) != 1 or not (values[0].isascii() and values[0].isdigit()):
        return None
    return int(values[0])


async def _relay(upstream: httpx.Response, service: str) -> AsyncIterator[bytes]:
    try:
        async for chunk in upstream.aiter_raw():
            yield chunk
    except httpx.TransportError:
        # The status line is already sent: all that is left is to cut the connection, so the
        # client sees a truncated answer instead of a complete-looking one.
        _logger.warning("%s service: the answer broke off while it was relayed", service)
        raise
