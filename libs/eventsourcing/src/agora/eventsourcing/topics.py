"""Where Kafka topics are named and created: the single source for topic settings.

Event topics keep their events forever (``retention.ms=-1``): they are the public history that
integrators and rebuilt projections replay from. Every service's topics, and the Kubernetes
``KafkaTopic`` resources, are derived from ``TopicSpec`` values made here.
"""

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.structs import TopicPartition

INFINITE_RETENTION_MS = -1
DEAD_LETTER_RETENTION_MS = 30 * 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    """A topic and its settings; ``replication_factor`` and ISR come from the environment."""

    name: str
    partitions: int
    retention_ms: int = INFINITE_RETENTION_MS
    extra_config: dict[str, str] = field(default_factory=dict)

    def config(self, *, min_insync_replicas: int) -> dict[str, str]:
        """Broker-side topic configuration."""
        return {
            "retention.ms": str(self.retention_ms),
            "cleanup.policy": "delete",
            "min.insync.replicas": str(min_insync_replicas),
            **self.extra_config,
        }


def event_topic_name(service: str) -> str:
    """The topic a service publishes its events to, e.g. ``agora.profiles.events``."""
    return f"agora.{service}.events"


def dead_letter_topic_name(consumer: str) -> str:
    """The topic where one consumer (projection) parks the events it could not apply."""
    return f"agora.deadletter.{consumer}"


def event_topic(service: str, *, partitions: int = 6) -> TopicSpec:
    """The event topic of a service."""
    return TopicSpec(name=event_topic_name(service), partitions=partitions)


def dead_letter_topic(consumer: str) -> TopicSpec:
    """The dead-letter topic of a consumer; one partition, kept 30 days."""
    return TopicSpec(
        name=dead_letter_topic_name(consumer),
        partitions=1,
        retention_ms=DEAD_LETTER_RETENTION_MS,
    )


async def ensure_topics(
    *,
    bootstrap_servers: str,
    topics: Iterable[TopicSpec],
    replication_factor: int = 1,
    min_insync_replicas: int = 1,
) -> None:
    """Create the topics that do not exist yet (idempotent; existing ones are left as they are)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                name=spec.name,
                num_partitions=spec.partitions,
                replication_factor=replication_factor,
                topic_configs=spec.config(min_insync_replicas=min_insync_replicas),
            )
            for spec in topics
            if spec.name not in existing
        ]
        if wanted:
            # Another process may create them between our list and our create.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
    finally:
        await admin.close()


async def topic_partitions(
    *, bootstrap_servers: str, topics: Iterable[str]
) -> list[TopicPartition]:
    """Every partition of the given topics; ``ValueError`` names any topic that is missing."""
    names = list(topics)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        described = await admin.describe_topics(names)
    finally:
        await admin.close()
    partitions = [
        TopicPartition(topic["topic"], partition["partition"])
        for topic in described
        if topic["error_code"] == 0
        for partition in topic["partitions"]
    ]
    missing = sorted(set(names) - {partition.topic for partition in partitions})
    if missing:
        raise ValueError(f"no such topics: {missing}")
    return sorted(partitions)
