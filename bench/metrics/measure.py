"""The three measurements: raw consumption, the projection, and dashboard queries."""

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import EventEnvelope
from agora.eventsourcing.kafka import create_producer
from agora.eventsourcing.topics import topic_partitions
from agora.metrics.app import create_app, pipeline_config
from agora.metrics.pipeline import (
    FETCH_MAX_BYTES,
    MAX_PARTITION_FETCH_BYTES,
    MAX_POLL_RECORDS,
    Pipeline,
)
from agora.metrics.rebuild import end_offsets, reached
from agora.metrics.settings import MetricsSettings
from agora.testing.identity import TestIdentityProvider
from bench.stats import Distribution, distribution


@dataclass(frozen=True)
class Consumption:
    """Records read and the seconds it took."""

    records: int
    seconds: float

    @property
    def rate(self) -> float:
        """Records per second."""
        return self.records / self.seconds


async def raw_consumption(settings: MetricsSettings, *, parse: bool) -> Consumption:
    """Read every consumed topic from its beginning with a bare consumer configured like the
    projection's (``parse``: also decode each envelope, as the projection must)."""
    partitions = await topic_partitions(
        bootstrap_servers=settings.kafka_bootstrap_servers, topics=settings.topics
    )
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
        max_poll_records=MAX_POLL_RECORDS,
        fetch_max_bytes=FETCH_MAX_BYTES,
        max_partition_fetch_bytes=MAX_PARTITION_FETCH_BYTES,
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        total = sum(ends.values())
        started = time.perf_counter()
        read = 0
        while read < total:
            batches = await consumer.getmany(timeout_ms=500, max_records=MAX_POLL_RECORDS)
            for records in batches.values():
                read += len(records)
                if parse:
                    for record in records:
                        EventEnvelope.from_json_bytes(record.value or b"")
        return Consumption(records=read, seconds=time.perf_counter() - started)
    finally:
        await consumer.stop()


async def projection(
    settings: MetricsSettings, database: AsyncDatabase[dict[str, Any]]
) -> tuple[Consumption, int]:
    """Project every topic into a fresh read model with the service's own pipeline, until it
    has caught up and flushed; returns the consumption and the number of flushes."""
    producer = create_producer(
        bootstrap_servers=settings.kafka_bootstrap_servers, client_id="bench-metrics-dlt"
    )
    await producer.start()
    pipeline = Pipeline(
        config=pipeline_config(settings),
        database=database,
        generation=1,
        dead_letters=producer,
        client_id="bench-metrics",
    )
    try:
        started = time.perf_counter()
        # As `python -m agora.metrics.rebuild` replays: to the ends found at its start.
        ends = await end_offsets(pipeline.config)
        await pipeline.open()
        while not reached(pipeline, ends):
            await pipeline.step()
        await pipeline.flush()
        seconds = time.perf_counter() - started
        records = sum(pipeline.positions().values())
        return Consumption(records=records, seconds=seconds), pipeline.flushes()
    finally:
        await pipeline.close()
        await producer.stop()


@dataclass(frozen=True)
class QueryTiming:
    """One dashboard query, timed ``count`` times."""

    name: str
    path: str
    params: dict[str, str]
    latency: Distribution
    response_bytes: int


async def dashboard_queries(
    settings: MetricsSettings, queries: Sequence[tuple[str, str, dict[str, str]]], count: int
) -> list[QueryTiming]:
    """Time each query through the real API (ASGI, in process), one after the other."""
    identity = TestIdentityProvider()
    api_settings = settings.model_copy(
        update={**identity.auth_settings(), "process_role": "api", "log_level": "WARNING"}
    )
    year_end = datetime(2026, 12, 31, 23, tzinfo=UTC)
    app = create_app(settings=api_settings, clock=lambda: year_end)
    headers = identity.headers("bench-analyst", roles=("analyst",))
    timings: list[QueryTiming] = []
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client,
    ):
        for name, path, params in queries:
            size = 0
            for _ in range(3):  # warm-up
                response = await client.get(path, params=params, headers=headers)
                response.raise_for_status()
                size = len(response.content)
            seconds: list[float] = []
            for _ in range(count):
                started = time.perf_counter()
                response = await client.get(path, params=params, headers=headers)
                seconds.append(time.perf_counter() - started)
                response.raise_for_status()
            timings.append(
                QueryTiming(
                    name=name,
                    path=path,
                    params=params,
                    latency=distribution(seconds),
                    response_bytes=size,
                )
            )
    return timings


async def collection_sizes(
    database: AsyncDatabase[dict[str, Any]], names: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Documents and bytes of each collection (as the server reports them)."""
    sizes: dict[str, dict[str, int]] = {}
    for name in names:
        try:
            stats = await database.command("collStats", name)
        except Exception as error:
            print(f"[bench.metrics] no sizes for {name}: {error!r}", file=sys.stderr)
            continue
        sizes[name] = {"documents": int(stats.get("count", 0)), "bytes": int(stats.get("size", 0))}
    return sizes
