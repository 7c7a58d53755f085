"""``python -m agora.metrics.rebuild``: recompute every indicator from the topics.

Replays the consumed topics from their beginning into a new generation of the read model,
with the same pipeline as the live projection (facts first, the same flushes), up to the end
each partition had when the rebuild started; then activates it. The live projection notices
the switch and continues from the rebuild's position. The replay equals the live projection
(``tests/metrics/test_replay.py`` compares every document).
"""

import asyncio
import logging
import uuid
from datetime import timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import ProjectionCatalog
from agora.eventsourcing.kafka import create_producer
from agora.eventsourcing.lease import MongoLease
from agora.eventsourcing.rebuild import RebuildAlreadyRunningError
from agora.eventsourcing.topics import dead_letter_topic, ensure_topics, topic_partitions
from agora.metrics.app import consumed_topics, pipeline_config
from agora.metrics.pipeline import Pipeline, PipelineConfig
from agora.metrics.settings import MetricsSettings

logger = logging.getLogger(__name__)


async def replay(
    *,
    config: PipelineConfig,
    database: AsyncDatabase[dict[str, Any]],
    activate: bool = True,
) -> int:
    """Replay into a new generation; returns its number (active only if ``activate``)."""
    lease = MongoLease(
        database=database,
        name=f"rebuild:{config.name}",
        owner=f"rebuild-{uuid.uuid4()}",
        ttl=timedelta(hours=6),
    )
    if not await lease.acquire():
        raise RebuildAlreadyRunningError(config.name)
    producer = create_producer(
        bootstrap_servers=config.bootstrap_servers, client_id=f"{config.name}-rebuild-dlt"
    )
    try:
        await ensure_topics(
            bootstrap_servers=config.bootstrap_servers, topics=[dead_letter_topic(config.name)]
        )
        await producer.start()
        catalog = ProjectionCatalog(database=database)
        generation = await catalog.active_generation(config.name) + 1
        await catalog.drop_generation(config.name, generation)
        ends = await end_offsets(config)
        pipeline = Pipeline(
            config=config,
            database=database,
            generation=generation,
            dead_letters=producer,
            client_id=f"{config.name}-rebuild",
        )
        await pipeline.open()
        try:
            while not reached(pipeline, ends):
                await pipeline.step(timeout_ms=500)
            await pipeline.flush()
        finally:
            await pipeline.close()
        if activate:
            await catalog.activate(config.name, generation)
            await catalog.drop_generation(config.name, generation - 2)
        logger.info("metrics rebuilt as generation %d", generation)
        return generation
    finally:
        await producer.stop()
        await lease.release()


async def end_offsets(config: PipelineConfig) -> dict[TopicPartition, int]:
    """The end of every consumed partition now."""
    partitions = await topic_partitions(
        bootstrap_servers=config.bootstrap_servers, topics=config.topics
    )
    consumer = AIOKafkaConsumer(bootstrap_servers=config.bootstrap_servers, group_id=None)
    await consumer.start()
    try:
        ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
        return ends
    finally:
        await consumer.stop()


def reached(pipeline: Pipeline, ends: dict[TopicPartition, int]) -> bool:
    """Whether the pipeline consumed every partition up to ``ends``."""
    positions = pipeline.positions()
    return all(positions.get((tp.topic, tp.partition), 0) >= end for tp, end in ends.items() if end)


async def rebuild_read_model(settings: MetricsSettings, *, activate: bool = True) -> int:
    """Rebuild with the given settings."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_url.get_secret_value(), tz_aware=True
    )
    try:
        await ensure_topics(
            bootstrap_servers=settings.kafka_bootstrap_servers, topics=consumed_topics(settings)
        )
        return await replay(
            config=pipeline_config(settings),
            database=client[settings.mongo_database],
            activate=activate,
        )
    finally:
        await client.close()


def main() -> None:
    """Rebuild with the settings of the environment."""
    logging.basicConfig(level=logging.INFO)
    generation = asyncio.run(rebuild_read_model(MetricsSettings()))
    logger.info("metrics read model rebuilt as generation %d", generation)


if __name__ == "__main__":
    main()
