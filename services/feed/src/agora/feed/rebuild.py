"""``python -m agora.feed.rebuild``: replay the feed's read model from its topics."""

import asyncio
import logging
from typing import Any

from pymongo import AsyncMongoClient

from agora.eventsourcing.rebuild import rebuild_projection
from agora.feed.projection import FeedProjection
from agora.feed.settings import FeedSettings

logger = logging.getLogger(__name__)


async def rebuild_read_model(settings: FeedSettings) -> int:
    """Rebuild every part into a new generation, activate it, and return its number."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_url.get_secret_value(), tz_aware=True
    )
    try:
        return await rebuild_projection(
            projection=FeedProjection.from_settings(settings),
            database=client[settings.mongo_database],
            bootstrap_servers=settings.kafka_bootstrap_servers,
        )
    finally:
        await client.close()


def main() -> None:
    """Rebuild with the settings of the environment."""
    logging.basicConfig(level=logging.INFO)
    generation = asyncio.run(rebuild_read_model(FeedSettings()))
    logger.info("feed read model rebuilt as generation %d", generation)


if __name__ == "__main__":
    main()
