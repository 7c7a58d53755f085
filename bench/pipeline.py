"""Ours: MongoEventStore.append → OutboxRelay → Kafka → ProjectionRunner → read model.

Store, relay and runner run in this process, in one event loop, as a service with an in-process
relay and projection would; their Kafka producer and consumer use the core's own factories.
"""

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import (
    ConcurrencyError,
    MongoEventStore,
    OutboxRelay,
    ProjectionCatalog,
    ProjectionRunner,
)
from agora.eventsourcing.kafka import create_producer
from agora.eventsourcing.lease import MongoLease
from agora.eventsourcing.topics import TopicSpec, ensure_topics
from bench.infra import RunNames
from bench.payload import SOURCE, bench_event
from bench.projection import AckClock, AppliedClock, PostsPerStream, record_acks
from bench.stats import Distribution, distribution, rate
from bench.waiting import StalledError, wait_for_count

Document = dict[str, Any]
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ThroughputResult:
    """A burst of appends pushed through the whole pipeline as fast as it goes."""

    events: int
    concurrency: int
    streams: int
    store_commits_before: int
    seconds: float
    """From the first append's start to the last event applied to the read model."""
    appends_seconds: float
    """From the first append's start to the last append's return."""
    acked_seconds: float
    """From the first append's start to Kafka's acknowledgement of the last event."""
    append_latency: Distribution
    apply_latency: Distribution

    @property
    def events_per_second(self) -> float:
        """End-to-end throughput: events applied per second."""
        return rate(self.events, self.seconds)

    @property
    def appends_per_second(self) -> float:
        """How fast the writers got their appends stored (while the rest ran too)."""
        return rate(self.events, self.appends_seconds)


@dataclass(frozen=True)
class LatencyResult:
    """Events appended at a fixed arrival rate, each timed until its projection update."""

    target_rate: float
    events: int
    seconds: float
    store_commits_before: int
    drain_seconds: float
    unapplied: int
    """Events not applied within ``drain_seconds`` of the last scheduled append (infinite)."""
    end_to_end: Distribution
    """From the scheduled append start to the read-model update."""
    append: Distribution
    """From the scheduled append start to the append's return (the commit is stored)."""
    publish: Distribution
    """From the append's return to Kafka's acknowledgement of the relay's send."""
    deliver_apply: Distribution
    """From Kafka's acknowledgement to the read-model update (fetch, apply, commit)."""
    max_schedule_lag_ms: float
    """The largest delay between an append's scheduled and actual start (event-loop lag)."""
    applied: int
    conflicts: int
    """Appends the store gave up on (``ConcurrencyError``) and the load generator retried."""


@dataclass(frozen=True)
class Verification:
    """The read model, read back from the database once the runner stopped, against the
    events the projection reported as applied (warm-up included)."""

    applied_events: int
    posts_counted: int

    @property
    def exact(self) -> bool:
        """Every applied event is counted once: none lost, none applied twice."""
        return self.applied_events == self.posts_counted


@dataclass(frozen=True)
class _Sample:
    scheduled: float
    started: float
    appended: float
    event_id: str
    stream_id: str
    version: int


class RunningPipeline:
    """The store, and the relay and runner working in background tasks."""

    def __init__(
        self,
        *,
        store: MongoEventStore,
        database: AsyncDatabase[Document],
        projection: str,
        acks: AckClock,
        applied: AppliedClock,
        tasks: list[asyncio.Task[None]],
        stall_seconds: float,
        message_bytes: int,
    ) -> None:
        self.store = store
        self.acks = acks
        self.applied = applied
        self._database = database
        self._projection = projection
        self._tasks = tasks
        self._stall_seconds = stall_seconds
        self._message_bytes = message_bytes

    def check_workers(self) -> None:
        """Raise if the relay or the runner has stopped on its own."""
        for task in self._tasks:
            if task.done():
                error = None if task.cancelled() else task.exception()
                raise StalledError(f"{task.get_name()} stopped early") from error

    async def append_one(
        self, stream_id: str, expected_version: int | None, sequence: int
    ) -> tuple[str, int]:
        """Append one bench event; returns its event id and stream version."""
        result = await self.store.append(
            stream_id=stream_id,
            expected_version=expected_version,
            events=[bench_event(sequence, message_bytes=self._message_bytes)],
        )
        envelope = result.events[0]
        return envelope.id, envelope.streamversion

    async def wait_applied(
        self, target: int, what: str, *, give_up_at: float | None = None
    ) -> bool:
        """Wait until the projection has applied ``target`` events in all (or ``give_up_at``)."""
        self.check_workers()
        return await wait_for_count(
            self._applied_count,
            target,
            what=what,
            stall_seconds=self._stall_seconds,
            give_up_at=give_up_at,
        )

    def _applied_count(self) -> int:
        self.check_workers()
        return self.applied.count()

    async def wait_outbox_drained(self) -> None:
        """Wait until the relay has marked every commit published (a quiet start for a phase)."""
        commits = self.store.commits
        last = -1
        last_progress = time.perf_counter()
        while (pending := await commits.count_documents({"published": False})) > 0:
            self.check_workers()
            if pending != last:
                last, last_progress = pending, time.perf_counter()
            elif time.perf_counter() - last_progress > self._stall_seconds:
                raise StalledError(f"outbox: {pending} commits stay unpublished")
            await asyncio.sleep(0.25)

    async def verify_read_model(self) -> Verification:
        """Count the posts in the read model; call it after the runner stopped."""
        catalog = ProjectionCatalog(database=self._database)
        collection = await catalog.active_collection(self._projection)
        total = 0
        async for document in collection.find({}, projection={"posts": True}):
            total += int(document.get("posts", 0))
        return Verification(applied_events=self.applied.count(), posts_counted=total)


@contextlib.asynccontextmanager
async def running_pipeline(
    *,
    database: AsyncDatabase[Document],
    mongo_url: str,
    bootstrap: str,
    names: RunNames,
    partitions: int,
    stall_seconds: float,
    message_bytes: int,
    clocks: tuple[AckClock, AppliedClock] | None = None,
) -> AsyncIterator[RunningPipeline]:
    """Start a relay and a projection runner with the core's default settings; stop them after.

    Writers append through ``database``; the relay and the runner each get a client (a
    connection pool) of their own, as worker processes would, so they never queue for a
    connection behind the writers. The relay still hears of appends at once, as an in-process
    relay does, through the store's ``appended`` event and ``recent_commits``. A later round
    passes the clocks of the first, so counts and the read model's check span every round.
    """
    store = MongoEventStore(database=database, source=SOURCE)
    await store.create_indexes()
    await ensure_topics(
        bootstrap_servers=bootstrap, topics=[TopicSpec(names.event_topic, partitions=partitions)]
    )
    relay_client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_url)
    runner_client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_url)
    relay_store = MongoEventStore(database=relay_client[names.database], source=SOURCE)
    relay_store.appended = store.appended
    relay_store.recent_commits = store.recent_commits
    acks, applied = clocks or (AckClock(), AppliedClock())
    producer = create_producer(bootstrap_servers=bootstrap, client_id="bench-relay")
    record_acks(producer, acks)
    await producer.start()
    lease = MongoLease(
        database=relay_client[names.database], name="bench-relay", owner=OutboxRelay.owner_id()
    )
    relay = OutboxRelay(store=relay_store, producer=producer, topic=names.event_topic, lease=lease)
    runner = ProjectionRunner(
        projection=PostsPerStream(name=names.projection, topics=[names.event_topic], clock=applied),
        database=runner_client[names.database],
        bootstrap_servers=bootstrap,
    )
    tasks = [
        asyncio.create_task(relay.run(), name="outbox relay"),
        asyncio.create_task(runner.run(), name="projection runner"),
    ]
    try:
        yield RunningPipeline(
            store=store,
            database=database,
            projection=names.projection,
            acks=acks,
            applied=applied,
            tasks=tasks,
            stall_seconds=stall_seconds,
            message_bytes=message_bytes,
        )
    finally:
        relay.stop()
        runner.stop()
        _, pending = await asyncio.wait(tasks, timeout=30)
        for task in pending:
            logger.warning("%s did not stop in time; cancelling it", task.get_name())
            task.cancel()
        await producer.stop()
        await relay_client.close()
        await runner_client.close()


async def warm_up(pipeline: RunningPipeline, *, concurrency: int, round_number: int = 0) -> float:
    """Push a few events through so connections, metadata and the consumer group are ready.

    Returns how long the first events took to get through (consumer-group join included).
    """
    started = time.perf_counter()
    target = pipeline.applied.count() + concurrency
    await asyncio.gather(
        *(
            pipeline.append_one(f"benchpost-warm{round_number}-{n:03d}", 0, n)
            for n in range(concurrency)
        )
    )
    await pipeline.wait_applied(target, "warm-up")
    await pipeline.wait_outbox_drained()
    return time.perf_counter() - started


async def measure_throughput(
    pipeline: RunningPipeline,
    *,
    events: int,
    max_seconds: float,
    concurrency: int,
    streams: int,
    store_commits_before: int,
    round_number: int = 0,
) -> ThroughputResult:
    """``concurrency`` writers append one event at a time to streams they own, as fast as they can.

    Each writer owns its streams and knows their versions, so appends never conflict. Writers
    stop after ``events`` appends in all or after ``max_seconds``, whichever comes first.
    """
    if streams < concurrency:
        raise ValueError("give every writer at least one stream of its own")
    prefix = f"benchpost-tp{round_number}-"
    stream_ids = [f"{prefix}{n:05d}" for n in range(streams)]
    base = pipeline.applied.count()
    durations: list[float] = []
    sequence = iter(range(events))
    started = time.perf_counter()
    deadline = started + max_seconds

    async def writer(index: int) -> None:
        owned = stream_ids[index::concurrency]
        versions = dict.fromkeys(owned, 0)
        for turn, number in enumerate(sequence):
            stream = owned[turn % len(owned)]
            began = time.perf_counter()
            await pipeline.append_one(stream, versions[stream], number)
            durations.append(time.perf_counter() - began)
            versions[stream] += 1
            if time.perf_counter() >= deadline:
                return

    await asyncio.gather(*(writer(n) for n in range(concurrency)))
    appended = time.perf_counter()
    stored = len(durations)
    await pipeline.wait_applied(base + stored, "pipeline throughput")
    finished = pipeline.applied.last_applied
    return ThroughputResult(
        events=stored,
        concurrency=concurrency,
        streams=streams,
        store_commits_before=store_commits_before,
        seconds=finished - started,
        appends_seconds=appended - started,
        acked_seconds=pipeline.acks.last_ack - started,
        append_latency=distribution(durations),
        apply_latency=distribution(pipeline.applied.apply_seconds[base:]),
    )


async def measure_latency(
    pipeline: RunningPipeline,
    *,
    events_per_second: float,
    events: int,
    streams: int,
    drain_seconds: float,
    store_commits_before: int,
) -> LatencyResult:
    """Open-loop load: appends start on a fixed schedule whether or not earlier ones finished.

    Latency runs from the *scheduled* start, so a stalled event loop or a slow append counts
    against the pipeline instead of silently delaying later arrivals (coordinated omission).
    Streams are appended to at any version, as concurrent commands on one stream would do.
    Events not applied ``drain_seconds`` after the last scheduled start count as infinitely
    slow; their appends are abandoned.
    """
    prefix = "benchpost-lat"
    stream_ids = [f"{prefix}{n:04d}" for n in range(streams)]
    base = pipeline.applied.count()
    samples: list[_Sample] = []

    conflicts = 0

    async def fire(sequence: int, scheduled: float) -> None:
        nonlocal conflicts
        stream = stream_ids[sequence % streams]
        started = time.perf_counter()
        while True:
            try:
                event_id, version = await pipeline.append_one(stream, None, sequence)
                break
            except ConcurrencyError:
                # Another append to this stream won every attempt the store made: a client
                # retries, and the time it takes counts against the event's latency.
                conflicts += 1
        appended = time.perf_counter()
        samples.append(_Sample(scheduled, started, appended, event_id, stream, version))

    fired: list[asyncio.Task[None]] = []
    origin = time.perf_counter() + 0.01
    for sequence in range(events):
        scheduled = origin + sequence / events_per_second
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        fired.append(asyncio.create_task(fire(sequence, scheduled)))
    give_up_at = time.perf_counter() + drain_seconds
    _, unfinished = await asyncio.wait(fired, timeout=drain_seconds)
    for task in unfinished:
        task.cancel()
    for task in fired:
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise StalledError("an append of the latency phase failed") from task.exception()
    await pipeline.wait_applied(
        base + len(samples), "pipeline latency", give_up_at=max(give_up_at, time.perf_counter())
    )
    return _latency_result(
        pipeline,
        samples,
        scheduled_events=events,
        events_per_second=events_per_second,
        origin=origin,
        drain_seconds=drain_seconds,
        store_commits_before=store_commits_before,
        conflicts=conflicts,
    )


def _latency_result(
    pipeline: RunningPipeline,
    samples: list[_Sample],
    *,
    scheduled_events: int,
    events_per_second: float,
    origin: float,
    drain_seconds: float,
    store_commits_before: int,
    conflicts: int,
) -> LatencyResult:
    applied_at = pipeline.applied.applied_at
    never = math.inf
    end_to_end: list[float] = []
    append: list[float] = [sample.appended - sample.scheduled for sample in samples]
    publish: list[float] = []
    deliver: list[float] = []
    for sample in samples:
        applied = applied_at.get(sample.event_id)
        acked = pipeline.acks.acked_at(sample.stream_id, sample.version)
        end_to_end.append(never if applied is None else applied - sample.scheduled)
        publish.append(never if acked is None else acked - sample.appended)
        deliver.append(never if acked is None or applied is None else applied - acked)
    abandoned = scheduled_events - len(samples)
    end_to_end += [never] * abandoned
    append += [never] * abandoned
    applied_count = sum(1 for value in end_to_end if math.isfinite(value))
    return LatencyResult(
        target_rate=events_per_second,
        events=scheduled_events,
        seconds=(scheduled_events - 1) / events_per_second,
        store_commits_before=store_commits_before,
        drain_seconds=drain_seconds,
        unapplied=scheduled_events - applied_count,
        end_to_end=distribution(end_to_end),
        append=distribution(append),
        publish=distribution(publish or [never]),
        deliver_apply=distribution(deliver or [never]),
        max_schedule_lag_ms=max(s.started - s.scheduled for s in samples) * 1000.0
        if samples
        else never,
        applied=applied_count,
        conflicts=conflicts,
    )
