"""Where Kafka topics are named and created: the single source for topic settings.

Event topics keep their events forever (``retention.ms=-1``): they are the public history that
integrators and rebuilt projections replay from. Every service's topics, and the Kubernetes
``KafkaTopic`` resources (``python -m agora.eventsourcing.k8s_topics``), are derived from
``TopicSpec`` values made here; ``platform_topics()`` lists all of them.

Replication is a property of the cluster, not of a topic: ``ensure_topics`` takes it from
``AGORA_KAFKA_REPLICATION_FACTOR`` and ``AGORA_KAFKA_MIN_INSYNC_REPLICAS`` (1 and 1 when unset,
as on the local single broker; 3 and 2 on the production cluster), so a service, a projection's
dead-letter topic and a rebuild job all create topics the same way wherever they run.
"""

import asyncio
import contextlib
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code
from aiokafka.structs import TopicPartition

INFINITE_RETENTION_MS = -1
DEAD_LETTER_RETENTION_MS = 30 * 24 * 3600 * 1000
TOPIC_READY_TIMEOUT_SECONDS = 30.0
"""How long ``ensure_topics`` waits for the partitions of topics it created to get a leader."""
EVENT_TOPIC_PARTITIONS = 6
"""Partitions of every event topic: the most consumers one projection's group can use."""
CARDS_TOPIC = "agora.profiles.cards"
CARDS_MAX_COMPACTION_LAG_MS = 24 * 3600 * 1000

REPLICATION_FACTOR_VARIABLE = "AGORA_KAFKA_REPLICATION_FACTOR"
MIN_INSYNC_REPLICAS_VARIABLE = "AGORA_KAFKA_MIN_INSYNC_REPLICAS"
PRODUCTION_REPLICATION_FACTOR = 3
PRODUCTION_MIN_INSYNC_REPLICAS = 2

EVENT_PUBLISHERS = ("profiles", "communities", "feed", "gateway")
"""Services that publish an event topic (``agora.<service>.events``)."""
PROJECTIONS = (
    "profiles_people",
    "profiles_cards",
    "communities_directory",
    "communities_erasures",
    "feed",
    "search",
    "metrics",
)
"""Every projection (consumer) the services run, by name: each has a dead-letter topic."""


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


def event_topic(service: str, *, partitions: int = EVENT_TOPIC_PARTITIONS) -> TopicSpec:
    """The event topic of a service."""
    return TopicSpec(name=event_topic_name(service), partitions=partitions)


def dead_letter_topic(consumer: str) -> TopicSpec:
    """The dead-letter topic of a consumer; one partition, kept 30 days."""
    return TopicSpec(
        name=dead_letter_topic_name(consumer),
        partitions=1,
        retention_ms=DEAD_LETTER_RETENTION_MS,
    )


def cards_topic(name: str = CARDS_TOPIC) -> TopicSpec:
    """The profiles service's public person cards: compacted, so each person's newest stays."""
    return TopicSpec(
        name=name,
        partitions=EVENT_TOPIC_PARTITIONS,
        extra_config={
            "cleanup.policy": "compact",
            "max.compaction.lag.ms": str(CARDS_MAX_COMPACTION_LAG_MS),
        },
    )


def platform_topics() -> tuple[TopicSpec, ...]:
    """Every topic of the platform, by name: what a cluster's topic resources are made from.

    A topic a service creates must appear here with the same settings (a test compares each
    service's own specs with this list), or a production cluster would not manage it.
    """
    topics = [
        *(event_topic(service) for service in EVENT_PUBLISHERS),
        cards_topic(),
        *(dead_letter_topic(projection) for projection in PROJECTIONS),
    ]
    return tuple(sorted(topics, key=lambda spec: spec.name))


@dataclass(frozen=True)
class TopicReplication:
    """How many copies of each partition the cluster keeps, and how many must acknowledge."""

    replication_factor: int = 1
    min_insync_replicas: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.min_insync_replicas <= self.replication_factor:
            raise ValueError("need 1 <= min_insync_replicas <= replication_factor")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> "TopicReplication":
        """The replication the environment names (1 and 1 when it names none)."""
        return cls(
            replication_factor=int(environ.get(REPLICATION_FACTOR_VARIABLE, "1")),
            min_insync_replicas=int(environ.get(MIN_INSYNC_REPLICAS_VARIABLE, "1")),
        )


async def ensure_topics(
    *,
    bootstrap_servers: str,
    topics: Iterable[TopicSpec],
    replication_factor: int | None = None,
    min_insync_replicas: int | None = None,
) -> None:
    """Create the topics that do not exist yet (idempotent; existing ones are left as they are).

    Replication not given here comes from the environment (``TopicReplication``).
    """
    configured = TopicReplication.from_environment()
    replication = TopicReplication(
        replication_factor=replication_factor or configured.replication_factor,
        min_insync_replicas=min_insync_replicas or configured.min_insync_replicas,
    )
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                name=spec.name,
                num_partitions=spec.partitions,
                replication_factor=replication.replication_factor,
                topic_configs=spec.config(min_insync_replicas=replication.min_insync_replicas),
            )
            for spec in topics
            if spec.name not in existing
        ]
        if wanted:
            # Another process may create them between our list and our create.
            with contextlib.suppress(TopicAlreadyExistsError):
                response = await admin.create_topics(wanted)
                _raise_creation_errors(response.topic_errors)
            await _wait_until_led(admin, [topic.name for topic in wanted])
    finally:
        await admin.close()


async def _wait_until_led(admin: AIOKafkaAdminClient, names: list[str]) -> None:
    """Return once every partition of the new topics has a leader: the broker answers the
    creation before its metadata knows them, and a producer or a describe at that moment
    would find no such topic."""
    deadline = time.monotonic() + TOPIC_READY_TIMEOUT_SECONDS
    while True:
        described = await admin.describe_topics(names)
        if all(
            topic["error_code"] == 0
            and topic["partitions"]
            and all(partition["leader"] >= 0 for partition in topic["partitions"])
            for topic in described
        ):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"topics without a leader after creation: {sorted(names)}")
        await asyncio.sleep(0.1)


def _raise_creation_errors(topic_errors: Iterable[tuple[Any, ...]]) -> None:
    """The broker answers per topic: raise the first error other than "already exists"."""
    for topic, error_code, *message in topic_errors:
        if error_code not in (0, TopicAlreadyExistsError.errno):
            error = for_code(error_code)
            raise error(f"creating topic {topic}: {message[0] if message else ''}")


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
