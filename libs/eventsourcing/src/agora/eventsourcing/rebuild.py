"""Rebuilding a projection: replay its topics from the start into a fresh generation, then switch.

Only one rebuild of a projection runs at a time (a lease). The rebuild consumes with the new
generation's consumer group and commits as it goes, so live runners that switch to the new
generation continue exactly where the rebuild stopped.
"""

import logging
import uuid
from datetime import timedelta
from typing import Any

from aiokafka.structs import TopicPartition
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing.kafka import create_consumer, create_producer
from agora.eventsourcing.lease import MongoLease
from agora.eventsourcing.offsets import PendingOffsets
from agora.eventsourcing.projection import (
    DEFAULT_RETRY,
    MessageProcessor,
    Projection,
    ReadModel,
    RetryPolicy,
)
from agora.eventsourcing.readmodel import ProjectionCatalog
from agora.eventsourcing.runner import apply_poll, consumer_group
from agora.eventsourcing.topics import (
    dead_letter_topic,
    dead_letter_topic_name,
    ensure_topics,
    topic_partitions,
)

logger = logging.getLogger(__name__)


class RebuildAlreadyRunningError(RuntimeError):
    """Another process is rebuilding the same projection."""


async def rebuild_projection(
    *,
    projection: Projection,
    database: AsyncDatabase[dict[str, Any]],
    bootstrap_servers: str,
    retry: RetryPolicy = DEFAULT_RETRY,
    activate: bool = True,
) -> int:
    """Replay every event of the projection's topics into a new generation; returns it."""
    lease = MongoLease(
        database=database,
        name=f"rebuild:{projection.name}",
        owner=f"rebuild-{uuid.uuid4()}",
        ttl=timedelta(hours=6),
    )
    if not await lease.acquire():
        raise RebuildAlreadyRunningError(projection.name)
    try:
        catalog = ProjectionCatalog(database=database)
        generation = await catalog.active_generation(projection.name) + 1
        await catalog.drop_generation(projection.name, generation)
        read_model = ReadModel(catalog=catalog, name=projection.name, generation=generation)
        await projection.setup(read_model)
        await _replay(projection, read_model, bootstrap_servers, generation, retry)
        if activate:
            await catalog.activate(projection.name, generation)
            await catalog.drop_generation(projection.name, generation - 2)
        logger.info("projection %s rebuilt as generation %d", projection.name, generation)
        return generation
    finally:
        await lease.release()


async def _replay(
    projection: Projection,
    read_model: ReadModel,
    bootstrap_servers: str,
    generation: int,
    retry: RetryPolicy,
) -> None:
    await ensure_topics(
        bootstrap_servers=bootstrap_servers, topics=[dead_letter_topic(projection.name)]
    )
    producer = create_producer(
        bootstrap_servers=bootstrap_servers, client_id=f"{projection.name}-rebuild-dlt"
    )
    consumer = create_consumer(
        bootstrap_servers=bootstrap_servers,
        group_id=consumer_group(projection.name, generation),
        client_id=f"{projection.name}-rebuild",
    )
    await producer.start()
    await consumer.start()
    try:
        partitions = await topic_partitions(
            bootstrap_servers=bootstrap_servers, topics=projection.topics
        )
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end_offsets: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
        processor = MessageProcessor(
            projection=projection,
            dead_letter_producer=producer,
            dead_letter_topic=dead_letter_topic_name(projection.name),
            retry=retry,
        )
        remaining = {p for p in partitions if end_offsets[p] > 0}
        offsets = PendingOffsets(consumer)
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=500)
            await apply_poll(offsets, processor, read_model, batches, projection)
            await offsets.commit_if_due()
            for partition in list(remaining):
                if await consumer.position(partition) >= end_offsets[partition]:
                    remaining.discard(partition)
        await consumer.commit({p: end_offsets[p] for p in partitions if end_offsets[p] > 0})
    finally:
        await consumer.stop()
        await producer.stop()
