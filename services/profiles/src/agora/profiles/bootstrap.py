"""The composition root: the clients, store, service, read side and workers of one process."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import (
    READER_REMEMBER_SECONDS,
    EventStore,
    MongoEventStore,
    OutboxRelay,
    ProjectionCatalog,
    ProjectionRunner,
)
from agora.eventsourcing.kafka import create_producer
from agora.eventsourcing.lease import MongoLease
from agora.eventsourcing.snapshots import MongoSnapshotStore
from agora.eventsourcing.topics import TopicSpec, cards_topic, ensure_topics
from agora.profiles.cards.worker import CardPublisher, CardsProjection
from agora.profiles.crypto import PersonKeys
from agora.profiles.domain.events import registry
from agora.profiles.erasure import EmailDirectory, SnapshotEraser
from agora.profiles.idempotency import IdempotentAnswers
from agora.profiles.projection import PeopleProjection
from agora.profiles.queries import PeopleQueries
from agora.profiles.service import ProfilesService
from agora.profiles.settings import ProfilesSettings
from agora.servicekit.workers import ProcessWorkers

EVENT_TOPIC_PARTITIONS = 6


@dataclass(frozen=True)
class Runtime:
    """Everything the API's routes use, opened for the life of the process."""

    database: AsyncDatabase[dict[str, Any]]
    service: ProfilesService
    queries: PeopleQueries
    answers: IdempotentAnswers
    workers: ProcessWorkers
    """The relay (every process role), the people and cards projections (workers only)."""


def people_projection(
    settings: ProfilesSettings, database: AsyncDatabase[dict[str, Any]]
) -> PeopleProjection:
    """The people read model's projection as configured."""
    return PeopleProjection(
        name=settings.read_model_name,
        topics=[settings.events_topic],
        keys=PersonKeys(database=database),
    )


def event_source(settings: ProfilesSettings) -> str:
    """The CloudEvents ``source`` of everything this service publishes."""
    return f"/agora/{settings.service_name}"


def profiles_service(
    settings: ProfilesSettings,
    *,
    database: AsyncDatabase[dict[str, Any]],
    store: EventStore,
    answers: IdempotentAnswers,
) -> ProfilesService:
    """The command handlers, with every holder of personal data that erasure must empty."""
    directory = EmailDirectory(database=database)
    return ProfilesService(
        store=store,
        registry=registry,
        snapshots=MongoSnapshotStore(database=database),
        keys=PersonKeys(database=database),
        directory=directory,
        erasable=(directory, SnapshotEraser(database=database), answers),
        admin_role=settings.admin_role,
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
    cards_producer = create_producer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.service_name}-cards",
    )
    try:
        store = MongoEventStore(database=database, source=event_source(settings))
        await store.create_indexes()
        await ensure_topics(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topics=[
                TopicSpec(name=settings.events_topic, partitions=EVENT_TOPIC_PARTITIONS),
                cards_topic(settings.cards_topic),
            ],
        )
        await producer.start()
        await cards_producer.start()
        answers = IdempotentAnswers(database=database)
        service = profiles_service(settings, database=database, store=store, answers=answers)
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
        cards = ProjectionRunner(
            projection=CardsProjection(
                name=settings.cards_projection,
                topics=[settings.events_topic],
                publisher=CardPublisher(
                    profiles=service,
                    producer=cards_producer,
                    topic=settings.cards_topic,
                    source=event_source(settings),
                ),
            ),
            database=database,
            bootstrap_servers=settings.kafka_bootstrap_servers,
        )
        yield Runtime(
            database=database,
            service=service,
            queries=PeopleQueries(
                catalog=ProjectionCatalog(
                    database=database, remember_seconds=READER_REMEMBER_SECONDS
                ),
                name=settings.read_model_name,
            ),
            answers=answers,
            workers=ProcessWorkers(outbox=(relay,), background=(runner, cards)),
        )
    finally:
        await cards_producer.stop()
        await producer.stop()
        await client.close()
