import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from agora.eventsourcing.topics import (
    dead_letter_topic,
    ensure_topics,
    event_topic,
    topic_partitions,
)

pytestmark = pytest.mark.integration


async def topic_config(bootstrap: str, topic: str) -> dict[str, str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (response,) = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic)]
        )
    finally:
        await admin.close()
    (resource,) = response.resources
    return {entry[0]: entry[1] for entry in resource[4]}


async def test_event_topics_keep_events_forever_and_creation_is_idempotent(
    kafka_bootstrap: str,
) -> None:
    service = f"test{uuid.uuid4().hex[:8]}"
    spec = event_topic(service, partitions=4)
    await ensure_topics(bootstrap_servers=kafka_bootstrap, topics=[spec])
    await ensure_topics(bootstrap_servers=kafka_bootstrap, topics=[spec])

    assert spec.name == f"agora.{service}.events"
    partitions = await topic_partitions(bootstrap_servers=kafka_bootstrap, topics=[spec.name])
    assert len(partitions) == 4
    config = await topic_config(kafka_bootstrap, spec.name)
    assert config["retention.ms"] == "-1"
    assert config["cleanup.policy"] == "delete"


async def test_dead_letter_topics_keep_their_events_thirty_days(kafka_bootstrap: str) -> None:
    spec = dead_letter_topic(f"projection_{uuid.uuid4().hex[:8]}")
    await ensure_topics(bootstrap_servers=kafka_bootstrap, topics=[spec])
    config = await topic_config(kafka_bootstrap, spec.name)
    assert config["retention.ms"] == str(30 * 24 * 3600 * 1000)


async def test_asking_for_the_partitions_of_a_missing_topic_names_it(kafka_bootstrap: str) -> None:
    missing = f"no-such-topic-{uuid.uuid4().hex[:8]}"
    with pytest.raises(ValueError, match=missing):
        await topic_partitions(bootstrap_servers=kafka_bootstrap, topics=[missing])
