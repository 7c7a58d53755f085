"""OpenTelemetry tracing: the process's tracer provider and the FastAPI server spans.

Context travels in W3C `traceparent`/`tracestate` and `baggage` headers: OpenTelemetry's
global default propagators, left as they are so `OTEL_PROPAGATORS` still applies.
"""

import asyncio
import logging
from dataclasses import dataclass

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agora.servicekit.settings import ServiceSettings

DEPLOYMENT_ENVIRONMENT_NAME = "deployment.environment.name"
UNTRACED_PATHS = ("/healthz", "/readyz", "/metrics")
"""Probes and scrapes would otherwise be most of the spans a service exports."""
HTTP_ROUTE = "http.route"
HTTP_METHODS = frozenset(
    {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"}
)
"""Methods a span is named by; any other is ``HTTP`` (semantic conventions: no unbounded names)."""

_logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Tracing:
    """The tracer provider a process installed, with the means to flush and stop it."""

    provider: TracerProvider

    async def flush(self, *, timeout_millis: int = 30_000) -> bool:
        """Export the spans still buffered; False when the timeout ran out first."""
        return await asyncio.to_thread(self.provider.force_flush, timeout_millis)

    async def shutdown(self) -> None:
        """Flush and stop exporting, off the event loop (the final export blocks)."""
        await asyncio.to_thread(self.provider.shutdown)


def build_tracer_provider(*, settings: ServiceSettings) -> TracerProvider:
    """Build the service's tracer provider, exporting over OTLP/HTTP only when configured."""
    provider = TracerProvider(
        resource=Resource.create(
            {
                SERVICE_NAME: settings.service_name,
                DEPLOYMENT_ENVIRONMENT_NAME: settings.environment,
            }
        )
    )
    if settings.otlp_traces_endpoint is not None:
        exporter = OTLPSpanExporter(endpoint=str(settings.otlp_traces_endpoint))
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def install_tracing(*, settings: ServiceSettings) -> Tracing | None:
    """Install the service's provider as the process-wide one; None if one is already installed."""
    # A process sets its global provider once: an earlier one (e.g. from the
    # `opentelemetry-instrument` launcher) is kept, and stays its installer's to shut down.
    if not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        _logger.info("a tracer provider is already installed; keeping it")
        return None
    tracing = Tracing(provider=build_tracer_provider(settings=settings))
    trace.set_tracer_provider(tracing.provider)
    return tracing


def instrument_app(*, app: FastAPI, tracer_provider: trace.TracerProvider | None = None) -> None:
    """Trace every request as a server span named by its route (``GET /things/{thing_id}``),
    continuing an inbound ``traceparent``.

    OpenTelemetry's ASGI middleware, as its FastAPI instrumentation uses, except for the span's
    name: that instrumentation finds the route by matching every route of the app before the
    router matches them again (8 % of the gateway's CPU a request, profiled); here the span is
    renamed once the router has matched (Starlette notes the route in the scope).
    """
    app.add_middleware(_RouteSpanName)
    # Without `tracer_provider` spans go to the global provider, which the lifespan installs
    # later: OpenTelemetry's proxy tracer looks it up when a span starts.
    app.add_middleware(
        OpenTelemetryMiddleware,
        tracer_provider=tracer_provider,
        default_span_details=_method_span_details,
        # Matched against scheme://host/path: anchored so `/api/metrics` stays traced.
        excluded_urls=",".join(f"^[a-z]+://[^/]+{path}$" for path in UNTRACED_PATHS),
        # One internal span per ASGI message (each body chunk, each server-sent event) says
        # nothing the server span does not, and costs every request two spans more.
        exclude_spans=["receive", "send"],
    )


def _method_span_details(scope: Scope) -> tuple[str, dict[str, str]]:
    """The server span's first name, its method: the route is not known before routing."""
    method = str(scope.get("method", ""))
    return (method if method in HTTP_METHODS else "HTTP"), {}


class _RouteSpanName:
    """Names the request's server span after the route the router matched, when it did.

    Renamed as the answer starts: OpenTelemetry's middleware ends the span with the answer's
    last message, before the app returns.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        span = trace.get_current_span()

        async def naming_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                path = getattr(scope.get("route"), "path", None)
                if isinstance(path, str) and span.is_recording():
                    name, _ = _method_span_details(scope)
                    span.update_name(f"{name} {path}")
                    span.set_attribute(HTTP_ROUTE, path)
            await send(message)

        await self.app(scope, receive, naming_send)
