"""The outbox relay: publishes stored commits to Kafka in stream order, then marks them.

A crash after sending and before marking publishes a commit twice; consumers deduplicate by
stream version. Only the holder of the relay lease publishes, so two replicas never interleave
one stream's events.
"""

import asyncio
import contextlib
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.structs import RecordMetadata
from opentelemetry import trace
from prometheus_client import Counter, Gauge, Histogram
from pymongo import UpdateOne

from agora.eventsourcing.envelope import CLOUDEVENTS_CONTENT_TYPE, EventEnvelope
from agora.eventsourcing.lease import MongoLease
from agora.eventsourcing.mongo_store import MongoEventStore
from agora.eventsourcing.tracing import (
    KafkaHeaders,
    context_from_traceparent,
    inject_into_kafka_headers,
    tracer,
)

logger = logging.getLogger(__name__)

MARK_CHUNK = 50
"""FerretDB 1.24 (SQLite) holds one pooled connection per statement of an ``update`` command
until the command ends, and hangs for good once a command has 100 statements (its pool size),
so marks are sent in bulks well below that."""

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
    ) -> None:
        self._store = store
        self._producer = producer
        self._topic = topic
        self._lease = lease
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._max_backoff = max_backoff
        self._stopping = asyncio.Event()

    @staticmethod
    def owner_id() -> str:
        """A fresh owner name for this process's lease."""
        return f"relay-{uuid.uuid4()}"

    async def run(self) -> None:
        """Publish until ``stop()``; failures are retried with exponential backoff."""
        backoff = self._poll_interval
        while not self._stopping.is_set():
            try:
                if not await self._lease.acquire():
                    await self._sleep(self._poll_interval * 4)
                    continue
                self._store.appended.clear()
                published = await self.publish_pending()
                backoff = self._poll_interval
            except Exception:
                PUBLISH_FAILURES.labels(self._topic).inc()
                logger.exception("outbox relay round failed; retrying in %.1f s", backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            if published < self._batch_size:
                await self._wait_for_appends()
        await self._lease.release()

    def stop(self) -> None:
        """Ask ``run()`` to return after the current round."""
        self._stopping.set()

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished commits; returns how many commits it published."""
        commits = await (
            self._store.commits.find({"published": False})
            .sort([("stream_id", 1), ("first_version", 1)])
            .limit(self._batch_size)
            .to_list()
        )
        BACKLOG.labels(self._topic).set(len(commits))
        if not commits:
            return 0
        sends: list[asyncio.Future[RecordMetadata]] = []
        for commit in commits:
            for raw in commit["events"]:
                sends.append(await self._send(raw))
        await asyncio.gather(*sends)
        now = datetime.now(UTC)
        await self._mark_published(commits)
        for commit in commits:
            recorded_at = _as_utc(commit["recorded_at"])
            PUBLISH_DELAY.labels(self._topic).observe((now - recorded_at).total_seconds())
            PUBLISHED_EVENTS.labels(self._topic).inc(len(commit["events"]))
        return len(commits)

    async def _mark_published(self, commits: list[dict[str, Any]]) -> None:
        for start in range(0, len(commits), MARK_CHUNK):
            chunk = commits[start : start + MARK_CHUNK]
            await self._store.commits.bulk_write(
                [UpdateOne({"_id": c["_id"]}, {"$set": {"published": True}}) for c in chunk],
                ordered=False,
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


def _as_utc(moment: datetime) -> datetime:
    """PyMongo returns naive UTC datetimes unless the client is tz-aware."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
