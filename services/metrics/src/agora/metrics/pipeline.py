"""One generation of the metrics projection: consume, apply in memory, flush durably.

The pipeline assigns itself every partition of the consumed topics and starts each at the
position the last flush stored (``journal.Cursor``), not at Kafka's committed offsets: those
are committed too, after each flush, but only for the operators' tools. Records are applied
in memory and flushed when the pipeline has caught up with the topics, when too many events or
documents are pending, or after ``flush_interval_seconds`` (not while it replays a backlog of
``BACKLOG_EVENTS`` or more: then only the two limits flush). While the topics
describing people and communities have records waiting, activity topics are paused, so that
facts are known before the activity they explain, in a live run and in a replay alike.

Failures never leave half-applied events behind: on any error while applying or flushing, the
in-memory changes are dropped and the pipeline starts again from its cursor (``Restart``). An
event that cannot be decoded, or whose application raises, is dead-lettered and skipped.
"""

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord, OffsetAndMetadata, TopicPartition
from prometheus_client import Counter, Gauge, Histogram
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import EventEnvelope, ProjectionCatalog
from agora.eventsourcing.projection import POISON_ERRORS, TRANSIENT_ERRORS
from agora.eventsourcing.runner import LAG, consumer_group
from agora.eventsourcing.topics import dead_letter_topic_name, topic_partitions
from agora.metrics import upstream
from agora.metrics.engine.journal import Cursor, Journal
from agora.metrics.engine.projector import Projector
from agora.metrics.engine.workspace import Workspace
from agora.metrics.rules import EngagementRules

logger = logging.getLogger(__name__)

Document = dict[str, Any]
ENTITIES = "entities"
BUCKETS = "buckets"
CONTROL = "control"
MAX_POLL_RECORDS = 5000
BACKLOG_EVENTS = 10_000
"""Lag (events not consumed yet) from which the pipeline is replaying a backlog rather than
following live traffic, which never lags that far: it then flushes by size only."""
FETCH_MAX_BYTES = 50 * 1024 * 1024
MAX_PARTITION_FETCH_BYTES = 8 * 1024 * 1024

EVENTS = Counter(
    "agora_metrics_events",
    "Events consumed by the metrics projection, by topic and outcome "
    "(applied, ignored: a type the metrics do not use, dead_lettered).",
    ["topic", "outcome"],
)
EVENTS_PER_SECOND = Gauge(
    "agora_metrics_events_per_second",
    "Events the metrics projection applied per second, over its last ten seconds of work.",
)
PENDING_EVENTS = Gauge(
    "agora_metrics_pending_events", "Events applied in memory and not flushed yet."
)
FLUSH_SECONDS = Histogram(
    "agora_metrics_flush_seconds",
    "Time to flush the metrics projection's pending changes durably.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
FLUSH_DOCUMENTS = Histogram(
    "agora_metrics_flush_documents",
    "Documents written by one flush of the metrics projection.",
    buckets=(1, 10, 100, 500, 1000, 2500, 5000, 10000, 25000, 50000),
)


class Restart(Exception):  # noqa: N818 - a control-flow signal, not an error report
    """Drop the in-memory changes and start again from the last flush."""


@dataclass(frozen=True)
class PipelineConfig:
    """What a pipeline consumes and how much it holds in memory."""

    name: str
    topics: tuple[str, ...]
    facts_topics: tuple[str, ...]
    rules: EngagementRules
    bootstrap_servers: str
    cache_size: int = 200_000
    max_pending_events: int = 250_000
    max_pending_documents: int = 50_000
    flush_interval_seconds: float = 5.0


class RateMeter:
    """Events per second over a sliding window, for the gauge."""

    def __init__(self, window_seconds: float = 10.0) -> None:
        self._window = window_seconds
        self._samples: list[tuple[float, int]] = []

    def add(self, count: int) -> None:
        """Note ``count`` events applied now."""
        now = time.monotonic()
        self._samples.append((now, count))
        while self._samples and self._samples[0][0] < now - self._window:
            self._samples.pop(0)
        if len(self._samples) > 1:
            span = max(now - self._samples[0][0], 1e-3)
            EVENTS_PER_SECOND.set(sum(c for _, c in self._samples[1:]) / span)


def read_model_parts(catalog: ProjectionCatalog, name: str, generation: int) -> dict[str, Any]:
    """The collections of one generation."""
    return {
        part: catalog.collection(name, generation, part) for part in (ENTITIES, BUCKETS, CONTROL)
    }


class Pipeline:
    """Consumes into one generation; ``step`` applies one poll, ``flush`` makes it durable."""

    def __init__(
        self,
        *,
        config: PipelineConfig,
        database: AsyncDatabase[Document],
        generation: int,
        dead_letters: AIOKafkaProducer,
        skipped: set[tuple[str, int, int]] | None = None,
        client_id: str,
    ) -> None:
        self.config = config
        self.generation = generation
        catalog = ProjectionCatalog(database=database)
        parts = read_model_parts(catalog, config.name, generation)
        self._entities = parts[ENTITIES]
        self._buckets = parts[BUCKETS]
        self.journal = Journal(
            entities=parts[ENTITIES], buckets=parts[BUCKETS], control=parts[CONTROL]
        )
        self._dead_letters = dead_letters
        self._skipped = skipped if skipped is not None else set()
        self._client_id = client_id
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []
        self._cursor = Cursor()
        self._saved_positions: dict[tuple[str, int], int] = {}
        self._projector: Projector | None = None
        self._pending_events = 0
        self._first_pending = 0.0
        self._activity_paused = False
        self._rate = RateMeter()
        self.applied_events = 0

    def flushes(self) -> int:
        """How many flushes this generation has had (the cursor's number)."""
        return self._cursor.seq

    def positions(self) -> dict[tuple[str, int], int]:
        """Per partition, the offset after the last record applied (flushed or not)."""
        return dict(self._cursor.positions)

    async def open(self) -> None:
        """Finish an interrupted flush, then start consuming from the cursor."""
        self._cursor = await self.journal.recover()
        self._saved_positions = dict(self._cursor.positions)
        fresh = self._cursor.seq == 0 and await self._entities.find_one({}) is None
        workspace = Workspace(
            entities=self._entities,
            buckets=self._buckets,
            cache_size=self.config.cache_size,
            fresh=fresh,
        )
        self._projector = Projector(workspace, self.config.rules)
        self._pending_events = 0
        PENDING_EVENTS.set(0)
        self._partitions = await topic_partitions(
            bootstrap_servers=self.config.bootstrap_servers, topics=self.config.topics
        )
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.config.bootstrap_servers,
            group_id=consumer_group(self.config.name, self.generation),
            client_id=self._client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_poll_records=MAX_POLL_RECORDS,
            fetch_max_bytes=FETCH_MAX_BYTES,
            max_partition_fetch_bytes=MAX_PARTITION_FETCH_BYTES,
        )
        await consumer.start()
        self._consumer = consumer
        consumer.assign(self._partitions)
        for partition in self._partitions:
            offset = self._cursor.positions.get((partition.topic, partition.partition))
            if offset is None:
                await consumer.seek_to_beginning(partition)
            else:
                consumer.seek(partition, offset)

    async def close(self) -> None:
        """Stop consuming (pending changes are dropped: call ``flush`` first to keep them)."""
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None
        for partition in self._partitions:
            LAG.remove(self.config.name, partition.topic, str(partition.partition))
        self._partitions = []

    # --- consuming ----------------------------------------------------------------------------

    async def step(self, timeout_ms: int = 200) -> int:
        """Apply one poll of records (facts first) and flush when due; records applied."""
        consumer = self._require_consumer()
        await self._prioritise_facts(consumer)
        batches = await consumer.getmany(timeout_ms=timeout_ms, max_records=MAX_POLL_RECORDS)
        records = [record for partition in sorted(batches) for record in batches[partition]]
        if records:
            await self._apply(records)
        lag = await self._record_lag(consumer)
        if self._flush_due(lag=lag):
            await self.flush()
        return len(records)

    async def caught_up(self) -> bool:
        """Whether every partition's next offset is its end (a flush may still be pending)."""
        consumer = self._require_consumer()
        ends = await consumer.end_offsets(self._partitions)
        for partition in self._partitions:
            if await consumer.position(partition) < ends[partition]:
                return False
        return True

    async def _prioritise_facts(self, consumer: AIOKafkaConsumer) -> None:
        facts = [tp for tp in self._partitions if tp.topic in self.config.facts_topics]
        activity = [tp for tp in self._partitions if tp.topic not in self.config.facts_topics]
        waiting = await _behind(consumer, facts)
        if waiting != self._activity_paused:
            # Only on a change: pausing or resuming drops what the fetcher prefetched.
            if waiting:
                consumer.pause(*activity)
            else:
                consumer.resume(*activity)
            self._activity_paused = waiting

    async def _apply(self, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        projector = self._require_projector()
        decoded: list[tuple[ConsumerRecord[bytes, bytes], EventEnvelope, upstream.UpstreamEvent]]
        decoded = []
        for record in records:
            if (record.topic, record.partition, record.offset) in self._skipped:
                continue
            try:
                envelope = EventEnvelope.from_json_bytes(record.value or b"")
                event = upstream.decode(envelope)
            except POISON_ERRORS as error:
                await self._dead_letter(record, error)
                continue
            if event is None:
                EVENTS.labels(record.topic, "ignored").inc()
                continue
            decoded.append((record, envelope, event))
        try:
            await projector.prefetch((envelope, event) for _, envelope, event in decoded)
        except Exception as error:
            raise Restart(f"loading entities failed: {error!r}") from error
        for record, envelope, event in decoded:
            try:
                await projector.apply(envelope, event)
            except Exception as error:
                if _transient(error):
                    raise Restart(f"applying failed: {error!r}") from error
                # A half-applied event may have changed the workspace: drop it, and skip the
                # event when it comes again.
                await self._dead_letter(record, error)
                self._skipped.add((record.topic, record.partition, record.offset))
                raise Restart(f"event dead-lettered: {error!r}") from error
            EVENTS.labels(record.topic, "applied").inc()
        if decoded and self._pending_events == 0:
            self._first_pending = time.monotonic()
        self._pending_events += len(decoded)
        self.applied_events += len(decoded)
        self._rate.add(len(decoded))
        PENDING_EVENTS.set(self._pending_events)
        for record in records:
            key = (record.topic, record.partition)
            self._cursor.positions[key] = max(self._cursor.positions.get(key, 0), record.offset + 1)

    def _flush_due(self, *, lag: int) -> bool:
        if not self._cursor_moved():
            return False
        workspace = self._require_projector().workspace
        if self._pending_events >= self.config.max_pending_events:
            return True
        if workspace.pending_documents() >= self.config.max_pending_documents:
            return True
        if lag == 0:
            return True
        if lag >= BACKLOG_EVENTS:
            # Replaying a backlog (a rebuild, a restart after a long stop): nobody waits for
            # these figures, and each flush rewrites every document touched since the last
            # one, so only the size limits flush (5 s flushes took most of a year's replay).
            return False
        return time.monotonic() - self._first_pending >= self.config.flush_interval_seconds

    def _cursor_moved(self) -> bool:
        return self._pending_events > 0 or self._cursor.positions != self._saved_positions

    async def flush(self) -> None:
        """Write the pending changes and the new positions durably."""
        projector = self._require_projector()
        if not self._cursor_moved():
            return
        started = time.perf_counter()
        try:
            await projector.finish()
            changes = projector.workspace.take_changes()
            cursor = Cursor(seq=self._cursor.seq + 1, positions=dict(self._cursor.positions))
            await self.journal.flush(changes, cursor)
        except Exception as error:
            raise Restart(f"flush failed: {error!r}") from error
        self._cursor = cursor
        self._saved_positions = dict(cursor.positions)
        FLUSH_SECONDS.observe(time.perf_counter() - started)
        FLUSH_DOCUMENTS.observe(len(changes))
        self._pending_events = 0
        PENDING_EVENTS.set(0)
        await self._commit_offsets()

    async def _commit_offsets(self) -> None:
        consumer = self._require_consumer()
        offsets = {
            TopicPartition(topic, partition): OffsetAndMetadata(offset, "")
            for (topic, partition), offset in self._cursor.positions.items()
        }
        if not offsets:
            return
        try:
            await consumer.commit(offsets)
        except Exception as error:  # noqa: BLE001 - informational offsets only
            logger.debug("metrics: committing offsets for the tools failed: %r", error)

    async def _record_lag(self, consumer: AIOKafkaConsumer) -> int:
        """Publish each partition's lag; the records left to consume in all of them."""
        total = 0
        ends = await _ends(consumer, self._partitions)
        for partition in self._partitions:
            lag = max(ends[partition] - await consumer.position(partition), 0)
            LAG.labels(self.config.name, partition.topic, str(partition.partition)).set(lag)
            total += lag
        return total

    async def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], error: BaseException
    ) -> None:
        logger.error(
            "metrics: dead-lettering %s[%d]@%d: %r",
            record.topic,
            record.partition,
            record.offset,
            error,
        )
        headers = [
            *(record.headers or ()),
            ("agora-dlt-projection", self.config.name.encode()),
            ("agora-dlt-topic", record.topic.encode()),
            ("agora-dlt-partition", str(record.partition).encode()),
            ("agora-dlt-offset", str(record.offset).encode()),
            ("agora-dlt-error-type", type(error).__name__.encode()),
            ("agora-dlt-error", str(error)[:4000].encode(errors="replace")),
            ("agora-dlt-failed-at", datetime.now(UTC).isoformat().encode()),
        ]
        await self._dead_letters.send_and_wait(
            dead_letter_topic_name(self.config.name),
            value=record.value,
            key=record.key,
            headers=headers,
        )
        EVENTS.labels(record.topic, "dead_lettered").inc()

    def _require_consumer(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise RuntimeError("the pipeline is not open")
        return self._consumer

    def _require_projector(self) -> Projector:
        if self._projector is None:
            raise RuntimeError("the pipeline is not open")
        return self._projector


async def _ends(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition]
) -> dict[TopicPartition, int]:
    """The end offset of each partition: the high watermark the last fetch brought back, and
    Kafka's answer only for partitions not fetched yet. Asking Kafka every poll would cost a
    round trip queued behind the fetcher's long poll on the same connection (up to its 500 ms
    wait): a replay spent a fifth of its time there."""
    ends: dict[TopicPartition, int] = {}
    unknown: list[TopicPartition] = []
    for partition in partitions:
        highwater = consumer.highwater(partition)
        if highwater is None:
            unknown.append(partition)
        else:
            ends[partition] = highwater
    if unknown:
        ends.update(await consumer.end_offsets(unknown))
    return ends


async def _behind(consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> bool:
    """Whether any of ``partitions`` has records the consumer has not reached yet."""
    ends = await _ends(consumer, partitions)
    for partition in partitions:
        if await consumer.position(partition) < ends[partition]:
            return True
    return False


def _transient(error: BaseException) -> bool:
    return isinstance(error, TRANSIENT_ERRORS)


async def sleep_backoff(attempt: int) -> None:
    """Wait before trying again: 0.1 s doubling up to 30 s."""
    await asyncio.sleep(min(0.1 * 2**attempt, 30.0))
