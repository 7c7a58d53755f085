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
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from agora.servicekit.settings import ServiceSettings

DEPLOYMENT_ENVIRONMENT_NAME = "deployment.environment.name"
UNTRACED_PATHS = ("/healthz", "/readyz", "/metrics")
"""Probes and scrapes would otherwise be most of the spans a service exports."""

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
    """Trace every request as a server span, continuing an inbound `traceparent`."""
    # Without `tracer_provider` spans go to the global provider, which the lifespan installs
    # later: OpenTelemetry's proxy tracer looks it up when a span starts.
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=tracer_provider,
        # Matched against scheme://host/path: anchored so `/api/metrics` stays traced.
        excluded_urls=",".join(f"^[a-z]+://[^/]+{path}$" for path in UNTRACED_PATHS),
        # One internal span per ASGI message (each body chunk, each server-sent event) says
        # nothing the server span does not, and costs every request two spans more.
        exclude_spans=["receive", "send"],
    )
