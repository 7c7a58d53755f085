"""Runs the indexing projection in its consumer group, a batch at a time.

Like ``agora.eventsourcing.ProjectionRunner`` (same consumer groups, dead letters, lag gauge,
generation switches), except that after applying a consumed batch it flushes the batch's
documents to Elasticsearch in bulk, and only then hands the batch's offsets on for commit
(``PendingOffsets``: a few times a second, at once when idle or stopping). While
Elasticsearch is unreachable the flush is retried with backoff, without limit: nothing is
committed, the lag grows (``agora_projection_lag_events``), ``agora_search_indexing_blocked``
is 1, and indexing catches up as soon as Elasticsearch answers again.
"""

import asyncio
import contextlib
import functools
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord, TopicPartition
from prometheus_client import Gauge
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import ProjectionCatalog, ReadModel, RetryPolicy
from agora.eventsourcing.kafka import create_consumer, create_producer
from agora.eventsourcing.offsets import PendingOffsets, next_offsets
from agora.eventsourcing.projection import DEFAULT_RETRY, TRANSIENT_ERRORS, MessageProcessor
from agora.eventsourcing.runner import LAG, LagOnRevoke, consumer_group, record_lag
from agora.eventsourcing.topics import dead_letter_topic, dead_letter_topic_name, ensure_topics
from agora.search.indexing.projection import SearchProjection

logger = logging.getLogger(__name__)

BLOCKED = Gauge(
    "agora_search_indexing_blocked",
    "1 while the indexer waits for Elasticsearch (or MongoDB) to take a batch, else 0",
    ["projection"],
)
GENERATION_CHECK_SECONDS = 2.0
Batches = Mapping[TopicPartition, list[ConsumerRecord[bytes, bytes]]]


class BatchApplier:
    """Applies a consumed batch to the side model, then flushes it to Elasticsearch, retrying
    the flush while Elasticsearch is unavailable."""

    def __init__(
        self,
        *,
        projection: SearchProjection,
        processor: MessageProcessor,
        read_model: ReadModel,
        retry: RetryPolicy,
        stopping: asyncio.Event,
    ) -> None:
        self._projection = projection
        self._processor = processor
        self._read_model = read_model
        self._retry = retry
        self._stopping = stopping

    async def apply(
        self, batches: Batches, *, while_blocked: Callable[[], Awaitable[None]] | None = None
    ) -> bool:
        """Apply and flush ``batches``; ``False`` if asked to stop before the flush succeeded
        (then nothing may be committed)."""
        for records in batches.values():
            for record in records:
                await self._processor.process(record, self._read_model)
        backoff = self._retry.initial_backoff
        name = self._projection.name
        while True:
            try:
                await self._projection.flush(self._read_model)
            except TRANSIENT_ERRORS as error:  # Elasticsearch's, MongoDB's, the network's
                BLOCKED.labels(name).set(1)
                logger.warning("projection %s: cannot flush the batch yet: %r", name, error)
            else:
                BLOCKED.labels(name).set(0)
                return True
            if while_blocked is not None:
                await while_blocked()
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=backoff)
            except TimeoutError:
                backoff = min(backoff * 2, self._retry.max_backoff)
            else:
                return False


class IndexingRunner:
    """Consumes the indexing projection's topics and keeps the active generation's indices."""

    def __init__(
        self,
        *,
        projection: SearchProjection,
        database: AsyncDatabase[dict[str, Any]],
        bootstrap_servers: str,
        retry: RetryPolicy = DEFAULT_RETRY,
        batch_size: int = 500,
        poll_timeout_ms: int = 200,
    ) -> None:
        self._projection = projection
        self._catalog = ProjectionCatalog(database=database)
        self._bootstrap = bootstrap_servers
        self._retry = retry
        self._batch_size = batch_size
        self._poll_timeout_ms = poll_timeout_ms
        self._stopping = asyncio.Event()
        self._client_id = f"{projection.name}-{uuid.uuid4().hex[:8]}"

    def stop(self) -> None:
        """Ask ``run()`` to return; what was flushed is committed, the rest is redelivered."""
        self._stopping.set()

    async def run(self) -> None:
        """Consume until ``stop()``, following generation switches."""
        await ensure_topics(
            bootstrap_servers=self._bootstrap, topics=[dead_letter_topic(self._projection.name)]
        )
        producer = create_producer(
            bootstrap_servers=self._bootstrap, client_id=f"{self._client_id}-dlt"
        )
        await producer.start()
        try:
            while not self._stopping.is_set():
                generation = await self._catalog.active_generation(self._projection.name)
                await self._consume(generation, producer)
        finally:
            await producer.stop()

    async def _serve(self, read_model: ReadModel) -> None:
        """Create the generation's indices and make the aliases point at them (the runner's
        generation is the active one: this also repairs a rebuild stopped between its switch
        of the catalog and of the aliases)."""
        while not self._stopping.is_set():
            try:
                await self._projection.setup(read_model)
                await self._projection.indices.point_aliases(read_model.generation)
            except TRANSIENT_ERRORS as error:
                logger.warning("indices not ready (%s); retrying", error)
            else:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._retry.max_backoff / 10)

    async def _consume(self, generation: int, producer: AIOKafkaProducer) -> None:
        name = self._projection.name
        read_model = ReadModel(catalog=self._catalog, name=name, generation=generation)
        await self._serve(read_model)
        applier = BatchApplier(
            projection=self._projection,
            processor=MessageProcessor(
                projection=self._projection,
                dead_letter_producer=producer,
                dead_letter_topic=dead_letter_topic_name(name),
                retry=self._retry,
            ),
            read_model=read_model,
            retry=self._retry,
            stopping=self._stopping,
        )
        consumer = create_consumer(
            bootstrap_servers=self._bootstrap,
            group_id=consumer_group(name, generation),
            client_id=self._client_id,
            max_poll_records=self._batch_size,
        )
        offsets = PendingOffsets(consumer)
        consumer.subscribe(list(self._projection.topics), listener=LagOnRevoke(name, offsets))
        await consumer.start()
        logger.info("projection %s indexing generation %d", name, generation)
        next_check = time.monotonic() + GENERATION_CHECK_SECONDS
        try:
            while not self._stopping.is_set():
                batches = await consumer.getmany(timeout_ms=self._poll_timeout_ms)
                if batches:
                    flushed = await applier.apply(
                        batches,
                        while_blocked=functools.partial(
                            record_blocked_lag, consumer, name, batches
                        ),
                    )
                    if not flushed:
                        return
                    offsets.applied(next_offsets(batches))
                await offsets.after_poll(brought_records=bool(batches))
                await record_lag(consumer, name)
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + GENERATION_CHECK_SECONDS
                    if await self._catalog.active_generation(name) != generation:
                        logger.info("projection %s: a newer generation is active", name)
                        return
        finally:
            await offsets.commit_on_leaving()
            await consumer.stop()


async def record_blocked_lag(consumer: AIOKafkaConsumer, name: str, batches: Batches) -> None:
    """The lag while a batch waits for Elasticsearch: its records count as not yet applied."""
    await record_lag(consumer, name)
    for partition, records in batches.items():
        highwater = consumer.highwater(partition)
        if highwater is not None and records:
            lag = max(highwater - records[0].offset, 0)
            LAG.labels(name, partition.topic, str(partition.partition)).set(lag)
