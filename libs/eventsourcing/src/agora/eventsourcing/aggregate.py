"""Loading aggregates from their streams and running commands against them.

A command handler is a pure ``decide(state) -> events`` function; the repository loads the
state (from a snapshot plus later events), runs ``decide``, and appends what it returns with the
loaded version as the expected version, so a decision is never stored on top of a state it did
not see. A retried command (same idempotency id) returns the original result without running
``decide`` again.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from pydantic import BaseModel

from agora.eventsourcing.envelope import EventEnvelope
from agora.eventsourcing.errors import ConcurrencyError
from agora.eventsourcing.events import DomainEvent
from agora.eventsourcing.registry import EventRegistry
from agora.eventsourcing.snapshots import MongoSnapshotStore, Snapshot
from agora.eventsourcing.store import EventStore

StateT = TypeVar("StateT", bound=BaseModel)


class Aggregate(Protocol[StateT]):
    """How one kind of aggregate folds its events into a state."""

    kind: str
    """The stream id prefix, e.g. ``profile`` for streams ``profile-<id>``."""
    state_type: type[StateT]
    snapshot_schema: int
    """Bump when ``state_type`` changes shape: older snapshots are then ignored."""

    def initial_state(self) -> StateT:
        """The state of a stream with no events."""
        ...

    def evolve(self, state: StateT, event: DomainEvent) -> StateT:
        """The state after ``event``."""
        ...


@dataclass(frozen=True)
class Loaded(Generic[StateT]):
    """An aggregate's state and the stream version it reflects."""

    state: StateT
    version: int


@dataclass(frozen=True)
class CommandOutcome(Generic[StateT]):
    """The result of a command: the events it stored and the state after them."""

    state: StateT
    version: int
    events: tuple[EventEnvelope, ...]
    deduplicated: bool


Decide = Callable[[StateT], Sequence[DomainEvent]]


class AggregateRepository(Generic[StateT]):
    """Loads and changes aggregates of one kind through an event store."""

    def __init__(
        self,
        *,
        aggregate: Aggregate[StateT],
        store: EventStore,
        registry: EventRegistry,
        snapshots: MongoSnapshotStore | None = None,
        snapshot_every: int = 100,
        conflict_retries: int = 3,
    ) -> None:
        self._aggregate = aggregate
        self._store = store
        self._registry = registry
        self._snapshots = snapshots
        self._snapshot_every = snapshot_every
        self._conflict_retries = conflict_retries

    def stream_id(self, aggregate_id: str) -> str:
        """The stream id of one aggregate of this kind."""
        return f"{self._aggregate.kind}-{aggregate_id}"

    async def load(self, stream_id: str) -> Loaded[StateT]:
        """The current state, from the newest snapshot plus the events after it."""
        state = self._aggregate.initial_state()
        version = 0
        if self._snapshots is not None:
            snapshot = await self._snapshots.load(stream_id, schema=self._aggregate.snapshot_schema)
            if snapshot is not None:
                state = self._aggregate.state_type.model_validate_json(snapshot.state_json)
                version = snapshot.version
        for envelope in await self._store.load(stream_id, after_version=version):
            state = self._aggregate.evolve(state, envelope.payload(self._registry))
            version = envelope.streamversion
        return Loaded(state=state, version=version)

    async def execute(
        self,
        *,
        stream_id: str,
        decide: Decide[StateT],
        expected_version: int | None = None,
        actor: str | None = None,
        command_id: str | None = None,
        command_fingerprint: str | None = None,
    ) -> CommandOutcome[StateT]:
        """Run ``decide`` on the current state and append its events.

        With ``expected_version`` (e.g. from ``If-Match``) a stale caller gets
        ``ConcurrencyError``; without it, a lost race is retried on the fresh state. With
        ``expected_version=0`` (a stream the caller creates, e.g. under a fresh id) nothing is
        read: ``decide`` gets the initial state, and the append refuses it if the stream exists.

        A keyed command is looked up first, so a retry gets the original outcome even when
        ``decide`` would now refuse it (the stream moved on). A stream created here is the
        exception: ``decide`` sees the initial state whenever it runs, and the append of a
        retry collides on the command's unique key, which answers with the original, so the
        lookup would only cost every first attempt a read.
        """
        if command_id is not None and expected_version != 0:
            earlier = await self._store.command_result(
                actor=actor, command_id=command_id, command_fingerprint=command_fingerprint
            )
            if earlier is not None:
                current = await self.load(earlier.stream_id)
                return CommandOutcome(
                    state=current.state,
                    version=earlier.last_version,
                    events=earlier.events,
                    deduplicated=True,
                )
        attempts = 1 if expected_version is not None else self._conflict_retries
        for attempt in range(1, attempts + 1):
            loaded = (
                Loaded(state=self._aggregate.initial_state(), version=0)
                if expected_version == 0
                else await self.load(stream_id)
            )
            if expected_version is not None and loaded.version != expected_version:
                raise ConcurrencyError(
                    stream_id=stream_id,
                    expected_version=expected_version,
                    actual_version=loaded.version,
                )
            new_events = decide(loaded.state)
            if not new_events:
                return CommandOutcome(
                    state=loaded.state, version=loaded.version, events=(), deduplicated=False
                )
            try:
                result = await self._store.append(
                    stream_id=stream_id,
                    expected_version=loaded.version,
                    events=new_events,
                    actor=actor,
                    command_id=command_id,
                    command_fingerprint=command_fingerprint,
                    command_checked=command_id is not None,  # looked up above, or created
                )
            except ConcurrencyError:
                if attempt == attempts:
                    raise
                continue
            if result.deduplicated:
                # A concurrent retry of this command stored it first (maybe in another stream,
                # under another fresh id): report what is stored.
                state = (await self.load(result.stream_id)).state
            else:
                state = loaded.state
                for event in new_events:
                    state = self._aggregate.evolve(state, event)
                await self._maybe_snapshot(stream_id, loaded.version, result.last_version, state)
            return CommandOutcome(
                state=state,
                version=result.last_version,
                events=result.events,
                deduplicated=result.deduplicated,
            )
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    async def _maybe_snapshot(self, stream_id: str, before: int, after: int, state: StateT) -> None:
        if self._snapshots is None:
            return
        if after // self._snapshot_every == before // self._snapshot_every:
            return
        await self._snapshots.save(
            Snapshot(
                stream_id=stream_id,
                version=after,
                schema=self._aggregate.snapshot_schema,
                state_json=state.model_dump_json(),
            )
        )
