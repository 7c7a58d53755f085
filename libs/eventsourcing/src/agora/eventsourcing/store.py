"""The event store port: append to a stream with optimistic concurrency, load a stream."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from agora.eventsourcing.envelope import EventEnvelope
from agora.eventsourcing.events import DomainEvent

ANY_VERSION = None
"""Pass as ``expected_version`` to append after whatever the stream holds."""


@dataclass(frozen=True)
class AppendResult:
    """What an append stored; for a retried command, what the original append stored."""

    stream_id: str
    events: tuple[EventEnvelope, ...]
    deduplicated: bool

    @property
    def last_version(self) -> int:
        """The stream version after this append (its last event's version)."""
        return self.events[-1].streamversion


class EventStore(Protocol):
    """Append-only streams of events; every append of one batch is atomic."""

    async def append(
        self,
        *,
        stream_id: str,
        expected_version: int | None,
        events: Sequence[DomainEvent],
        actor: str | None = None,
        command_id: str | None = None,
        command_fingerprint: str | None = None,
        command_checked: bool = False,
    ) -> AppendResult:
        """Append ``events`` if the stream is at ``expected_version`` (0: must not exist).

        Raises ``ConcurrencyError`` when it is not; a ``command_id`` seen before returns the
        original result (``deduplicated=True``) instead of appending again, and raises
        ``IdempotencyKeyReusedError`` when its fingerprint differs. ``command_checked`` says
        the caller has just found no result for ``command_id`` (``command_result``), or needs
        none (it creates the stream): the store may skip its own lookup, and still finds a
        command stored before when the append collides on its key.
        """
        ...

    async def command_result(
        self, *, actor: str | None, command_id: str, command_fingerprint: str | None = None
    ) -> AppendResult | None:
        """What an earlier append with this actor's idempotency id stored, or ``None``."""
        ...

    async def load(self, stream_id: str, *, after_version: int = 0) -> list[EventEnvelope]:
        """The stream's events with a version above ``after_version``, in order."""
        ...

    async def stream_version(self, stream_id: str) -> int:
        """The stream's current version (0 when it has no events)."""
        ...
