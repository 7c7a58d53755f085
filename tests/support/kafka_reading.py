"""Reading a topic from the beginning without a consumer group, for assertions."""

import asyncio
import time
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord, TopicPartition


async def read_topic(
    bootstrap: str, topic: str, *, expected: int, timeout: float = 30.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of ``topic`` once at least ``expected`` arrived (or the timeout passed)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    deadline = time.monotonic() + timeout
    try:
        while len(records) < expected and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                records.extend(batch)
        # Give a straggler (a duplicate, say) a moment to show up too.
        await asyncio.sleep(0.3)
        for batch in (await consumer.getmany(timeout_ms=200)).values():
            records.extend(batch)
    finally:
        await consumer.stop()
    return records


async def eventually(
    check: Callable[[], Awaitable[object]], *, timeout: float = 30.0, interval: float = 0.1
) -> None:
    """Wait until the async ``check()`` returns true; fail with its last value otherwise."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s (last value: {last!r})")


async def committed_to_end(bootstrap: str, group: str, topics: list[str]) -> bool:
    """Whether consumer ``group`` committed every non-empty partition of ``topics`` to its end."""
    # A consumer knows the partitions of the topics it was created with (its metadata).
    consumer = AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap, group_id=None)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await consumer.start()
    await admin.start()
    try:
        partitions = [
            TopicPartition(described["topic"], partition["partition"])
            for described in await admin.describe_topics(topics)
            for partition in described["partitions"]
        ]
        if not partitions:
            return False
        ends = await consumer.end_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await consumer.stop()
        await admin.close()
    for partition, end in ends.items():
        if end == 0:
            continue
        offset = committed.get(partition)
        if offset is None or offset.offset < end:
            return False
    return True
