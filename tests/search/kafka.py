"""Reading whole topics back, to deliver their events again."""

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition

from agora.eventsourcing import EventEnvelope


async def read_topic(bootstrap: str, *topics: str) -> list[EventEnvelope]:
    """Every event of ``topics``, partition by partition, in each partition's order."""
    return [envelope for _, _, envelope in await read_records(bootstrap, *topics)]


async def read_records(bootstrap: str, *topics: str) -> list[tuple[str, bytes, EventEnvelope]]:
    """Every record of ``topics`` as (topic, key, event), in each partition's order."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    partitions = [
        TopicPartition(topic["topic"], partition["partition"])
        for topic in sorted(described, key=lambda t: str(t["topic"]))
        for partition in sorted(topic["partitions"], key=lambda p: int(p["partition"]))
    ]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[tuple[str, bytes, EventEnvelope]] = []
        for partition in partitions:
            while await consumer.position(partition) < ends[partition]:
                batch = await consumer.getmany(partition, timeout_ms=1000)
                for record in batch.get(partition, []):
                    envelope = EventEnvelope.from_json_bytes(record.value or b"")
                    records.append((record.topic, record.key or b"", envelope))
    finally:
        await consumer.stop()
    return records
