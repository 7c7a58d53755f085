"""``python -m agora.profiles.rebuild``: rebuild the people read model from the event topic."""

import asyncio
import logging
from typing import Any

from pymongo import AsyncMongoClient

from agora.eventsourcing.rebuild import rebuild_projection
from agora.profiles.bootstrap import people_projection
from agora.profiles.settings import ProfilesSettings
from agora.servicekit.logging import configure_logging

logger = logging.getLogger(__name__)


async def rebuild(*, settings: ProfilesSettings) -> int:
    """Replay the topic into a new generation of the people read model; returns it."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_url.get_secret_value()
    )
    database = client[settings.mongo_database]
    try:
        return await rebuild_projection(
            projection=people_projection(settings, database),
            database=database,
            bootstrap_servers=settings.kafka_bootstrap_servers,
        )
    finally:
        await client.close()


def main() -> None:
    """Rebuild with the settings from the environment."""
    settings = ProfilesSettings()
    configure_logging(service_name=settings.service_name, level=settings.log_level)
    generation = asyncio.run(rebuild(settings=settings))
    logger.info("people read model rebuilt as generation %d", generation)


if __name__ == "__main__":
    main()
