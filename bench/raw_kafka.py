"""Raw Kafka: what aiokafka with the project's safe settings does without the outbox around it."""

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from aiokafka.structs import RecordMetadata, TopicPartition

from agora.eventsourcing.envelope import CLOUDEVENTS_CONTENT_TYPE
from agora.eventsourcing.kafka import create_consumer, create_producer
from agora.eventsourcing.topics import TopicSpec, ensure_topics
from bench.payload import sample_message
from bench.stats import rate, serial_rate
from bench.waiting import StalledError


@dataclass(frozen=True)
class KafkaResult:
    """Produce and consume-back timings of one batch of messages."""

    messages: int
    message_bytes: int
    partitions: int
    produce_seconds: float
    consume_seconds: float

    @property
    def produce_rate(self) -> float:
        """Messages per second from the first send to the last acknowledgement."""
        return rate(self.messages, self.produce_seconds)

    @property
    def consume_rate(self) -> float:
        """Messages per second from the first fetch to the last message received."""
        return rate(self.messages, self.consume_seconds)

    @property
    def combined_rate(self) -> float:
        """Messages per second when every message is both produced and consumed (serially)."""
        return serial_rate(self.produce_rate, self.consume_rate)


async def measure_raw_kafka(
    *,
    bootstrap: str,
    topic: str,
    partitions: int,
    messages: int,
    message_bytes: int,
    keys: int,
    stall_seconds: float,
) -> KafkaResult:
    """Produce ``messages`` with many sends in flight, then consume them back."""
    await ensure_topics(
        bootstrap_servers=bootstrap, topics=[TopicSpec(topic, partitions=partitions)]
    )
    value = sample_message(message_bytes=message_bytes)
    produce_seconds = await _produce(bootstrap, topic, value, messages, keys)
    # The consumer also reads the one warm-up message per partition that _produce sent first.
    consume_seconds = await _consume(
        bootstrap, topic, partitions, messages + partitions, stall_seconds
    )
    return KafkaResult(messages, len(value), partitions, produce_seconds, consume_seconds)


async def _produce(bootstrap: str, topic: str, value: bytes, messages: int, keys: int) -> float:
    producer = create_producer(bootstrap_servers=bootstrap, client_id="bench-raw-producer")
    await producer.start()
    try:
        # A new topic's leaders can be elected yet not serving; one acknowledged message per
        # partition before the clock starts keeps the first sends from being retried.
        await _wait_for_leaders(producer, topic)
        partitions = await producer.partitions_for(topic)
        await asyncio.gather(
            *[
                await producer.send(topic, value=value, key=b"warm-up", partition=partition)
                for partition in sorted(partitions)
            ]
        )
        stream_keys = [f"benchpost-raw{n:05d}".encode() for n in range(keys)]
        headers = [("content-type", CLOUDEVENTS_CONTENT_TYPE.encode())]
        started = time.perf_counter()
        sends: list[asyncio.Future[RecordMetadata]] = []
        for n in range(messages):
            sends.append(
                await producer.send(
                    topic, value=value, key=stream_keys[n % keys], headers=list(headers)
                )
            )
        await asyncio.gather(*sends)
        return time.perf_counter() - started
    finally:
        await producer.stop()


async def _wait_for_leaders(producer: Any, topic: str, patience: float = 30.0) -> None:
    """Wait until every partition of a new topic has a leader, so no send meets an election."""
    deadline = time.perf_counter() + patience
    partitions = await producer.partitions_for(topic)
    while True:
        await producer.client.force_metadata_update()
        cluster = producer.client.cluster
        leaders = [cluster.leader_for_partition(TopicPartition(topic, p)) for p in partitions]
        if all(leader is not None and leader >= 0 for leader in leaders):
            return
        if time.perf_counter() > deadline:
            raise StalledError(f"topic {topic} has partitions without a leader")
        await asyncio.sleep(0.1)


async def _consume(
    bootstrap: str, topic: str, partitions: int, messages: int, stall_seconds: float
) -> float:
    consumer = create_consumer(
        bootstrap_servers=bootstrap, group_id=None, client_id="bench-raw-consumer"
    )
    await consumer.start()
    try:
        assigned = [TopicPartition(topic, partition) for partition in range(partitions)]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        received = 0
        started = last_progress = time.perf_counter()
        while received < messages:
            batches = await consumer.getmany(timeout_ms=500)
            got = sum(len(records) for records in batches.values())
            now = time.perf_counter()
            if got:
                received, last_progress = received + got, now
            elif now - last_progress > stall_seconds:
                raise StalledError(f"raw consume: stuck at {received} of {messages}")
        return time.perf_counter() - started
    finally:
        await consumer.stop()
