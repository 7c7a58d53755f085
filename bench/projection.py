"""The benchmark's projection and the in-process clocks that see when each event got applied."""

import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from agora.eventsourcing import ApplyOrder, EventEnvelope, ReadModel, apply_once
from bench.payload import BenchPosted, registry


class AppliedClock:
    """When each event was first applied to the read model (``perf_counter`` seconds)."""

    def __init__(self) -> None:
        self.applied_at: dict[str, float] = {}
        self.apply_seconds: list[float] = []
        self.last_applied = 0.0

    def count(self) -> int:
        """Events applied so far."""
        return len(self.applied_at)

    def record(self, event_id: str, *, started: float) -> None:
        """An event's update has just been acknowledged by the database."""
        now = time.perf_counter()
        self.applied_at[event_id] = now
        self.apply_seconds.append(now - started)
        self.last_applied = now


class AckClock:
    """When Kafka acknowledged each message the relay sent, by key and per-key sequence.

    The relay sends a stream's events in version order, so for a stream that starts empty the
    n-th acknowledgement of its key is the acknowledgement of version n.
    """

    def __init__(self) -> None:
        self._acks: defaultdict[bytes, list[float]] = defaultdict(list)
        self.last_ack = 0.0
        self.total = 0

    def record(self, key: bytes | None) -> None:
        """One message with this key was acknowledged just now."""
        now = time.perf_counter()
        self._acks[key or b""].append(now)
        self.last_ack = now
        self.total += 1

    def acked_at(self, stream_id: str, version: int) -> float | None:
        """When the given version of a stream was acknowledged, if it was."""
        acks = self._acks.get(stream_id.encode(), [])
        return acks[version - 1] if version <= len(acks) else None


def record_acks(producer: Any, clock: AckClock) -> None:
    """Wrap a started or new producer's ``send`` so every acknowledgement is timed.

    The producer keeps the settings it was made with (``create_producer``); only the returned
    future gets a callback.
    """
    send = producer.send

    async def timed_send(topic: str, *args: Any, **kwargs: Any) -> Any:
        future = await send(topic, *args, **kwargs)
        key: bytes | None = kwargs.get("key")

        def acknowledged(done: Any) -> None:
            if not done.cancelled() and done.exception() is None:
                clock.record(key)

        future.add_done_callback(acknowledged)
        return future

    producer.send = timed_send


class PostsPerStream:
    """Read model: one document per stream with how many posts it has and the last author.

    ``$inc`` is made idempotent by ``apply_once``, as a real projection would do it.
    """

    order = ApplyOrder.STREAM
    """Each document is its stream's own, as in the communities directory."""

    def __init__(self, *, name: str, topics: Sequence[str], clock: AppliedClock) -> None:
        self.name = name
        self.topics = topics
        self._clock = clock

    async def setup(self, read_model: ReadModel) -> None:
        """Documents are found by ``_id`` only: no index to create."""

    async def apply(self, envelope: EventEnvelope, read_model: ReadModel) -> None:
        """Count the post in its stream's document."""
        started = time.perf_counter()
        event = envelope.payload(registry)
        if not isinstance(event, BenchPosted):
            return
        applied = await apply_once(
            read_model.collection(),
            document_id=envelope.streamid,
            envelope=envelope,
            update={
                "$inc": {"posts": 1},
                "$set": {"last_author": event.author, "space": event.space},
            },
        )
        if applied:
            self._clock.record(envelope.id, started=started)
