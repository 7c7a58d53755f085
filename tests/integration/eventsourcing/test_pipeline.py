"""Append → outbox relay → Kafka → projection, including crashes at every step."""

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from opentelemetry import trace
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import (
    MongoEventStore,
    OutboxRelay,
    ProjectionCatalog,
    ProjectionRunner,
    RetryPolicy,
)
from agora.eventsourcing.kafka import create_producer
from agora.eventsourcing.lease import MongoLease
from agora.eventsourcing.mongo_store import COMMITS_COLLECTION
from agora.eventsourcing.rebuild import rebuild_projection
from agora.eventsourcing.topics import dead_letter_topic_name
from tests.support.kafka_reading import eventually, read_topic
from tests.support.tally import POISON_AMOUNT, TallyIncremented, TallyOpened, TallyTotals
from tests.support.tracing import recording_exporter

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[3]
Database = AsyncDatabase[dict[str, Any]]


@pytest.fixture
async def store(database: Database) -> MongoEventStore:
    store = MongoEventStore(database=database, source="/agora/test")
    await store.create_indexes()
    return store


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    producer = create_producer(bootstrap_servers=kafka_bootstrap, client_id="test-relay")
    await producer.start()
    yield producer
    await producer.stop()


class RunningTasks:
    """Background relays and runners started by a test, stopped at its end."""

    def __init__(self) -> None:
        self._stoppers: list[tuple[OutboxRelay | ProjectionRunner, asyncio.Task[None]]] = []

    def start(self, worker: OutboxRelay | ProjectionRunner) -> None:
        self._stoppers.append((worker, asyncio.create_task(worker.run())))

    async def stop_all(self) -> None:
        for worker, _ in self._stoppers:
            worker.stop()
        for _, task in self._stoppers:
            await asyncio.wait_for(task, timeout=30)


@pytest.fixture
async def tasks() -> AsyncIterator[RunningTasks]:
    running = RunningTasks()
    yield running
    await running.stop_all()


def relay_for(
    store: MongoEventStore, producer: AIOKafkaProducer, topic: str, database: Database
) -> OutboxRelay:
    lease = MongoLease(database=database, name="relay", owner=OutboxRelay.owner_id())
    return OutboxRelay(store=store, producer=producer, topic=topic, lease=lease, poll_interval=0.1)


async def start_worker(role: str, *options: str) -> asyncio.subprocess.Process:
    """Start ``tests.support.workers`` in its own process."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.workers", role, *options, cwd=REPO_ROOT
    )


async def run_worker(role: str, *options: str) -> int:
    """Run ``tests.support.workers`` to its end; returns its exit code."""
    process = await start_worker(role, *options)
    return await asyncio.wait_for(process.wait(), timeout=60)


async def kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.kill()
    await asyncio.wait_for(process.wait(), timeout=30)


async def totals(database: Database, name: str = "tally_totals") -> dict[str, dict[str, Any]]:
    collection = await ProjectionCatalog(database=database).active_collection(name)
    return {document["_id"]: document async for document in collection.find()}


async def increments_applied(database: Database, name: str = "tally_totals") -> int:
    return sum(doc.get("increments", 0) for doc in (await totals(database, name)).values())


async def test_appended_events_reach_kafka_in_stream_order_as_cloudevents(
    store: MongoEventStore,
    producer: AIOKafkaProducer,
    database: Database,
    event_topic: str,
    kafka_bootstrap: str,
    tasks: RunningTasks,
) -> None:
    streams = [f"tally-order{n}" for n in range(3)]
    tasks.start(relay_for(store, producer, event_topic, database))
    for stream in streams:
        await store.append(stream_id=stream, expected_version=0, events=[TallyOpened(title=stream)])
    for version in range(1, 6):
        for stream in streams:
            await store.append(
                stream_id=stream,
                expected_version=version,
                events=[TallyIncremented(by=version)],
            )
    records = await read_topic(kafka_bootstrap, event_topic, expected=18)
    assert len(records) == 18
    for stream in streams:
        mine = [r for r in records if r.key == stream.encode()]
        assert len({r.partition for r in mine}) == 1  # one stream, one partition
        versions = [json.loads(r.value or b"")["streamversion"] for r in mine]
        assert versions == list(range(1, 7))
    headers = dict(records[0].headers)
    assert headers["content-type"].startswith(b"application/cloudevents+json")
    assert b"traceparent" not in headers or headers["traceparent"].startswith(b"00-")

    async def all_marked() -> bool:
        return await database[COMMITS_COLLECTION].count_documents({"published": False}) == 0

    await eventually(all_marked)


async def test_a_backlog_larger_than_one_database_command_is_published_and_marked(
    store: MongoEventStore,
    producer: AIOKafkaProducer,
    database: Database,
    event_topic: str,
    kafka_bootstrap: str,
    tasks: RunningTasks,
) -> None:
    for n in range(150):
        await store.append(
            stream_id=f"tally-backlog{n}", expected_version=0, events=[TallyOpened(title="b")]
        )
    tasks.start(relay_for(store, producer, event_topic, database))
    assert len(await read_topic(kafka_bootstrap, event_topic, expected=150)) == 150

    async def all_marked() -> bool:
        return await database[COMMITS_COLLECTION].count_documents({"published": False}) == 0

    await eventually(all_marked)


async def test_events_stored_by_a_process_killed_before_sending_are_still_published(
    infra_endpoints: Any,
    store: MongoEventStore,
    producer: AIOKafkaProducer,
    database: Database,
    event_topic: str,
    kafka_bootstrap: str,
    tasks: RunningTasks,
) -> None:
    options = ["--mongo-url", infra_endpoints.mongo_url, "--database", database.name]
    assert (
        await run_worker("append-then-die", *options, "--stream", "tally-crash", "--count", "3")
        == -9
    )
    assert await store.stream_version("tally-crash") == 3

    tasks.start(relay_for(store, producer, event_topic, database))
    records = await read_topic(kafka_bootstrap, event_topic, expected=3)
    versions = [json.loads(r.value or b"")["streamversion"] for r in records]
    assert versions == [1, 2, 3]


async def test_a_relay_killed_after_sending_republishes_and_consumers_apply_once(
    infra_endpoints: Any,
    store: MongoEventStore,
    producer: AIOKafkaProducer,
    database: Database,
    event_topic: str,
    kafka_bootstrap: str,
    tasks: RunningTasks,
) -> None:
    await store.append(stream_id="tally-dup", expected_version=0, events=[TallyOpened(title="d")])
    for version in range(1, 4):
        await store.append(
            stream_id="tally-dup", expected_version=version, events=[TallyIncremented(by=10)]
        )
    options = ["--mongo-url", infra_endpoints.mongo_url, "--database", database.name]
    assert (
        await run_worker(
            "relay-dying-before-marking",
            *options,
            "--kafka",
            kafka_bootstrap,
            "--topic",
            event_topic,
        )
        == -9
    )
    assert len(await read_topic(kafka_bootstrap, event_topic, expected=4)) == 4

    tasks.start(relay_for(store, producer, event_topic, database))
    assert len(await read_topic(kafka_bootstrap, event_topic, expected=8)) == 8  # all twice

    tasks.start(
        ProjectionRunner(
            projection=TallyTotals(name="tally_totals", topics=[event_topic]),
            database=database,
            bootstrap_servers=kafka_bootstrap,
        )
    )
    await eventually(lambda: increments_applied(database), timeout=30)
    await asyncio.sleep(1.0)  # let the duplicates arrive too
    document = (await totals(database))["tally-dup"]
    assert (document["total"], document["increments"], document["title"]) == (30, 3, "d")


async def test_a_consumer_killed_mid_batch_neither_loses_nor_double_applies(
    infra_endpoints: Any,
    store: MongoEventStore,
    producer: AIOKafkaProducer,
    database: Database,
    event_topic: str,
    kafka_bootstrap: str,
    tasks: RunningTasks,
) -> None:
    streams = [f"tally-kill{n}" for n in range(4)]
    expected_total = 0
    for stream in streams:
        for version in range(50):
            await store.append(
                stream_id=stream, expected_version=version, events=[TallyIncremented(by=version)]
            )
            expected_total += version
    tasks.start(relay_for(store, producer, event_topic, database))
    assert len(await read_topic(kafka_bootstrap, event_topic, expected=200)) == 200

    options = [
        "--mongo-url", infra_endpoints.mongo_url, "--database", database.name,
        "--kafka", kafka_bootstrap, "--topic", event_topic,
    ]  # fmt: skip
    slow = await start_worker("run-projection", *options, "--delay", "0.02")
    try:
        await eventually(lambda: _at_least(database, 40), timeout=60)
    finally:
        await kill(slow)
    assert await increments_applied(database) < 200  # it really died mid-way

    restarted = await start_worker("run-projection", *options)
    try:
        await eventually(lambda: _at_least(database, 200), timeout=90)
        await asyncio.sleep(1.0)  # anything redelivered would land now
    finally:
        await kill(restarted)
    documents = await totals(database)
    assert sum(d["increments"] for d in documents.values()) == 200
    assert sum(d["total"] for d in documents.values()) == expected_total


async def _at_least(database: Database, count: int) -> bool:
    return await increments_applied(database) >= count


async def test_a_poison_event_is_dead_lettered_and_does_not_block_its_partition(
    store: MongoEventStore,
    producer: AIOKafkaProducer,
    database: Database,
    event_topic: str,
    kafka_bootstrap: str,
    tasks: RunningTasks,
) -> None:
    stream = "tally-poison"
    await store.append(stream_id=stream, expected_version=0, events=[TallyIncremented(by=1)])
    await store.append(
        stream_id=stream, expected_version=1, events=[TallyIncremented(by=POISON_AMOUNT)]
    )
    tasks.start(relay_for(store, producer, event_topic, database))
    assert len(await read_topic(kafka_bootstrap, event_topic, expected=2)) == 2
    await producer.send_and_wait(event_topic, value=b"not a cloudevent", key=stream.encode())
    await store.append(stream_id=stream, expected_version=2, events=[TallyIncremented(by=2)])

    tasks.start(
        ProjectionRunner(
            projection=TallyTotals(name="tally_totals", topics=[event_topic]),
            database=database,
            bootstrap_servers=kafka_bootstrap,
            retry=RetryPolicy(max_attempts=2, initial_backoff=0.01),
        )
    )
    await eventually(lambda: _at_least(database, 2), timeout=30)
    assert (await totals(database))[stream]["total"] == 3

    dead = await read_topic(kafka_bootstrap, dead_letter_topic_name("tally_totals"), expected=2)
    reasons = sorted(dict(r.headers)[b"agora-dlt-error-type".decode()] for r in dead)
    assert reasons == [b"ValidationError", b"ValueError"]
    for record in dead:
        headers = dict(record.headers)
        assert headers["agora-dlt-topic"] == event_topic.encode()
        assert headers["agora-dlt-projection"] == b"tally_totals"
        assert int(headers["agora-dlt-offset"]) >= 0


async def test_a_rebuilt_read_model_equals_the_live_one_and_takes_over(
    store: MongoEventStore,
    producer: AIOKafkaProducer,
    database: Database,
    event_topic: str,
    kafka_bootstrap: str,
    tasks: RunningTasks,
) -> None:
    for n in range(5):
        stream = f"tally-rebuild{n}"
        await store.append(stream_id=stream, expected_version=0, events=[TallyOpened(title=stream)])
        for version in range(1, 8):
            await store.append(
                stream_id=stream, expected_version=version, events=[TallyIncremented(by=n)]
            )
    tasks.start(relay_for(store, producer, event_topic, database))
    projection = TallyTotals(name="tally_totals", topics=[event_topic])
    tasks.start(
        ProjectionRunner(
            projection=projection, database=database, bootstrap_servers=kafka_bootstrap
        )
    )
    await eventually(lambda: _at_least(database, 35), timeout=30)
    catalog = ProjectionCatalog(database=database)
    live = await catalog.collection("tally_totals", 1).find().sort("_id").to_list()

    generation = await rebuild_projection(
        projection=projection, database=database, bootstrap_servers=kafka_bootstrap
    )
    assert generation == 2
    rebuilt = await catalog.collection("tally_totals", 2).find().sort("_id").to_list()
    assert rebuilt == live
    assert await catalog.active_generation("tally_totals") == 2

    await store.append(
        stream_id="tally-rebuild0", expected_version=8, events=[TallyIncremented(by=100)]
    )
    await eventually(lambda: _at_least(database, 36), timeout=30)
    assert (await totals(database))["tally-rebuild0"]["total"] == 100


async def test_trace_context_survives_the_round_trip_through_kafka(
    store: MongoEventStore,
    producer: AIOKafkaProducer,
    database: Database,
    event_topic: str,
    kafka_bootstrap: str,
    tasks: RunningTasks,
) -> None:
    exporter = recording_exporter()
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("POST /tallies") as request_span:
        await store.append(
            stream_id="tally-trace", expected_version=0, events=[TallyOpened(title="t")]
        )
    trace_id = request_span.get_span_context().trace_id

    tasks.start(relay_for(store, producer, event_topic, database))
    (record,) = await read_topic(kafka_bootstrap, event_topic, expected=1)
    assert dict(record.headers)["traceparent"].decode().split("-")[1] == f"{trace_id:032x}"

    tasks.start(
        ProjectionRunner(
            projection=TallyTotals(name="tally_totals", topics=[event_topic]),
            database=database,
            bootstrap_servers=kafka_bootstrap,
        )
    )
    await eventually(lambda: _has_document(database, "tally-trace"), timeout=30)
    spans = [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id]
    by_kind = {s.kind: s for s in spans}
    publish = by_kind[trace.SpanKind.PRODUCER]
    process = by_kind[trace.SpanKind.CONSUMER]
    assert publish.parent is not None
    assert publish.parent.span_id == request_span.get_span_context().span_id
    assert process.parent is not None
    assert process.parent.span_id == publish.context.span_id


async def _has_document(database: Database, stream: str) -> bool:
    return stream in await totals(database)
