"""``python -m agora.search.rebuild``: zero-downtime reindex into a new generation.

1. Take the rebuild lease (one rebuild at a time).
2. Generation N+1: fresh side-model collections and indices (with the current settings and
   mappings), filled by replaying every topic from the beginning with generation N+1's consumer
   group, batch by batch, exactly as the live indexer does.
3. Once the end offsets seen at the start are reached: refresh N+1 (so the last bulk writes
   are searchable), activate N+1 in the projection catalog, then move the three aliases to
   N+1 in one atomic call. Readers switch at that instant; the
   live indexer notices the catalog within seconds and continues with N+1's consumer group
   where the replay stopped (events published meanwhile wait in Kafka, none is lost).
4. Drop generation N-1; generation N stays, for a rollback (point the catalog and the aliases
   back at it), until the next rebuild.
"""

import asyncio
import logging
import uuid
from datetime import timedelta
from typing import Any

from aiokafka.structs import TopicPartition
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import ProjectionCatalog, ReadModel, RetryPolicy
from agora.eventsourcing.kafka import create_consumer, create_producer
from agora.eventsourcing.lease import MongoLease
from agora.eventsourcing.offsets import PendingOffsets, next_offsets
from agora.eventsourcing.projection import DEFAULT_RETRY, MessageProcessor
from agora.eventsourcing.rebuild import RebuildAlreadyRunningError
from agora.eventsourcing.runner import consumer_group
from agora.eventsourcing.topics import (
    dead_letter_topic,
    dead_letter_topic_name,
    ensure_topics,
    topic_partitions,
)
from agora.search.app import elasticsearch_client, search_indices
from agora.search.indexing.projection import SearchProjection
from agora.search.indexing.runner import BatchApplier
from agora.search.settings import SearchSettings

logger = logging.getLogger(__name__)


async def rebuild_search(
    *,
    projection: SearchProjection,
    database: AsyncDatabase[dict[str, Any]],
    bootstrap_servers: str,
    retry: RetryPolicy = DEFAULT_RETRY,
) -> int:
    """Replay every topic into a new generation, switch readers to it; returns its number."""
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
        await projection.indices.drop_generation(generation)
        read_model = ReadModel(catalog=catalog, name=projection.name, generation=generation)
        await projection.setup(read_model)
        await _replay(projection, read_model, bootstrap_servers, retry)
        await projection.indices.refresh_generation(generation)
        await catalog.activate(projection.name, generation)
        await projection.indices.point_aliases(generation)
        await catalog.drop_generation(projection.name, generation - 2)
        await projection.indices.drop_generation(generation - 2)
        logger.info("search indices rebuilt as generation %d", generation)
        return generation
    finally:
        await lease.release()


async def _replay(
    projection: SearchProjection,
    read_model: ReadModel,
    bootstrap_servers: str,
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
        group_id=consumer_group(projection.name, read_model.generation),
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
        applier = BatchApplier(
            projection=projection,
            processor=MessageProcessor(
                projection=projection,
                dead_letter_producer=producer,
                dead_letter_topic=dead_letter_topic_name(projection.name),
                retry=retry,
            ),
            read_model=read_model,
            retry=retry,
            stopping=asyncio.Event(),
        )
        remaining = {p for p in partitions if end_offsets[p] > 0}
        offsets = PendingOffsets(consumer)
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=500)
            if batches:
                await applier.apply(batches)
                offsets.applied(next_offsets(batches))
                await offsets.commit_if_due()
            for partition in list(remaining):
                if await consumer.position(partition) >= end_offsets[partition]:
                    remaining.discard(partition)
        await consumer.commit({p: end_offsets[p] for p in partitions if end_offsets[p] > 0})
    finally:
        await consumer.stop()
        await producer.stop()


async def rebuild_from_settings(settings: SearchSettings) -> int:
    """Rebuild with the clients ``settings`` name."""
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_url.get_secret_value(), tz_aware=True
    )
    elasticsearch = elasticsearch_client(settings)
    try:
        return await rebuild_search(
            projection=SearchProjection.from_settings(
                settings, search_indices(settings, elasticsearch)
            ),
            database=mongo[settings.mongo_database],
            bootstrap_servers=settings.kafka_bootstrap_servers,
        )
    finally:
        await elasticsearch.close()
        await mongo.close()


def main() -> None:
    """Rebuild with the settings of the environment."""
    logging.basicConfig(level=logging.INFO)
    generation = asyncio.run(rebuild_from_settings(SearchSettings()))
    logger.info("search indices rebuilt as generation %d", generation)


if __name__ == "__main__":
    main()
