"""The feed API process: wires the store, outbox relay, projection and routers (bootstrap)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from opentelemetry.trace import TracerProvider
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import (
    READER_REMEMBER_SECONDS,
    MongoEventStore,
    OutboxRelay,
    ProjectionCatalog,
    ProjectionRunner,
)
from agora.eventsourcing.kafka import create_producer
from agora.eventsourcing.lease import MongoLease
from agora.eventsourcing.topics import TopicSpec, cards_topic, ensure_topics
from agora.feed.api import (
    commands,
    imports,
    notification_schemas,
    notifications,
    read_schemas,
    reads,
)
from agora.feed.api.openapi import complete_openapi
from agora.feed.api.problems import feed_problems
from agora.feed.clock import Clock, system_clock
from agora.feed.facts import FactsQueries
from agora.feed.projection import FeedProjection
from agora.feed.readmodel import FeedCollections
from agora.feed.readside.notifications import NotificationQueries
from agora.feed.readside.timelines import TimelineQueries
from agora.feed.service import build_feed_service
from agora.feed.settings import FeedSettings
from agora.servicekit import ServiceLifespan
from agora.servicekit import create_app as create_service_app
from agora.servicekit.identity import JwtVerifier
from agora.servicekit.workers import ProcessWorkers, RunningWorkers, running

EVENT_SOURCE = "/agora/feed"
EVENT_TOPIC_PARTITIONS = 6


def consumed_topics(settings: FeedSettings) -> list[TopicSpec]:
    """The feed's own topic and the ones it consumes (created if their producer has not yet:
    the projection cannot subscribe to a missing topic)."""
    event_topics = (settings.events_topic, settings.profiles_topic, settings.communities_topic)
    return [
        *(TopicSpec(topic, partitions=EVENT_TOPIC_PARTITIONS) for topic in event_topics),
        cards_topic(settings.profile_cards_topic),
    ]


def create_app(
    *,
    settings: FeedSettings,
    clock: Clock = system_clock,
    tracer_provider: TracerProvider | None = None,
) -> FastAPI:
    """The feed API; its lifespan runs the outbox relay and the projection (only the relay in
    the `api` role; the `worker` role serves no routes)."""

    async def database_ready() -> None:
        database: AsyncDatabase[dict[str, Any]] = app.state.database
        await database.command("ping")

    async def workers_alive() -> None:
        workers: RunningWorkers = app.state.workers
        await workers.check_alive()

    app = create_service_app(
        settings=settings,
        routers=[commands.router, imports.router, reads.router, notifications.router],
        readiness_checks={"database": database_ready},
        liveness_checks={"workers": workers_alive},
        lifespan=_lifespan(settings=settings, clock=clock),
        problems=feed_problems(),
        tracer_provider=tracer_provider,
        title="Agora feed",
    )
    app.state.token_verifier = JwtVerifier.from_settings(settings)
    complete_openapi(app, read_schemas, notification_schemas)
    return app


def _lifespan(*, settings: FeedSettings, clock: Clock) -> ServiceLifespan:
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
            bootstrap_servers=settings.kafka_bootstrap_servers, topics=consumed_topics(settings)
        )
        collections = FeedCollections(
            catalog=ProjectionCatalog(database=database, remember_seconds=READER_REMEMBER_SECONDS),
            projection_name=settings.projection_prefix,
        )
        facts = FactsQueries(collections)
        app.state.clock = clock
        app.state.facts = facts
        app.state.feed = build_feed_service(
            database=database, store=store, facts=facts, clock=clock
        )
        app.state.timelines = TimelineQueries(
            collections=collections,
            facts=facts,
            clock=clock,
            large_community_members=settings.large_community_members,
            reference_cache_seconds=settings.reference_cache_seconds,
        )
        app.state.notifications = NotificationQueries(
            collections=collections,
            facts=facts,
            reference_cache_seconds=settings.reference_cache_seconds,
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
            projection=FeedProjection.from_settings(settings),
            database=database,
            bootstrap_servers=settings.kafka_bootstrap_servers,
        )
        workers = ProcessWorkers(outbox=[relay], background=[runner])
        try:
            async with running(workers.for_role(settings.process_role)) as started:
                app.state.workers = started
                yield
        finally:
            await producer.stop()
            await client.close()

    return lifespan
