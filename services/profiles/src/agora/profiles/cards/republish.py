"""Publish every person's current card again (``python -m agora.profiles.cards``).

The live worker keeps the topic up to date; this is for a cards topic that is new, or was
recreated, while the events it would be filled from were consumed long ago.
"""

import asyncio
import logging
from typing import Any

from pymongo import AsyncMongoClient

from agora.eventsourcing import MongoEventStore
from agora.eventsourcing.kafka import create_producer
from agora.eventsourcing.topics import cards_topic, ensure_topics
from agora.profiles.bootstrap import event_source, profiles_service
from agora.profiles.cards.worker import CardPublisher, republish_all
from agora.profiles.idempotency import IdempotentAnswers
from agora.profiles.settings import ProfilesSettings
from agora.servicekit.logging import configure_logging

logger = logging.getLogger(__name__)


async def republish(*, settings: ProfilesSettings) -> int:
    """Create the cards topic if needed and publish every card; returns how many."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_url.get_secret_value()
    )
    database = client[settings.mongo_database]
    producer = create_producer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.service_name}-cards-republish",
    )
    try:
        await ensure_topics(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topics=[cards_topic(settings.cards_topic)],
        )
        await producer.start()
        store = MongoEventStore(database=database, source=event_source(settings))
        service = profiles_service(
            settings, database=database, store=store, answers=IdempotentAnswers(database=database)
        )
        publisher = CardPublisher(
            profiles=service,
            producer=producer,
            topic=settings.cards_topic,
            source=event_source(settings),
        )
        return await republish_all(publisher=publisher, store=store)
    finally:
        await producer.stop()
        await client.close()


def main() -> None:
    """Republish with the settings from the environment."""
    settings = ProfilesSettings()
    configure_logging(service_name=settings.service_name, level=settings.log_level)
    published = asyncio.run(republish(settings=settings))
    logger.info("%d person cards published to %s", published, settings.cards_topic)
