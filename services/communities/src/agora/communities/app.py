"""The communities API process: wires the store, relay, projection, erasure follower and
archiver (bootstrap)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from opentelemetry.trace import TracerProvider
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from agora.communities.api import commands, reads
from agora.communities.api.openapi import complete_openapi
from agora.communities.api.problems import community_problems
from agora.communities.archiver import ProjectArchiver
from agora.communities.clock import Clock, system_clock
from agora.communities.domain.events import registry
from agora.communities.domain.state import CommunityAggregate
from agora.communities.erasures import ErasureFollower
from agora.communities.projection import CommunityDirectoryProjection
from agora.communities.queries import DirectoryQueries
from agora.communities.service import CommunityService
from agora.communities.settings import CommunitiesSettings
from agora.eventsourcing import (
    READER_REMEMBER_SECONDS,
    AggregateRepository,
    MongoEventStore,
    OutboxRelay,
    ProjectionCatalog,
    ProjectionRunner,
)
from agora.eventsourcing.kafka import create_producer
from agora.eventsourcing.lease import MongoLease
from agora.eventsourcing.snapshots import MongoSnapshotStore
from agora.eventsourcing.topics import TopicSpec, ensure_topics
from agora.servicekit import ServiceLifespan
from agora.servicekit import create_app as create_service_app
from agora.servicekit.identity import JwtVerifier
from agora.servicekit.workers import ProcessWorkers, RunningWorkers, running

EVENT_SOURCE = "/agora/communities"
EVENT_TOPIC_PARTITIONS = 6


def directory_projection(settings: CommunitiesSettings) -> CommunityDirectoryProjection:
    """The directory projection configured by ``settings``."""
    return CommunityDirectoryProjection(
        name=settings.directory_projection, topic=settings.events_topic
    )


def service_topics(settings: CommunitiesSettings) -> list[TopicSpec]:
    """The communities topic, and the profiles topic it consumes (created if the profiles
    service has not yet: the erasure follower cannot subscribe to a missing topic)."""
    return [
        TopicSpec(topic, partitions=EVENT_TOPIC_PARTITIONS)
        for topic in (settings.events_topic, settings.profiles_topic)
    ]


def create_app(
    *,
    settings: CommunitiesSettings,
    clock: Clock = system_clock,
    tracer_provider: TracerProvider | None = None,
) -> FastAPI:
    """The communities API; its lifespan runs the outbox relay, projection, erasure follower and
    archiver (only the relay in the `api` role; the `worker` role serves no routes)."""

    async def database_ready() -> None:
        database: AsyncDatabase[dict[str, Any]] = app.state.database
        await database.command("ping")

    async def workers_alive() -> None:
        workers: RunningWorkers = app.state.workers
        await workers.check_alive()

    app = create_service_app(
        settings=settings,
        routers=[commands.router, reads.router],
        readiness_checks={"database": database_ready},
        liveness_checks={"workers": workers_alive},
        lifespan=_lifespan(settings=settings, clock=clock),
        problems=community_problems(),
        tracer_provider=tracer_provider,
        title="Agora communities",
    )
    app.state.token_verifier = JwtVerifier.from_settings(settings)
    complete_openapi(app)
    return app


def _lifespan(*, settings: CommunitiesSettings, clock: Clock) -> ServiceLifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            settings.mongo_url.get_secret_value(), tz_aware=True
        )
        database = client[settings.mongo_database]
        app.state.database = database
        store = MongoEventStore(database=database, source=EVENT_SOURCE)
        await store.create_indexes()
        await ensure_topics(
            bootstrap_servers=settings.kafka_bootstrap_servers, topics=service_topics(settings)
        )
        repository = AggregateRepository(
            aggregate=CommunityAggregate(),
            store=store,
            registry=registry,
            snapshots=MongoSnapshotStore(database=database),
        )
        queries = DirectoryQueries(
            catalog=ProjectionCatalog(database=database, remember_seconds=READER_REMEMBER_SECONDS),
            projection_name=settings.directory_projection,
        )
        app.state.communities = CommunityService(
            repository=repository, queries=queries, clock=clock
        )
        producer = create_producer(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            client_id=f"{settings.service_name}-relay",
        )
        await producer.start()
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
            projection=directory_projection(settings),
            database=database,
            bootstrap_servers=settings.kafka_bootstrap_servers,
        )
        erasures = ProjectionRunner(
            projection=ErasureFollower(
                name=settings.erasure_consumer,
                communities_topic=settings.events_topic,
                profiles_topic=settings.profiles_topic,
                repository=repository,
            ),
            database=database,
            bootstrap_servers=settings.kafka_bootstrap_servers,
        )
        archiver = ProjectArchiver(
            repository=repository,
            queries=queries,
            clock=clock,
            interval_seconds=settings.archiver_interval_seconds,
        )
        workers = ProcessWorkers(outbox=[relay], background=[runner, erasures, archiver])
        try:
            async with running(workers.for_role(settings.process_role)) as started:
                app.state.workers = started
                yield
        finally:
            await producer.stop()
            await client.close()

    return lifespan
