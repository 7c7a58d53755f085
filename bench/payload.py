"""The benchmark's event: a post-like payload sized so its CloudEvents JSON is about 600 bytes."""

from functools import cache

from agora.eventsourcing import DomainEvent, EventRegistry
from agora.eventsourcing.envelope import new_envelopes

registry = EventRegistry()
SOURCE = "/agora/bench"
_FILLER = (
    "Quarterly planning notes: the platform team moves the build cache to the new cluster, "
    "support hours change next week, and the design review for the mobile onboarding flow is "
    "on Thursday. Comments and questions welcome in the thread below, as usual. "
) * 8


@registry.register
class BenchPosted(DomainEvent):
    """Someone posted a short text to a space."""

    event_type = "agora.bench.posted"
    author: str
    space: str
    text: str
    tags: list[str]


def bench_event(sequence: int, *, message_bytes: int) -> BenchPosted:
    """The ``sequence``-th event, its envelope about ``message_bytes`` long."""
    return BenchPosted(
        author=f"person-{sequence % 997:04d}",
        space=f"space-{sequence % 31:02d}",
        text=_FILLER[: _text_length(message_bytes)],
        tags=["planning", "platform"],
    )


def sample_message(*, message_bytes: int) -> bytes:
    """A real envelope of a bench event, as the relay would put it on Kafka."""
    (envelope,) = new_envelopes(
        source=SOURCE,
        stream_id="benchpost-sample",
        first_version=1,
        events=[_event_with_text("x" * _text_length(message_bytes))],
        actor=None,
        command_id=None,
        traceparent=None,
        tracestate=None,
    )
    return envelope.to_json_bytes()


@cache
def _text_length(message_bytes: int) -> int:
    """How much text makes an envelope of ``message_bytes`` (measured on an empty text)."""
    (envelope,) = new_envelopes(
        source=SOURCE,
        stream_id="benchpost-sample",
        first_version=1,
        events=[_event_with_text("")],
        actor=None,
        command_id=None,
        traceparent=None,
        tracestate=None,
    )
    overhead = len(envelope.to_json_bytes())
    return max(0, min(len(_FILLER), message_bytes - overhead))


def _event_with_text(text: str) -> BenchPosted:
    return BenchPosted(
        author="person-0000", space="space-00", text=text, tags=["planning", "platform"]
    )
