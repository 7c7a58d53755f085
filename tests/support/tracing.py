"""One process-wide tracer provider that records spans in memory, for trace assertions."""

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

_exporter: InMemorySpanExporter | None = None


def recording_exporter() -> InMemorySpanExporter:
    """The exporter behind the global provider, installing both on first use."""
    global _exporter  # noqa: PLW0603 - OpenTelemetry allows one global provider per process
    if _exporter is None:
        _exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(_exporter))
        trace.set_tracer_provider(provider)
    return _exporter
