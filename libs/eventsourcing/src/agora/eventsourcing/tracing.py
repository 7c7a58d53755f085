"""W3C trace context across the event store and Kafka headers (OpenTelemetry propagation API)."""

from collections.abc import Iterable, Sequence

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import Getter, Setter

KafkaHeaders = list[tuple[str, bytes]]

tracer = trace.get_tracer("agora.eventsourcing")


def current_trace_headers() -> dict[str, str]:
    """The active context as W3C headers (``traceparent``, ``tracestate``), empty when none."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from_traceparent(traceparent: str | None, tracestate: str | None) -> Context:
    """An OpenTelemetry context whose parent is the stored W3C trace context, if any."""
    carrier = {}
    if traceparent:
        carrier["traceparent"] = traceparent
    if tracestate:
        carrier["tracestate"] = tracestate
    return propagate.extract(carrier)


class _KafkaHeaderSetter(Setter[KafkaHeaders]):
    def set(self, carrier: KafkaHeaders, key: str, value: str) -> None:
        carrier.append((key, value.encode()))


class _KafkaHeaderGetter(Getter[Sequence[tuple[str, bytes]]]):
    def get(self, carrier: Sequence[tuple[str, bytes]], key: str) -> list[str] | None:
        values = [value.decode(errors="replace") for name, value in carrier if name == key]
        return values or None

    def keys(self, carrier: Sequence[tuple[str, bytes]]) -> list[str]:
        return [name for name, _ in carrier]


def inject_into_kafka_headers(headers: KafkaHeaders) -> None:
    """Write the active context into Kafka message headers."""
    propagate.inject(headers, setter=_KafkaHeaderSetter())


def extract_from_kafka_headers(headers: Iterable[tuple[str, bytes]] | None) -> Context:
    """The context carried by Kafka message headers (the producer's span is the parent)."""
    return propagate.extract(list(headers or ()), getter=_KafkaHeaderGetter())
