"""Real FerretDB databases and Kafka topics for the event-sourcing core's integration tests."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing.topics import TopicSpec, ensure_topics
from agora.localinfra import InfraEndpoints


@pytest.fixture(scope="session")
def kafka_bootstrap(infra_endpoints: InfraEndpoints) -> str:
    return infra_endpoints.kafka_bootstrap


@pytest.fixture(scope="session")
async def mongo_client(infra_endpoints: InfraEndpoints) -> AsyncIterator[AsyncMongoClient[Any]]:
    client: AsyncMongoClient[Any] = AsyncMongoClient(infra_endpoints.mongo_url)
    yield client
    await client.close()


@pytest.fixture
async def database(
    mongo_client: AsyncMongoClient[dict[str, Any]],
) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    """A fresh database per test, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield mongo_client[name]
    await mongo_client.drop_database(name)


@pytest.fixture
async def event_topic(kafka_bootstrap: str) -> str:
    """A fresh three-partition event topic per test."""
    name = f"agora.test{uuid.uuid4().hex[:10]}.events"
    await ensure_topics(bootstrap_servers=kafka_bootstrap, topics=[TopicSpec(name, partitions=3)])
    return name
