"""``python -m agora.eventsourcing.provision``: create what services expect before they start.

``topics`` creates every topic of ``platform_topics()`` that is missing (with the replication of
the environment, see ``agora.eventsourcing.topics``) and checks that each has at least its
partitions; ``indexes`` creates the event store's indexes in one service's database. Both are
idempotent, so a Kubernetes init Job can run them on every deployment. Settings come from the
same ``AGORA_*`` variables the services read.
"""

import argparse
import asyncio
import functools
import logging
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from pymongo import AsyncMongoClient

from agora.eventsourcing.mongo_store import MongoEventStore
from agora.eventsourcing.topics import ensure_topics, platform_topics, topic_partitions

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0


async def provision_topics(*, bootstrap_servers: str) -> None:
    """Create the missing platform topics; ``ValueError`` names any with too few partitions."""
    specs = platform_topics()
    await ensure_topics(bootstrap_servers=bootstrap_servers, topics=specs)
    partitions = await topic_partitions(
        bootstrap_servers=bootstrap_servers, topics=[spec.name for spec in specs]
    )
    counts = {spec.name: 0 for spec in specs}
    for partition in partitions:
        counts[partition.topic] += 1
    short = sorted(spec.name for spec in specs if counts[spec.name] < spec.partitions)
    if short:
        raise ValueError(f"topics with fewer partitions than defined in code: {short}")
    logger.info("%d topics present", len(specs))


async def provision_indexes(*, mongo_url: str, database: str) -> None:
    """Create the event store's indexes in ``database``."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url, tz_aware=True)
    try:
        await MongoEventStore(database=client[database], source="/agora/provision").create_indexes()
    finally:
        await client.close()
    logger.info("event store indexes present in %s", database)


async def retrying(step: Callable[[], Awaitable[None]], *, timeout_seconds: float) -> None:
    """Run ``step`` until it succeeds or ``timeout_seconds`` passed (servers still starting)."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            await step()
        except Exception:
            if time.monotonic() + RETRY_SECONDS > deadline:
                raise
            logger.warning("not done yet; retrying in %.0f s", RETRY_SECONDS, exc_info=True)
            await asyncio.sleep(RETRY_SECONDS)
        else:
            return


def main(argv: list[str] | None = None) -> None:
    """Run one provisioning step with settings from the environment."""
    parser = argparse.ArgumentParser(description="Create topics or indexes before services start.")
    parser.add_argument("step", choices=("topics", "indexes"))
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to keep retrying")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    step: Callable[[], Awaitable[None]]
    if arguments.step == "topics":
        step = functools.partial(
            provision_topics,
            bootstrap_servers=os.environ.get("AGORA_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        )
    else:
        step = functools.partial(
            provision_indexes,
            mongo_url=os.environ.get("AGORA_MONGO_URL", "mongodb://127.0.0.1:27017"),
            database=os.environ["AGORA_MONGO_DATABASE"],
        )
    asyncio.run(retrying(step, timeout_seconds=arguments.timeout))


if __name__ == "__main__":
    main()
