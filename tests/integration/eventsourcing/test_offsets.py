"""When a consumer's applied offsets are committed (``PendingOffsets``), on a real broker."""

import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from agora.eventsourcing.kafka import create_consumer, create_producer
from agora.eventsourcing.offsets import PendingOffsets
from agora.eventsourcing.runner import LagOnRevoke
from agora.eventsourcing.topics import topic_partitions

pytestmark = pytest.mark.integration


class Clock:
    """A timer the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def partitions(kafka_bootstrap: str, event_topic: str) -> list[TopicPartition]:
    """The test topic's three partitions, five records in each."""
    found = sorted(
        await topic_partitions(bootstrap_servers=kafka_bootstrap, topics=[event_topic]),
        key=lambda partition: partition.partition,
    )
    producer = create_producer(bootstrap_servers=kafka_bootstrap, client_id="test-offsets")
    await producer.start()
    try:
        for partition in found:
            for n in range(5):
                await producer.send_and_wait(
                    event_topic, value=f"{n}".encode(), partition=partition.partition
                )
    finally:
        await producer.stop()
    return found


@pytest.fixture
async def consumer(
    kafka_bootstrap: str, partitions: list[TopicPartition]
) -> AsyncIterator[AIOKafkaConsumer]:
    consumer = create_consumer(
        bootstrap_servers=kafka_bootstrap,
        group_id=f"test-offsets-{uuid.uuid4().hex[:8]}",
        client_id="test-offsets",
    )
    await consumer.start()
    consumer.assign(partitions)
    yield consumer
    await consumer.stop()


async def committed(consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> list[int]:
    """Each partition's committed offset, -1 for none."""
    return [await consumer.committed(partition) or -1 for partition in partitions]


async def test_applied_offsets_are_committed_once_the_interval_has_passed(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition]
) -> None:
    clock = Clock()
    offsets = PendingOffsets(consumer, interval=1.0, timer=clock)
    first, second, _ = partitions

    offsets.applied({first: 2})
    clock.now += 0.5
    await offsets.commit_if_due()
    assert await committed(consumer, partitions) == [-1, -1, -1]

    offsets.applied({first: 4, second: 1})  # later polls: the newest offset counts
    clock.now += 0.5
    await offsets.after_poll(brought_records=True)
    assert await committed(consumer, partitions) == [4, 1, -1]
    assert offsets.pending == {}

    offsets.applied({second: 5})
    await offsets.commit_if_due()  # the interval starts again at each commit
    assert await committed(consumer, partitions) == [4, 1, -1]
    await offsets.after_poll(brought_records=False)  # a quiet poll commits at once
    assert await committed(consumer, partitions) == [4, 5, -1]


async def test_a_revocation_commits_the_revoked_partitions_and_forgets_them(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition]
) -> None:
    offsets = PendingOffsets(consumer, interval=3600.0)
    first, second, third = partitions
    offsets.applied({first: 3, second: 2, third: 5})

    await LagOnRevoke("test_offsets", offsets).on_partitions_revoked({second, third})

    assert await committed(consumer, partitions) == [-1, 2, 5]
    assert offsets.pending == {first: 3}
    await offsets.commit_on_leaving()
    assert await committed(consumer, partitions) == [3, 2, 5]
    assert offsets.pending == {}
