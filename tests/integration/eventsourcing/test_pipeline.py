"""Append → outbox relay → Kafka → projection, including crashes at every step."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import ApplyOrder, MongoEventStore, ProjectionCatalog, RetryPolicy
from agora.eventsourcing.kafka import create_producer
from agora.eventsourcing.lease import MongoLease
from agora.eventsourcing.rebuild import rebuild_projection
from agora.eventsourcing.runner import STREAMS_AT_ONCE, consumer_group
from agora.eventsourcing.topics import dead_letter_topic_name
from agora.localinfra import InfraEndpoints
from tests.integration.eventsourcing.pipeline import Pipeline, kill
from tests.support.kafka_reading import committed_to_end, eventually, read_topic
from tests.support.tally import POISON_AMOUNT, TallyIncremented, TallyOpened
from tests.support.tracing import recording_exporter

pytestmark = pytest.mark.integration


@pytest.fixture
async def pipeline(
    database: AsyncDatabase[dict[str, Any]], event_topic: str, infra_endpoints: InfraEndpoints
) -> AsyncIterator[Pipeline]:
    store = MongoEventStore(database=database, source="/agora/test")
    await store.create_indexes()
    producer = create_producer(
        bootstrap_servers=infra_endpoints.kafka_bootstrap, client_id="test-relay"
    )
    await producer.start()
    pipeline = Pipeline(
        store=store,
        producer=producer,
        database=database,
        topic=event_topic,
        kafka=infra_endpoints.kafka_bootstrap,
        mongo_url=infra_endpoints.mongo_url,
    )
    yield pipeline
    await pipeline.stop()
    await producer.stop()


def versions(records: list[Any]) -> list[int]:
    return [json.loads(record.value)["streamversion"] for record in records]


async def test_appended_events_reach_kafka_in_stream_order_as_cloudevents(
    pipeline: Pipeline,
) -> None:
    streams = [f"tally-order{n}" for n in range(3)]
    pipeline.start_relay()
    for stream in streams:
        await pipeline.store.append(
            stream_id=stream, expected_version=0, events=[TallyOpened(title=stream)]
        )
    for version in range(1, 6):
        for stream in streams:
            await pipeline.increments(stream, [version], start_version=version)
    records = await pipeline.records(expected=18)
    assert len(records) == 18
    for stream in streams:
        mine = [r for r in records if r.key == stream.encode()]
        assert len({r.partition for r in mine}) == 1  # one stream, one partition
        assert versions(mine) == list(range(1, 7))
    headers = dict(records[0].headers)
    assert headers["content-type"].startswith(b"application/cloudevents+json")
    await pipeline.wait_until_all_marked()


async def test_a_backlog_larger_than_one_database_command_is_published_and_marked(
    pipeline: Pipeline,
) -> None:
    for n in range(150):
        await pipeline.store.append(
            stream_id=f"tally-backlog{n}", expected_version=0, events=[TallyOpened(title="b")]
        )
    pipeline.start_relay()
    assert len(await pipeline.records(expected=150)) == 150
    await pipeline.wait_until_all_marked()


async def test_a_commit_found_by_id_waits_for_its_unpublished_predecessor(
    pipeline: Pipeline,
) -> None:
    other_process = MongoEventStore(database=pipeline.database, source="/agora/test")
    pipeline.start_relay(catch_up_interval=3600)  # only its first round scans
    await pipeline.wait_until_all_marked()
    await asyncio.sleep(0.3)  # the start-up scan is over
    await other_process.append(
        stream_id="tally-pred", expected_version=0, events=[TallyOpened(title="p")]
    )
    await pipeline.store.append(
        stream_id="tally-pred", expected_version=1, events=[TallyIncremented(by=1)]
    )
    assert versions(await pipeline.records(expected=2)) == [1, 2]
    await pipeline.wait_until_all_marked()


async def test_a_relay_starting_without_the_lease_still_publishes_what_was_left(
    pipeline: Pipeline,
) -> None:
    holder = MongoLease(
        database=pipeline.database, name="relay", owner="a-live-peer", ttl=timedelta(hours=1)
    )
    assert await holder.acquire()
    dead_process = MongoEventStore(database=pipeline.database, source="/agora/test")
    await dead_process.append(
        stream_id="tally-left", expected_version=0, events=[TallyOpened(title="l")]
    )
    pipeline.start_relay(catch_up_interval=3600)  # only its start-up scan can find it
    assert versions(await pipeline.records(expected=1)) == [1]
    await pipeline.wait_until_all_marked()


async def test_a_stalled_catch_up_scan_does_not_hold_up_this_process_s_commits(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan_started, scan_released = asyncio.Event(), asyncio.Event()

    async def stalled_scan() -> list[dict[str, Any]]:
        scan_started.set()
        await scan_released.wait()  # as a full scan of a large store on FerretDB
        return []

    relay = pipeline.start_relay()
    monkeypatch.setattr(relay, "_catch_up_candidates", stalled_scan)
    await asyncio.wait_for(scan_started.wait(), timeout=30)
    await pipeline.store.append(
        stream_id="tally-own", expected_version=0, events=[TallyOpened(title="o")]
    )
    assert versions(await pipeline.records(expected=1)) == [1]
    await pipeline.wait_until_all_marked()
    scan_released.set()


async def test_the_catch_up_scan_publishes_what_other_processes_stored(
    pipeline: Pipeline,
) -> None:
    other_process = MongoEventStore(database=pipeline.database, source="/agora/test")
    pipeline.start_relay(catch_up_interval=0.2)
    await pipeline.wait_until_all_marked()
    await other_process.append(
        stream_id="tally-other", expected_version=0, events=[TallyOpened(title="o")]
    )
    assert versions(await pipeline.records(expected=1)) == [1]
    await pipeline.wait_until_all_marked()


async def test_events_stored_by_a_process_killed_before_sending_are_still_published(
    pipeline: Pipeline,
) -> None:
    exit_code = await pipeline.run_process(
        "append-then-die", "--stream", "tally-crash", "--count", "3"
    )
    assert exit_code == -9
    assert await pipeline.store.stream_version("tally-crash") == 3

    pipeline.start_relay()
    assert versions(await pipeline.records(expected=3)) == [1, 2, 3]


async def test_a_relay_killed_after_sending_republishes_and_consumers_apply_once(
    pipeline: Pipeline,
) -> None:
    await pipeline.store.append(
        stream_id="tally-dup", expected_version=0, events=[TallyOpened(title="d")]
    )
    await pipeline.increments("tally-dup", [10, 10, 10], start_version=1)
    assert await pipeline.run_process("relay-dying-before-marking") == -9
    assert len(await pipeline.records(expected=4)) == 4

    pipeline.start_relay()
    assert len(await pipeline.records(expected=8)) == 8  # every event twice

    pipeline.start_projection()
    await pipeline.wait_for_increments(3)
    await asyncio.sleep(1.0)  # let the duplicates arrive too
    document = (await pipeline.totals())["tally-dup"]
    assert (document["total"], document["increments"], document["title"]) == (30, 3, "d")


@pytest.mark.parametrize("order", list(ApplyOrder))
async def test_a_consumer_killed_mid_batch_neither_loses_nor_double_applies(
    pipeline: Pipeline, order: ApplyOrder
) -> None:
    pipeline.order = order
    streams = [f"tally-kill{n}" for n in range(4)]
    for stream in streams:
        await pipeline.increments(stream, list(range(50)))
    expected_total = len(streams) * sum(range(50))
    pipeline.start_relay()
    assert len(await pipeline.records(expected=200)) == 200

    slow = await pipeline.start_process("run-projection", "--delay", "0.02")
    try:
        await pipeline.wait_for_increments(40, timeout=60)
    finally:
        await kill(slow)
    assert await pipeline.increments_applied() < 200  # it really died mid-way

    restarted = await pipeline.start_process("run-projection")
    try:
        await pipeline.wait_for_increments(200, timeout=90)
        await asyncio.sleep(1.0)  # anything redelivered would land now
    finally:
        await kill(restarted)
    documents = await pipeline.totals()
    assert sum(d["increments"] for d in documents.values()) == 200
    assert sum(d["total"] for d in documents.values()) == expected_total


@pytest.mark.parametrize("order", list(ApplyOrder))
async def test_a_poison_event_is_dead_lettered_and_does_not_block_its_partition(
    pipeline: Pipeline, order: ApplyOrder
) -> None:
    pipeline.order = order
    stream = "tally-poison"
    await pipeline.increments(stream, [1, POISON_AMOUNT])
    pipeline.start_relay()
    assert len(await pipeline.records(expected=2)) == 2
    await pipeline.producer.send_and_wait(
        pipeline.topic, value=b"not a cloudevent", key=stream.encode()
    )
    await pipeline.increments(stream, [2], start_version=2)

    pipeline.start_projection(RetryPolicy(max_attempts=2, initial_backoff=0.01))
    await pipeline.wait_for_increments(2)
    assert (await pipeline.totals())[stream]["total"] == 3

    dead = await read_topic(
        pipeline.kafka, dead_letter_topic_name(pipeline.projection_name), expected=2
    )
    reasons = sorted(dict(r.headers)["agora-dlt-error-type"] for r in dead)
    assert reasons == [b"ValidationError", b"ValueError"]
    for record in dead:
        headers = dict(record.headers)
        assert headers["agora-dlt-topic"] == pipeline.topic.encode()
        assert headers["agora-dlt-projection"] == pipeline.projection_name.encode()
        assert int(headers["agora-dlt-offset"]) >= 0


@pytest.mark.parametrize("order", list(ApplyOrder))
async def test_a_rebuilt_read_model_equals_the_live_one_and_takes_over(
    pipeline: Pipeline, order: ApplyOrder
) -> None:
    pipeline.order = order
    for n in range(5):
        stream = f"tally-rebuild{n}"
        await pipeline.store.append(
            stream_id=stream, expected_version=0, events=[TallyOpened(title=stream)]
        )
        await pipeline.increments(stream, [n] * 7, start_version=1)
    pipeline.start_relay()
    pipeline.start_projection()
    await pipeline.wait_for_increments(35)
    catalog = ProjectionCatalog(database=pipeline.database)
    live = await catalog.collection(pipeline.projection_name, 1).find().sort("_id").to_list()

    generation = await rebuild_projection(
        projection=pipeline.projection(),
        database=pipeline.database,
        bootstrap_servers=pipeline.kafka,
    )
    assert generation == 2
    rebuilt = await catalog.collection(pipeline.projection_name, 2).find().sort("_id").to_list()
    assert rebuilt == live
    assert await catalog.active_generation(pipeline.projection_name) == 2

    # The live runner follows the switch and goes on from where the rebuild stopped.
    await pipeline.increments("tally-rebuild0", [100], start_version=8)
    await pipeline.wait_for_increments(36)
    assert (await pipeline.totals())["tally-rebuild0"]["total"] == 100


async def test_a_stream_ordered_projection_applies_streams_side_by_side_each_in_order(
    pipeline: Pipeline,
) -> None:
    streams = [f"tally-side{n}" for n in range(12)]
    for stream in streams:
        await pipeline.increments(stream, [1] * 10)
    pipeline.start_relay()
    assert len(await pipeline.records(expected=120)) == 120

    pipeline.order = ApplyOrder.STREAM
    projection = pipeline.start_projection(apply_delay=0.005)
    await pipeline.wait_for_increments(120)

    assert 1 < projection.most_applying <= STREAMS_AT_ONCE
    for stream in streams:
        applied = [version for name, version in projection.applied_order if name == stream]
        assert applied == list(range(1, 11))
    assert {name: d["total"] for name, d in (await pipeline.totals()).items()} == dict.fromkeys(
        streams, 10
    )


async def test_a_log_ordered_projection_applies_one_event_at_a_time(pipeline: Pipeline) -> None:
    streams = [f"tally-log{n}" for n in range(4)]
    for stream in streams:
        await pipeline.increments(stream, [1] * 5)
    pipeline.start_relay()
    assert len(await pipeline.records(expected=20)) == 20

    projection = pipeline.start_projection(apply_delay=0.005)
    await pipeline.wait_for_increments(20)

    assert projection.most_applying == 1


@pytest.mark.parametrize("order", list(ApplyOrder))
async def test_what_a_runner_applied_is_committed_once_the_events_stop(
    pipeline: Pipeline, order: ApplyOrder
) -> None:
    pipeline.order = order
    for n in range(6):
        await pipeline.increments(f"tally-commit{n}", [1] * 10)
    pipeline.start_relay()
    pipeline.start_projection()
    await pipeline.wait_for_increments(60)

    group = consumer_group(pipeline.projection_name, 1)

    async def all_committed() -> bool:
        return await committed_to_end(pipeline.kafka, group, [pipeline.topic])

    await eventually(all_committed)


async def test_trace_context_survives_the_round_trip_through_kafka(pipeline: Pipeline) -> None:
    exporter = recording_exporter()
    with trace.get_tracer("test").start_as_current_span("POST /tallies") as request_span:
        await pipeline.store.append(
            stream_id="tally-trace", expected_version=0, events=[TallyOpened(title="t")]
        )
    request = request_span.get_span_context()

    pipeline.start_relay()
    (record,) = await pipeline.records(expected=1)
    assert dict(record.headers)["traceparent"].decode().split("-")[1] == f"{request.trace_id:032x}"

    pipeline.start_projection()

    def spans_by_kind() -> dict[trace.SpanKind, ReadableSpan]:
        finished = exporter.get_finished_spans()
        return {s.kind: s for s in finished if s.context.trace_id == request.trace_id}

    async def projected() -> bool:
        # The consumer's span ends after the projection's write is acknowledged.
        applied = "tally-trace" in await pipeline.totals()
        return applied and trace.SpanKind.CONSUMER in spans_by_kind()

    await eventually(projected)
    by_kind = spans_by_kind()
    publish = by_kind[trace.SpanKind.PRODUCER]
    process = by_kind[trace.SpanKind.CONSUMER]
    assert publish.parent is not None
    assert publish.parent.span_id == request.span_id
    assert process.parent is not None
    assert process.parent.span_id == publish.context.span_id


async def test_an_event_appended_for_a_stream_keeps_its_envelope_through_kafka(
    pipeline: Pipeline,
) -> None:
    result = await pipeline.store.append(
        stream_id="tally-envelope",
        expected_version=0,
        events=[TallyIncremented(by=7, note="Café ☕")],
        actor="person-42",
        command_id="cmd-envelope",
    )
    pipeline.start_relay()
    (record,) = await pipeline.records(expected=1)
    published = json.loads(record.value or b"")
    assert published == json.loads(result.events[0].to_json_bytes())
    assert published["data"] == {"by": 7, "note": "Café ☕"}
    assert published["actor"] == "person-42"
    assert published["commandid"] == "cmd-envelope"
