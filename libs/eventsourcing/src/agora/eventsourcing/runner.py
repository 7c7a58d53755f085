"""Runs a projection in a consumer group: offsets are committed only after the apply succeeded
(a few times a second while events keep coming, at once when they stop: ``PendingOffsets``).

The runner follows the projection catalog: when a rebuild activates a new generation, it
switches to that generation's collection and consumer group, whose offsets the rebuild left
exactly where it stopped, so no event is skipped.
"""

import asyncio
import itertools
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.structs import ConsumerRecord, TopicPartition
from prometheus_client import Gauge
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing.bounded import gather_bounded
from agora.eventsourcing.kafka import create_consumer, create_producer
from agora.eventsourcing.offsets import PendingOffsets, next_offsets
from agora.eventsourcing.projection import (
    DEFAULT_RETRY,
    ApplyOrder,
    MessageProcessor,
    Projection,
    ReadModel,
    RetryPolicy,
)
from agora.eventsourcing.readmodel import ProjectionCatalog
from agora.eventsourcing.topics import dead_letter_topic, dead_letter_topic_name, ensure_topics

logger = logging.getLogger(__name__)

LAG = Gauge(
    "agora_projection_lag_events",
    "Events on the topic not yet applied by the projection",
    ["projection", "topic", "partition"],
)
GENERATION_CHECK_SECONDS = 2.0
STREAMS_AT_ONCE = 16
"""Streams of one poll a ``STREAM``-ordered projection applies at the same time. Their
``apply_once`` updates go out together (``grouped_upserts``): with 8 the runner of ``make
bench`` ended each run about 0.1 s behind the appends, with 16 it kept pace (three runs each)."""
Records = list[ConsumerRecord[bytes, bytes]]


def consumer_group(projection_name: str, generation: int) -> str:
    """The consumer group of one generation of a projection."""
    return f"agora.projection.{projection_name}.g{generation}"


class LagOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Before a rebalance takes partitions away, commits what was applied of them (so their
    next owner starts right after it) and forgets their lag."""

    def __init__(self, projection_name: str, offsets: PendingOffsets | None = None) -> None:
        self._name = projection_name
        self._offsets = offsets

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        if self._offsets is not None:
            await self._offsets.commit(revoked)
        for partition in revoked:
            LAG.remove(self._name, partition.topic, str(partition.partition))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        logger.info("projection %s assigned %s", self._name, sorted(assigned))


class ProjectionRunner:
    """Consumes a projection's topics and applies each event to the active read model."""

    def __init__(
        self,
        *,
        projection: Projection,
        database: AsyncDatabase[dict[str, Any]],
        bootstrap_servers: str,
        retry: RetryPolicy = DEFAULT_RETRY,
        poll_timeout_ms: int = 200,
    ) -> None:
        self._projection = projection
        self._catalog = ProjectionCatalog(database=database)
        self._bootstrap = bootstrap_servers
        self._retry = retry
        self._poll_timeout_ms = poll_timeout_ms
        self._stopping = asyncio.Event()
        self._client_id = f"{projection.name}-{uuid.uuid4().hex[:8]}"

    def stop(self) -> None:
        """Ask ``run()`` to commit what it applied and return."""
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

    async def _consume(self, generation: int, producer: AIOKafkaProducer) -> None:
        read_model = ReadModel(
            catalog=self._catalog, name=self._projection.name, generation=generation
        )
        await self._projection.setup(read_model)
        processor = MessageProcessor(
            projection=self._projection,
            dead_letter_producer=producer,
            dead_letter_topic=dead_letter_topic_name(self._projection.name),
            retry=self._retry,
        )
        consumer = create_consumer(
            bootstrap_servers=self._bootstrap,
            group_id=consumer_group(self._projection.name, generation),
            client_id=self._client_id,
        )
        offsets = PendingOffsets(consumer)
        consumer.subscribe(
            list(self._projection.topics), listener=LagOnRevoke(self._projection.name, offsets)
        )
        await consumer.start()
        logger.info("projection %s consuming generation %d", self._projection.name, generation)
        next_check = time.monotonic() + GENERATION_CHECK_SECONDS
        try:
            while not self._stopping.is_set():
                batches = await consumer.getmany(timeout_ms=self._poll_timeout_ms)
                await apply_poll(offsets, processor, read_model, batches, self._projection)
                await offsets.after_poll(brought_records=bool(batches))
                await record_lag(consumer, self._projection.name)
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + GENERATION_CHECK_SECONDS
                    active = await self._catalog.active_generation(self._projection.name)
                    if active != generation:
                        logger.info(
                            "projection %s switching to generation %d",
                            self._projection.name,
                            active,
                        )
                        return
        finally:
            await offsets.commit_on_leaving()
            await consumer.stop()


async def apply_poll(
    offsets: PendingOffsets,
    processor: MessageProcessor,
    read_model: ReadModel,
    batches: Mapping[TopicPartition, Records],
    projection: Projection,
) -> None:
    """Apply one poll's records, topic by topic in the projection's order, handing each
    partition's offset to ``offsets`` once its records are applied.

    Within a topic, a ``LOG``-ordered projection applies each partition's records one after
    another; a ``STREAM``-ordered one applies each stream's records (those with one Kafka key)
    in order, up to ``STREAMS_AT_ONCE`` streams at the same time, across the topic's partitions.
    """
    ordered = in_topic_order(batches, projection.topics)
    if projection.order is ApplyOrder.LOG:
        for partition, records in ordered:
            await apply_batch(offsets, processor, read_model, partition, records)
        return
    for _, of_topic in itertools.groupby(ordered, key=lambda item: item[0].topic):
        partitions = list(of_topic)
        streams: dict[bytes | None, Records] = {}
        for _, records in partitions:
            for record in records:
                streams.setdefault(record.key, []).append(record)
        await gather_bounded(
            (_apply_in_order(processor, read_model, records) for records in streams.values()),
            limit=STREAMS_AT_ONCE,
        )
        offsets.applied(next_offsets(dict(partitions)))


async def _apply_in_order(
    processor: MessageProcessor, read_model: ReadModel, records: Records
) -> None:
    for record in records:
        await processor.process(record, read_model)


def in_topic_order(
    batches: Mapping[TopicPartition, Records], topics: Sequence[str]
) -> list[tuple[TopicPartition, Records]]:
    """One poll's partitions in the order of the projection's ``topics`` (then by partition)."""
    rank = {topic: position for position, topic in enumerate(topics)}
    return sorted(
        batches.items(),
        key=lambda item: (rank.get(item[0].topic, len(rank)), item[0].topic, item[0].partition),
    )


async def apply_batch(
    offsets: PendingOffsets,
    processor: MessageProcessor,
    read_model: ReadModel,
    partition: TopicPartition,
    records: Records,
) -> None:
    """Apply one partition's records in order, then hand on the offset after the last one."""
    await _apply_in_order(processor, read_model, records)
    offsets.applied(next_offsets({partition: records}))


async def record_lag(consumer: AIOKafkaConsumer, projection_name: str) -> None:
    """Publish, per assigned partition, how far the consumer is behind the log end."""
    for partition in consumer.assignment():
        highwater = consumer.highwater(partition)
        if highwater is None:
            continue
        position = await consumer.position(partition)
        LAG.labels(projection_name, partition.topic, str(partition.partition)).set(
            max(highwater - position, 0)
        )
