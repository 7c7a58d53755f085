import uuid
from typing import Any

import pytest
from aiokafka.errors import KafkaError
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing.mongo_indexes import is_ferretdb
from agora.eventsourcing.provision import provision_indexes, provision_topics
from agora.eventsourcing.topics import TopicSpec, ensure_topics, platform_topics, topic_partitions
from agora.localinfra import InfraEndpoints

pytestmark = pytest.mark.integration


async def test_provisioning_creates_every_platform_topic_with_its_partitions(
    kafka_bootstrap: str,
) -> None:
    await provision_topics(bootstrap_servers=kafka_bootstrap)
    await provision_topics(bootstrap_servers=kafka_bootstrap)

    specs = platform_topics()
    partitions = await topic_partitions(
        bootstrap_servers=kafka_bootstrap, topics=[spec.name for spec in specs]
    )
    for spec in specs:
        assert sum(1 for p in partitions if p.topic == spec.name) == spec.partitions


async def test_provisioning_creates_the_event_store_indexes(
    infra_endpoints: InfraEndpoints, database: AsyncDatabase[dict[str, Any]]
) -> None:
    await provision_indexes(mongo_url=infra_endpoints.mongo_url, database=database.name)
    await provision_indexes(mongo_url=infra_endpoints.mongo_url, database=database.name)

    names = {index["name"] async for index in await database["event_commits"].list_indexes()}
    assert "command_unique" in names
    # The test server is FerretDB, which never reads a secondary index: the lookup index of
    # unpublished commits would only slow every append and mark down there.
    assert await is_ferretdb(database)
    assert "unpublished_by_stream" not in names


async def test_topics_are_created_with_the_replication_the_environment_names(
    kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test broker is alone, so asking for two copies proves the variable reaches Kafka.
    monkeypatch.setenv("AGORA_KAFKA_REPLICATION_FACTOR", "2")
    spec = TopicSpec(f"agora.test{uuid.uuid4().hex[:10]}.events", partitions=1)

    with pytest.raises(KafkaError):
        await ensure_topics(bootstrap_servers=kafka_bootstrap, topics=[spec])
