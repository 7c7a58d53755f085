"""``python -m agora.communities.rebuild``: replay the directory read model from its topic."""

import asyncio
import logging
from typing import Any

from pymongo import AsyncMongoClient

from agora.communities.app import directory_projection
from agora.communities.settings import CommunitiesSettings
from agora.eventsourcing.rebuild import rebuild_projection

logger = logging.getLogger(__name__)


async def rebuild_directory(settings: CommunitiesSettings) -> int:
    """Rebuild the directory into a new generation, activate it, and return its number."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_url.get_secret_value(), tz_aware=True
    )
    try:
        return await rebuild_projection(
            projection=directory_projection(settings),
            database=client[settings.mongo_database],
            bootstrap_servers=settings.kafka_bootstrap_servers,
        )
    finally:
        await client.close()


def main() -> None:
    """Rebuild with the settings of the environment."""
    logging.basicConfig(level=logging.INFO)
    generation = asyncio.run(rebuild_directory(CommunitiesSettings()))
    logger.info("directory read model rebuilt as generation %d", generation)


if __name__ == "__main__":
    main()
