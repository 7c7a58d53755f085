"""The outbox relay: publishes stored commits to Kafka in stream order, then marks them.

A crash after sending and before marking publishes a commit twice; consumers deduplicate by
stream version. Each commit names its stream's previous commit, and a commit is published only
after that predecessor, so a stream's events reach Kafka in order even when two processes
publish (the worst case is a duplicate). Commits this process appended are published at once;
a full scan for everything else runs when the process starts and then in the holder of the
relay lease (``CatchUpSchedule``), beside them rather than in their way.
"""

import asyncio
import contextlib
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.structs import RecordMetadata
from opentelemetry import trace
from prometheus_client import Counter, Gauge, Histogram

from agora.eventsourcing.envelope import CLOUDEVENTS_CONTENT_TYPE, EventEnvelope
from agora.eventsourcing.lease import MongoLease
from agora.eventsourcing.mongo_store import MongoEventStore
from agora.eventsourcing.readmodel import IDS_PER_QUERY
from agora.eventsourcing.times import as_utc
from agora.eventsourcing.tracing import (
    KafkaHeaders,
    context_from_traceparent,
    inject_into_kafka_headers,
    tracer,
)

logger = logging.getLogger(__name__)

MARK_CHUNK = IDS_PER_QUERY
"""Commits marked by one ``update_many`` (``_id: {$in: [...]}``, read by the ``_id`` index on
MongoDB and Agora's FerretDB build): about five times the rate of one ``UpdateOne`` per commit
in a bulk (50 marks: 6,650 against 1,290 a second on FerretDB/SQLite)."""
PUBLISHED_MEMORY = 100_000

PUBLISHED_EVENTS = Counter(
    "agora_outbox_published_events_total", "Events the relay published to Kafka", ["topic"]
)
PUBLISH_DELAY = Histogram(
    "agora_outbox_publish_delay_seconds",
    "Time from an event's append to its acknowledgement by Kafka",
    ["topic"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
BACKLOG = Gauge(
    "agora_outbox_backlog_commits", "Unpublished commits seen in the relay's last read", ["topic"]
)
PUBLISH_FAILURES = Counter(
    "agora_outbox_publish_failures_total", "Relay rounds that failed and will be retried", ["topic"]
)


class CatchUpSchedule:
    """When the lease holder scans for unpublished commits again.

    Right away while a scan fills a whole batch; ``shortest`` seconds after a scan that
    published something (another process died before publishing, or Kafka was away); and,
    while scans find nothing, twice as long each time up to ``longest``: on FerretDB a scan
    reads every stored commit, which an idle stack would otherwise pay every few seconds in
    every service.
    """

    def __init__(self, *, shortest: float, longest: float) -> None:
        self._shortest = shortest
        self._longest = longest
        self._wait = shortest
        self._next = 0.0  # the first call is due

    def due(self, now: float) -> bool:
        """Whether a scan should run now."""
        return now >= self._next

    def scanned(self, now: float, *, published: int, more_waiting: bool) -> None:
        """A scan just ended, having published ``published`` commits."""
        if more_waiting:
            self._wait = self._shortest
            self._next = now
            return
        self._wait = self._shortest if published else min(self._wait * 2, self._longest)
        self._next = now + self._wait


class OutboxRelay:
    """Moves unpublished commits from one event store to one Kafka topic."""

    def __init__(
        self,
        *,
        store: MongoEventStore,
        producer: AIOKafkaProducer,
        topic: str,
        lease: MongoLease,
        batch_size: int = 500,
        poll_interval: float = 0.5,
        max_backoff: float = 30.0,
        catch_up_interval: float = 5.0,
        max_catch_up_interval: float = 60.0,
    ) -> None:
        self._store = store
        self._producer = producer
        self._topic = topic
        self._lease = lease
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._max_backoff = max_backoff
        self._stopping = asyncio.Event()
        self._catch_up_interval = catch_up_interval
        self._max_catch_up_interval = max(max_catch_up_interval, catch_up_interval)
        self._publishing = asyncio.Lock()
        self._published: OrderedDict[str, tuple[str, int]] = OrderedDict()
        """The last commit this relay published per stream, so its successor needs no lookup."""
        self._publish_delay = PUBLISH_DELAY.labels(topic)
        self._published_events = PUBLISHED_EVENTS.labels(topic)

    @staticmethod
    def owner_id() -> str:
        """A fresh owner name for this process's lease."""
        return f"relay-{uuid.uuid4()}"

    async def run(self) -> None:
        """Publish until ``stop()``; failures are retried with exponential backoff.

        Commits this process appended are published at once, lease or not: the predecessor
        rule keeps each stream in order even when two processes publish (a duplicate at worst).
        The catch-up scan, which finds everything else, runs at start-up and then only in the
        lease holder, in a task of its own: on FerretDB it reads every stored commit, and this
        process's own commits must not wait behind it.
        """
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._publish_own_commits())
            tasks.create_task(self._catch_up())
        await self._lease.release()

    async def _publish_own_commits(self) -> None:
        async def one_round() -> None:
            self._store.appended.clear()
            published = await self._publish(await self._recent_commits())
            if published < self._batch_size and not self._store.recent_commits:
                await self._wait_for_appends()

        await self._repeat("relay", one_round)

    async def _catch_up(self) -> None:
        """Scan at start-up (lease or not: a restarted process publishes what its predecessor
        left at once), then, in the lease holder, as ``CatchUpSchedule`` says; the lease is
        renewed every ``catch_up_interval`` seconds whatever the schedule."""
        schedule = CatchUpSchedule(
            shortest=self._catch_up_interval, longest=self._max_catch_up_interval
        )
        started = False

        async def one_round() -> None:
            nonlocal started
            more_waiting = False
            holder = await self._lease.acquire()
            if (holder or not started) and schedule.due(time.monotonic()):
                candidates = await self._catch_up_candidates()
                published = await self._publish(candidates)
                more_waiting = len(candidates) == self._batch_size
                schedule.scanned(time.monotonic(), published=published, more_waiting=more_waiting)
            started = True
            if not more_waiting:
                await self._sleep(self._catch_up_interval)

        await self._repeat("catch-up", one_round)

    async def _repeat(self, name: str, one_round: Callable[[], Awaitable[None]]) -> None:
        """Run rounds until ``stop()``; a failed round is retried with exponential backoff."""
        backoff = self._poll_interval
        while not self._stopping.is_set():
            try:
                await one_round()
            except Exception:
                PUBLISH_FAILURES.labels(self._topic).inc()
                logger.exception("outbox %s round failed; retrying in %.1f s", name, backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
            else:
                backoff = self._poll_interval

    def stop(self) -> None:
        """Ask ``run()`` to return after the current round."""
        self._stopping.set()

    async def publish_pending(self) -> int:
        """Publish this process's recent commits and then, from a full scan, any others."""
        published = await self._publish(await self._recent_commits())
        return published + await self._publish(await self._catch_up_candidates())

    async def _catch_up_candidates(self) -> list[dict[str, Any]]:
        """Unpublished commits from a full scan (which FerretDB's SQLite backend evaluates on
        every stored commit, hence ``CatchUpSchedule``)."""
        candidates = await (
            self._store.commits.find({"published": False})
            .sort([("stream_id", 1), ("first_version", 1)])
            .limit(self._batch_size)
            .to_list()
        )
        BACKLOG.labels(self._topic).set(len(candidates))
        return candidates

    async def _publish(self, candidates: list[dict[str, Any]]) -> int:
        """Publish candidates after their unpublished predecessors; returns the commit count.

        One publication at a time: the catch-up scan's candidates may have been published by
        this process's own path since the scan read them, which ``_published`` then tells.
        """
        async with self._publishing:
            return await self._publish_exclusively(candidates)

    async def _publish_exclusively(self, candidates: list[dict[str, Any]]) -> int:
        commits = await self._with_predecessors(candidates)
        if not commits:
            return 0
        sends: list[asyncio.Future[RecordMetadata]] = []
        for commit in commits:
            for raw in commit["events"]:
                sends.append(await self._send(raw))
        await asyncio.gather(*sends)
        now = datetime.now(UTC)
        await self._mark_published(commits)
        for commit in commits:  # in stream order, so the last one of each stream stays
            self._published[commit["stream_id"]] = (commit["_id"], commit["first_version"])
            self._published.move_to_end(commit["stream_id"])
            if len(self._published) > PUBLISHED_MEMORY:
                self._published.popitem(last=False)
        for commit in commits:
            self._publish_delay.observe((now - as_utc(commit["recorded_at"])).total_seconds())
        self._published_events.inc(len(sends))
        return len(commits)

    async def _recent_commits(self) -> list[dict[str, Any]]:
        recent = self._store.recent_commits
        return [recent.popleft() for _ in range(min(len(recent), self._batch_size))]

    async def _with_predecessors(self, candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The unpublished candidates, each preceded by its stream's unpublished predecessors."""
        ordered: list[dict[str, Any]] = []
        seen: set[str] = set()
        for candidate in candidates:
            chain: list[dict[str, Any]] = []
            commit: dict[str, Any] | None = candidate
            while commit is not None and not self._already_published(commit, seen):
                chain.append(commit)
                seen.add(commit["_id"])
                previous = commit.get("previous_commit")
                last = self._published.get(commit["stream_id"])
                known = previous is None or (last is not None and last[0] == previous)
                commit = None if known else await self._store.commits.find_one({"_id": previous})
            ordered.extend(reversed(chain))
        return ordered

    def _already_published(self, commit: dict[str, Any], seen: set[str]) -> bool:
        """Marked, chosen already this round, or published by this relay before."""
        last = self._published.get(commit["stream_id"])
        return (
            commit["published"]
            or commit["_id"] in seen
            or (last is not None and commit["first_version"] <= last[1])
        )

    async def _mark_published(self, commits: list[dict[str, Any]]) -> None:
        # Not atomic across commits: a crash halfway leaves some unmarked, published again later
        # (a duplicate that consumers skip by stream version), never one marked unpublished.
        for start in range(0, len(commits), MARK_CHUNK):
            chunk = [commit["_id"] for commit in commits[start : start + MARK_CHUNK]]
            await self._store.commits.update_many(
                {"_id": {"$in": chunk}}, {"$set": {"published": True}}
            )

    async def _send(self, raw: str) -> "asyncio.Future[RecordMetadata]":
        envelope = EventEnvelope.model_validate_json(raw)
        parent = context_from_traceparent(envelope.traceparent, envelope.tracestate)
        with tracer.start_as_current_span(
            f"{self._topic} publish",
            context=parent,
            kind=trace.SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "publish",
                "messaging.destination.name": self._topic,
                "messaging.message.id": envelope.id,
                "messaging.kafka.message.key": envelope.streamid,
            },
        ):
            headers: KafkaHeaders = [("content-type", CLOUDEVENTS_CONTENT_TYPE.encode())]
            inject_into_kafka_headers(headers)
            future: asyncio.Future[RecordMetadata] = await self._producer.send(
                self._topic,
                value=raw.encode(),
                key=envelope.streamid.encode(),
                headers=headers,
            )
        return future

    async def _wait_for_appends(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._store.appended.wait(), timeout=self._poll_interval)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
