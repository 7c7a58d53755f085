"""The pipeline: current departments, poison events, a single writer."""

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer

from agora.eventsourcing.topics import dead_letter_topic_name
from agora.metrics.app import pipeline_config
from agora.metrics.runner import MetricsRunner
from tests.metrics.harness import MetricsApi, World, at, values

pytestmark = pytest.mark.integration

WEEK_46 = {"from": "2026-11-09", "to": "2026-11-15", "granularity": "week"}


async def test_a_person_who_changes_department_takes_their_history_along(
    api: MetricsApi, world: World
) -> None:
    mover, *_ = await world.people(6, "Support")
    await world.people(6, "Ops")
    await world.visit(mover, "2026-11-10")
    await world.post(mover, None, moment=at("2026-11-10"))
    await api.settled()
    before = values(await api.dashboard("/org/activity", department="Support", **WEEK_46))

    await world.card(mover, "Ops", moment=at("2026-11-20"))
    await api.settled()

    support = values(await api.dashboard("/org/activity", department="Support", **WEEK_46))
    ops = values(await api.dashboard("/org/activity", department="Ops", **WEEK_46))
    assert before["posts"] == [1]
    assert support["posts"] == [0]
    assert support["active"] == [0]
    assert support["registered"] == [5]
    assert ops["posts"] == [1]
    assert ops["active"] == [1]
    assert ops["registered"] == [7]


async def test_an_undecodable_event_is_dead_lettered_and_the_rest_applied(
    api: MetricsApi, world: World
) -> None:
    people = await world.people(5, "R&D")
    await world.send_bytes(api.settings.feed_topic, value=b"{not json", key=b"post-broken")
    await world.post(people[0], None, moment=at("2026-11-10"))
    await api.settled()

    figures = values(await api.dashboard("/org/activity", **WEEK_46))
    consumer = AIOKafkaConsumer(
        dead_letter_topic_name(api.settings.projection_name),
        bootstrap_servers=api.settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        group_id=None,
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=5000)
    finally:
        await consumer.stop()

    assert figures["posts"] == [1]
    dead = [record for records in batch.values() for record in records]
    assert [record.value for record in dead] == [b"{not json"]


async def test_one_process_writes_at_a_time(api: MetricsApi, world: World) -> None:
    first: MetricsRunner = api.app.state.runner
    second = MetricsRunner(config=pipeline_config(api.settings), database=api.database)
    task = asyncio.create_task(second.run())
    try:
        people = await world.people(5, "R&D")
        for person in people:
            await world.visit(person, "2026-11-10")
        await api.settled()
        await asyncio.sleep(1.0)

        assert first.writing != second.writing, "exactly one process holds the lease"
        figures = values(
            await api.dashboard(
                "/org/activity", **{"from": "2026-11-10", "to": "2026-11-10", "granularity": "day"}
            )
        )
        assert figures["active"] == [5]
    finally:
        second.stop()
        await asyncio.wait_for(task, timeout=30)
