"""Processes that the crash tests start and kill: ``python -m tests.support.workers <role> ...``.

Each role prints ``ready`` once it is running, so a test knows when to act.
"""

import argparse
import asyncio
import os
import signal
import sys
from typing import Any

from pymongo import AsyncMongoClient

from agora.eventsourcing import ApplyOrder, MongoEventStore, OutboxRelay, ProjectionRunner
from agora.eventsourcing.kafka import create_producer
from agora.eventsourcing.lease import MongoLease
from tests.support.tally import TallyIncremented, TallyTotals


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class _RelayDyingBeforeMarking(OutboxRelay):
    async def _mark_published(self, commits: list[dict[str, Any]]) -> None:
        _die()


async def append_then_die(args: argparse.Namespace) -> None:
    """Store events, then die before any relay could send them."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(args.mongo_url)
    store = MongoEventStore(database=client[args.database], source="/agora/test")
    await store.create_indexes()
    for number in range(args.count):
        await store.append(
            stream_id=args.stream,
            expected_version=number,
            events=[TallyIncremented(by=number + 1)],
        )
    _die()


async def relay_dying_before_marking(args: argparse.Namespace) -> None:
    """Publish pending commits to Kafka, then die before marking them published."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(args.mongo_url)
    database = client[args.database]
    producer = create_producer(bootstrap_servers=args.kafka, client_id="dying-relay")
    await producer.start()
    relay = _RelayDyingBeforeMarking(
        store=MongoEventStore(database=database, source="/agora/test"),
        producer=producer,
        topic=args.topic,
        lease=MongoLease(database=database, name="relay", owner="dying"),
    )
    await relay.publish_pending()


async def run_projection(args: argparse.Namespace) -> None:
    """Run the tally projection until killed."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(args.mongo_url)
    runner = ProjectionRunner(
        projection=TallyTotals(
            name=args.name,
            topics=[args.topic],
            apply_delay=args.delay,
            order=ApplyOrder(args.order),
        ),
        database=client[args.database],
        bootstrap_servers=args.kafka,
    )
    print("ready", flush=True)
    await runner.run()


ROLES = {
    "append-then-die": append_then_die,
    "relay-dying-before-marking": relay_dying_before_marking,
    "run-projection": run_projection,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=sorted(ROLES))
    parser.add_argument("--mongo-url", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--kafka", default="")
    parser.add_argument("--topic", default="")
    parser.add_argument("--stream", default="")
    parser.add_argument("--name", default="tally_totals")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--order", choices=[order.value for order in ApplyOrder], default="log")
    args = parser.parse_args()
    asyncio.run(ROLES[args.role](args))
    sys.exit(0)


if __name__ == "__main__":
    main()
