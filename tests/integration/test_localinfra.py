"""The session's Kafka, FerretDB and Elasticsearch really answer."""

import uuid
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pymongo import AsyncMongoClient

from agora.localinfra import InfraEndpoints
from tests.support.kafka_reading import eventually

pytestmark = pytest.mark.integration


async def test_kafka_creates_and_lists_a_topic(infra_endpoints: InfraEndpoints) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=infra_endpoints.kafka_bootstrap)
    await admin.start()
    topic = f"agora.localinfra-{uuid.uuid4().hex[:12]}"
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])

        async def listed() -> bool:
            # The broker's metadata may trail the creation by a moment.
            return topic in await admin.list_topics()

        await eventually(listed, timeout=10)
        cluster = await admin.describe_cluster()
        assert len(cluster["brokers"]) == 1
    finally:
        await admin.delete_topics([topic])
        await admin.close()


async def test_mongo_answers_ping_and_round_trips_a_document(
    infra_endpoints: InfraEndpoints,
) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra_endpoints.mongo_url)
    database = client[f"localinfra_{uuid.uuid4().hex[:12]}"]
    try:
        assert (await client.admin.command("ping"))["ok"] == 1.0
        await database.things.insert_one({"_id": "one", "tags": ["a", "b"], "count": 3})
        assert await database.things.find_one({"_id": "one"}) == {
            "_id": "one",
            "tags": ["a", "b"],
            "count": 3,
        }
    finally:
        await client.drop_database(database.name)
        await client.close()


async def test_elasticsearch_health_is_yellow_or_green(infra_endpoints: InfraEndpoints) -> None:
    async with httpx.AsyncClient(base_url=infra_endpoints.elasticsearch_url) as client:
        health = (await client.get("/_cluster/health")).json()
        version = (await client.get("/")).json()["version"]["number"]

    assert health["status"] in ("yellow", "green")
    assert version == "7.10.2"
