"""The composition root: the clients, store, service, read side and workers of one process."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import (
    MongoEventStore,
    OutboxRelay,
    ProjectionCatalog,
    ProjectionRunner,
)
from agora.eventsourcing.kafka import create_producer
from agora.eventsourcing.lease import MongoLease
from agora.eventsourcing.snapshots import MongoSnapshotStore
from agora.eventsourcing.topics import TopicSpec, ensure_topics
from agora.profiles.crypto import PersonKeys
from agora.profiles.domain.events import registry
from agora.profiles.erasure import EmailDirectory, SnapshotEraser
from agora.profiles.idempotency import IdempotentAnswers
from agora.profiles.projection import PeopleProjection
from agora.profiles.queries import PeopleQueries
from agora.profiles.service import ProfilesService
from agora.profiles.settings import ProfilesSettings
from agora.servicekit.workers import Worker

EVENT_TOPIC_PARTITIONS = 6


@dataclass(frozen=True)
class Runtime:
    """Everything the API's routes use, opened for the life of the process."""

    database: AsyncDatabase[dict[str, Any]]
    service: ProfilesService
    queries: PeopleQueries
    answers: IdempotentAnswers
    workers: tuple[Worker, ...]


def people_projection(
    settings: ProfilesSettings, database: AsyncDatabase[dict[str, Any]]
) -> PeopleProjection:
    """The people read model's projection as configured."""
    return PeopleProjection(
        name=settings.read_model_name,
        topics=[settings.events_topic],
        keys=PersonKeys(database=database),
    )


@asynccontextmanager
async def open_runtime(settings: ProfilesSettings) -> AsyncIterator[Runtime]:
    """Connect, create indexes and topics, and build the runtime; close everything afterwards."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_url.get_secret_value()
    )
    database = client[settings.mongo_database]
    producer = create_producer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.service_name}-relay",
    )
    try:
        store = MongoEventStore(database=database, source=f"/agora/{settings.service_name}")
        await store.create_indexes()
        await ensure_topics(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topics=[TopicSpec(name=settings.events_topic, partitions=EVENT_TOPIC_PARTITIONS)],
        )
        await producer.start()
        answers = IdempotentAnswers(database=database)
        directory = EmailDirectory(database=database)
        service = ProfilesService(
            store=store,
            registry=registry,
            snapshots=MongoSnapshotStore(database=database),
            keys=PersonKeys(database=database),
            directory=directory,
            erasable=(directory, SnapshotEraser(database=database), answers),
            admin_role=settings.admin_role,
        )
        relay = OutboxRelay(
            store=store,
            producer=producer,
            topic=settings.events_topic,
            lease=MongoLease(
                database=database,
                name=f"relay:{settings.events_topic}",
                owner=OutboxRelay.owner_id(),
            ),
        )
        runner = ProjectionRunner(
            projection=people_projection(settings, database),
            database=database,
            bootstrap_servers=settings.kafka_bootstrap_servers,
        )
        yield Runtime(
            database=database,
            service=service,
            queries=PeopleQueries(
                catalog=ProjectionCatalog(database=database), name=settings.read_model_name
            ),
            answers=answers,
            workers=(relay, runner),
        )
    finally:
        await producer.stop()
        await client.close()
