"""A store, a relay, projections and worker processes wired to one test's database and topic."""

import asyncio
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import (
    ApplyOrder,
    MongoEventStore,
    OutboxRelay,
    ProjectionCatalog,
    ProjectionRunner,
    RetryPolicy,
)
from agora.eventsourcing.lease import MongoLease
from agora.eventsourcing.mongo_store import COMMITS_COLLECTION
from tests.support.kafka_reading import eventually, read_topic
from tests.support.tally import TallyIncremented, TallyTotals

REPO_ROOT = Path(__file__).resolve().parents[3]
Database = AsyncDatabase[dict[str, Any]]
Worker = OutboxRelay | ProjectionRunner


@dataclass
class Pipeline:
    """Everything one pipeline test touches; background workers stop when the test ends."""

    store: MongoEventStore
    producer: AIOKafkaProducer
    database: Database
    topic: str
    kafka: str
    mongo_url: str
    projection_name: str = field(default_factory=lambda: f"tally_totals_{uuid.uuid4().hex[:8]}")
    """Unique per test, so each test has its own consumer groups and dead-letter topic."""
    order: ApplyOrder = ApplyOrder.LOG
    """How the tally projection's runners apply a topic's records."""
    _running: list[tuple[Worker, "asyncio.Task[None]"]] = field(default_factory=list)

    def start(self, worker: Worker) -> Worker:
        self._running.append((worker, asyncio.create_task(worker.run())))
        return worker

    def start_relay(self, catch_up_interval: float = 5.0) -> OutboxRelay:
        lease = MongoLease(database=self.database, name="relay", owner=OutboxRelay.owner_id())
        relay = OutboxRelay(
            store=self.store,
            producer=self.producer,
            topic=self.topic,
            lease=lease,
            poll_interval=0.1,
            catch_up_interval=catch_up_interval,
        )
        self.start(relay)
        return relay

    def projection(self, apply_delay: float = 0.0) -> TallyTotals:
        return TallyTotals(
            name=self.projection_name,
            topics=[self.topic],
            apply_delay=apply_delay,
            order=self.order,
        )

    def start_projection(
        self, retry: RetryPolicy | None = None, apply_delay: float = 0.0
    ) -> TallyTotals:
        projection = self.projection(apply_delay)
        self.start(
            ProjectionRunner(
                projection=projection,
                database=self.database,
                bootstrap_servers=self.kafka,
                retry=retry or RetryPolicy(),
            )
        )
        return projection

    async def stop(self) -> None:
        for worker, _ in self._running:
            worker.stop()
        for _, task in self._running:
            await asyncio.wait_for(task, timeout=30)

    async def increments(self, stream: str, amounts: list[int], *, start_version: int = 0) -> None:
        for offset, amount in enumerate(amounts):
            await self.store.append(
                stream_id=stream,
                expected_version=start_version + offset,
                events=[TallyIncremented(by=amount)],
            )

    async def records(self, expected: int) -> list[ConsumerRecord[bytes, bytes]]:
        return await read_topic(self.kafka, self.topic, expected=expected)

    async def totals(self) -> dict[str, dict[str, Any]]:
        catalog = ProjectionCatalog(database=self.database)
        collection = await catalog.active_collection(self.projection_name)
        return {document["_id"]: document async for document in collection.find()}

    async def increments_applied(self) -> int:
        return sum(document.get("increments", 0) for document in (await self.totals()).values())

    async def wait_for_increments(self, count: int, timeout: float = 30.0) -> None:
        async def enough() -> bool:
            return await self.increments_applied() >= count

        await eventually(enough, timeout=timeout)

    async def wait_until_all_marked(self) -> None:
        async def all_marked() -> bool:
            commits = self.database[COMMITS_COLLECTION]
            return await commits.count_documents({"published": False}) == 0

        await eventually(all_marked)

    def worker_options(self) -> list[str]:
        return [
            "--mongo-url", self.mongo_url, "--database", self.database.name,
            "--kafka", self.kafka, "--topic", self.topic, "--name", self.projection_name,
            "--order", self.order.value,
        ]  # fmt: skip

    async def start_process(self, role: str, *options: str) -> asyncio.subprocess.Process:
        """Start ``tests.support.workers <role>`` in its own process."""
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.support.workers", role,
            *self.worker_options(), *options, cwd=REPO_ROOT,
        )  # fmt: skip

    async def run_process(self, role: str, *options: str) -> int:
        """Run a worker process to its end; returns its exit code."""
        process = await self.start_process(role, *options)
        return await asyncio.wait_for(process.wait(), timeout=60)


async def kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.kill()
    await asyncio.wait_for(process.wait(), timeout=30)
