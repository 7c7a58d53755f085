"""OpenTelemetry tracing: the process's tracer provider and the FastAPI server spans.

Context travels in W3C `traceparent`/`tracestate` and `baggage` headers: OpenTelemetry's
global default propagators, left as they are so `OTEL_PROPAGATORS` still applies.
"""

import asyncio
import logging
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from fastapi.telemetry import TelemetryConfig
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
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


def server_span_telemetry(
    *, tracer_provider: trace.TracerProvider | None = None
) -> TelemetryConfig:
    """FastAPI's own OpenTelemetry instrumentation, as the kit configures it: one server span
    per request, named by its route (``GET /things/{thing_id}``), continuing the request's
    trace context, an error for a 5xx answer or an exception.

    Without ``tracer_provider``, spans go to the global provider once the lifespan has
    installed it. No spans per dependency, endpoint and serialisation (a request is one span),
    no OpenTelemetry metrics (Prometheus has them), no OpenTelemetry log records (logs are
    JSON lines carrying the trace id). It replaced OpenTelemetry's ASGI middleware, which did
    the same with about twice the CPU (a fifth of the gateway's time a forwarded request,
    profiled) and which FastAPI answers by turning its own off.
    """
    return TelemetryConfig(
        tracer_provider=tracer_provider,
        tracing=True,
        metrics=False,
        logs=False,
        operation_spans=False,
        auto_configure=False,  # the kit's provider exports (`build_tracer_provider`)
        exclude=_untraced,
    )


def _untraced(scope: MutableMapping[str, Any]) -> bool:
    return scope.get("path") in UNTRACED_PATHS
