"""The metrics projection's worker: one writer, following the active generation.

Every document of the read model must have a single writer (FerretDB's updates are not atomic
against each other, and a flush writes organisation-wide buckets), so the worker first takes a
lease; a second process waits until the first is gone. It then consumes into the active
generation and switches when a rebuild activates a new one, continuing from the position the
rebuild reached.
"""

import asyncio
import logging
import time
import uuid
from datetime import timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import ProjectionCatalog
from agora.eventsourcing.kafka import create_producer
from agora.eventsourcing.lease import MongoLease
from agora.eventsourcing.topics import dead_letter_topic, ensure_topics
from agora.metrics.pipeline import Pipeline, PipelineConfig, Restart, sleep_backoff

logger = logging.getLogger(__name__)

LEASE_TTL = timedelta(seconds=30)
LEASE_RENEW_SECONDS = 5.0
GENERATION_CHECK_SECONDS = 2.0


class MetricsRunner:
    """Runs the metrics pipeline while this process holds the projection's lease."""

    def __init__(self, *, config: PipelineConfig, database: AsyncDatabase[dict[str, Any]]) -> None:
        self._config = config
        self._database = database
        self._catalog = ProjectionCatalog(database=database)
        self._stopping = asyncio.Event()
        self._owner = f"metrics-{uuid.uuid4().hex[:12]}"
        self._lease = MongoLease(
            database=database,
            name=f"projection:{config.name}",
            owner=self._owner,
            ttl=LEASE_TTL,
        )
        self._skipped: set[tuple[str, int, int]] = set()
        self.pipeline: Pipeline | None = None
        self.writing = False
        """Whether this process holds the lease and is writing the read model now."""

    def stop(self) -> None:
        """Ask ``run`` to flush what it applied and return."""
        self._stopping.set()

    async def run(self) -> None:
        """Consume until ``stop``; restarts from the last flush after any failure."""
        await ensure_topics(
            bootstrap_servers=self._config.bootstrap_servers,
            topics=[dead_letter_topic(self._config.name)],
        )
        producer = create_producer(
            bootstrap_servers=self._config.bootstrap_servers, client_id=f"{self._owner}-dlt"
        )
        await producer.start()
        attempt = 0
        try:
            while not self._stopping.is_set():
                if not await self._lease.acquire():
                    await self._pause(LEASE_RENEW_SECONDS)
                    continue
                try:
                    await self._consume(producer)
                    attempt = 0
                except Restart as restart:
                    logger.warning("metrics projection restarts from its last flush: %s", restart)
                    attempt += 1
                    await sleep_backoff(attempt)
                except Exception:
                    # Kafka or the database unreachable, timeouts: whatever was applied in
                    # memory is dropped with the pipeline, and the next one starts again from
                    # the last flush. A worker that died here would stop every indicator.
                    logger.exception("metrics projection failed; restarting from its last flush")
                    attempt += 1
                    await sleep_backoff(attempt)
        finally:
            await producer.stop()
            await self._lease.release()

    async def _consume(self, producer: Any) -> None:
        generation = await self._catalog.active_generation(self._config.name)
        pipeline = Pipeline(
            config=self._config,
            database=self._database,
            generation=generation,
            dead_letters=producer,
            skipped=self._skipped,
            client_id=self._owner,
        )
        self.pipeline = pipeline
        self.writing = True
        await pipeline.open()
        logger.info("metrics projection consuming generation %d", generation)
        renew_at = time.monotonic() + LEASE_RENEW_SECONDS
        check_at = time.monotonic() + GENERATION_CHECK_SECONDS
        try:
            while not self._stopping.is_set():
                await pipeline.step()
                now = time.monotonic()
                if now >= renew_at:
                    renew_at = now + LEASE_RENEW_SECONDS
                    if not await self._lease.acquire():
                        logger.warning("metrics projection lost its lease; stopping to write")
                        return
                if now >= check_at:
                    check_at = now + GENERATION_CHECK_SECONDS
                    if await self._catalog.active_generation(self._config.name) != generation:
                        await pipeline.flush()
                        logger.info("metrics projection: a new generation is active")
                        return
            await pipeline.flush()
        finally:
            self.writing = False
            await pipeline.close()

    async def _pause(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except TimeoutError:
            return
