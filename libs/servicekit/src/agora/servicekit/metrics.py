"""Prometheus metrics: HTTP request counts and latencies, served with every other collector."""

import time

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED_ROUTE = "<unmatched>"
"""Route label of requests no route matched: raw paths as labels would explode cardinality."""
OTHER_METHOD = "OTHER"
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Registered once per process in the default registry, as prometheus_client intends, so that
# /metrics also shows the process, platform and other libraries' collectors.
HTTP_REQUESTS = Counter(
    "http_requests",
    "HTTP requests served, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time to serve an HTTP request, by method, route template and status code.",
    ["method", "route", "status"],
)


class HttpMetricsMiddleware:
    """Count and time every HTTP request, labelled by its route template, not its raw path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request and record it once it is done."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started_at = time.perf_counter()

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            labels = (_method_label(scope), _route_label(scope), str(status))
            HTTP_REQUESTS.labels(*labels).inc()
            HTTP_REQUEST_DURATION.labels(*labels).observe(time.perf_counter() - started_at)


def _method_label(scope: Scope) -> str:
    method = str(scope["method"])
    return method if method in _KNOWN_METHODS else OTHER_METHOD


def _route_label(scope: Scope) -> str:
    # The router leaves the matched route in the scope, which middleware shares.
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) else UNMATCHED_ROUTE


def metrics_router() -> APIRouter:
    """Return a router serving `GET /metrics` in the Prometheus text format."""
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return router
