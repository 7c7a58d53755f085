"""An in-memory ``EventStore`` for fast unit tests of handlers; it runs the same contract suite
as the MongoDB store, so the two cannot drift apart. The product never uses it."""

import asyncio
from collections.abc import Sequence

from agora.eventsourcing import (
    AppendResult,
    ConcurrencyError,
    DomainEvent,
    EventEnvelope,
    IdempotencyKeyReusedError,
)
from agora.eventsourcing.envelope import is_valid_stream_id, new_envelopes


class InMemoryEventStore:
    def __init__(self, *, source: str = "/agora/test") -> None:
        self._source = source
        self._streams: dict[str, list[EventEnvelope]] = {}
        self._commands: dict[tuple[str | None, str], tuple[AppendResult, str | None]] = {}
        self._lock = asyncio.Lock()

    async def append(
        self,
        *,
        stream_id: str,
        expected_version: int | None,
        events: Sequence[DomainEvent],
        actor: str | None = None,
        command_id: str | None = None,
        command_fingerprint: str | None = None,
        command_checked: bool = False,  # under its lock the lookup below costs nothing
    ) -> AppendResult:
        if not is_valid_stream_id(stream_id) or not events:
            raise ValueError("invalid append")
        async with self._lock:
            if command_id is not None:
                earlier = await self.command_result(
                    actor=actor, command_id=command_id, command_fingerprint=command_fingerprint
                )
                if earlier is not None:
                    return earlier
            stream = self._streams.setdefault(stream_id, [])
            if expected_version is not None and expected_version != len(stream):
                raise ConcurrencyError(
                    stream_id=stream_id,
                    expected_version=expected_version,
                    actual_version=len(stream),
                )
            envelopes = new_envelopes(
                source=self._source,
                stream_id=stream_id,
                first_version=len(stream) + 1,
                events=events,
                actor=actor,
                command_id=command_id,
                traceparent=None,
                tracestate=None,
            )
            stream.extend(envelopes)
            result = AppendResult(stream_id=stream_id, events=tuple(envelopes), deduplicated=False)
            if command_id is not None:
                self._commands[(actor, command_id)] = (result, command_fingerprint)
            return result

    async def command_result(
        self, *, actor: str | None, command_id: str, command_fingerprint: str | None = None
    ) -> AppendResult | None:
        stored = self._commands.get((actor, command_id))
        if stored is None:
            return None
        result, fingerprint = stored
        if command_fingerprint is not None and fingerprint not in (None, command_fingerprint):
            raise IdempotencyKeyReusedError(command_id=command_id)
        return AppendResult(stream_id=result.stream_id, events=result.events, deduplicated=True)

    async def load(self, stream_id: str, *, after_version: int = 0) -> list[EventEnvelope]:
        return [e for e in self._streams.get(stream_id, []) if e.streamversion > after_version]

    async def stream_version(self, stream_id: str) -> int:
        return len(self._streams.get(stream_id, []))
