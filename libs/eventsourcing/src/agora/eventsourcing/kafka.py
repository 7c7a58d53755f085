"""Kafka clients with safe settings (aiokafka's defaults are not the Java client's)."""

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


def create_producer(*, bootstrap_servers: str, client_id: str) -> AIOKafkaProducer:
    """An idempotent producer waiting for all in-sync replicas."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        request_timeout_ms=30_000,
    )


def create_consumer(
    *,
    bootstrap_servers: str,
    group_id: str | None,
    client_id: str,
    max_poll_records: int = 500,
) -> AIOKafkaConsumer:
    """A consumer that never commits by itself and starts new groups at the beginning."""
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=max_poll_records,
    )
