"""The metrics process: the projection's worker and the dashboards API (bootstrap)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from opentelemetry.trace import TracerProvider
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import READER_REMEMBER_SECONDS, ProjectionCatalog
from agora.eventsourcing.topics import TopicSpec, ensure_topics
from agora.metrics.api import routes
from agora.metrics.api.errors import metrics_problems
from agora.metrics.api.openapi import complete_openapi
from agora.metrics.clock import Clock, system_clock
from agora.metrics.pipeline import PipelineConfig
from agora.metrics.readside.reports import Reports
from agora.metrics.readside.store import ReadStore
from agora.metrics.runner import MetricsRunner
from agora.metrics.settings import MetricsSettings
from agora.servicekit import ServiceLifespan
from agora.servicekit import create_app as create_service_app
from agora.servicekit.identity import JwtVerifier
from agora.servicekit.workers import ProcessWorkers, RunningWorkers, running


def consumed_topics(settings: MetricsSettings) -> list[TopicSpec]:
    """The consumed topics, created if their producer has not yet (a consumer cannot be assigned
    a missing topic's partitions); the cards topic is compacted like the one profiles makes."""
    return [
        TopicSpec(
            topic,
            partitions=settings.topic_partitions,
            extra_config={"cleanup.policy": "compact"}
            if topic == settings.profile_cards_topic
            else {},
        )
        for topic in settings.topics
    ]


def pipeline_config(settings: MetricsSettings) -> PipelineConfig:
    """What the projection consumes and how much it holds in memory."""
    return PipelineConfig(
        name=settings.projection_name,
        topics=settings.topics,
        facts_topics=settings.facts_topics,
        rules=settings.rules,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        cache_size=settings.cached_documents,
        max_pending_events=settings.max_pending_events,
        max_pending_documents=settings.max_pending_documents,
    )


def create_app(
    *,
    settings: MetricsSettings,
    clock: Clock = system_clock,
    tracer_provider: TracerProvider | None = None,
) -> FastAPI:
    """The metrics API; its lifespan runs the projection (not in the ``api`` role)."""

    async def database_ready() -> None:
        database: AsyncDatabase[dict[str, Any]] = app.state.database
        await database.command("ping")

    async def workers_alive() -> None:
        workers: RunningWorkers = app.state.workers
        await workers.check_alive()

    app = create_service_app(
        settings=settings,
        routers=[routes.router],
        readiness_checks={"database": database_ready},
        liveness_checks={"workers": workers_alive},
        lifespan=_lifespan(settings=settings, clock=clock),
        problems=metrics_problems(),
        tracer_provider=tracer_provider,
        title="Agora metrics",
    )
    app.state.token_verifier = JwtVerifier.from_settings(settings)
    complete_openapi(app)
    return app


def _lifespan(*, settings: MetricsSettings, clock: Clock) -> ServiceLifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            settings.mongo_url.get_secret_value(), tz_aware=True
        )
        database = client[settings.mongo_database]
        app.state.database = database
        app.state.settings = settings
        app.state.clock = clock
        await ensure_topics(
            bootstrap_servers=settings.kafka_bootstrap_servers, topics=consumed_topics(settings)
        )
        store = ReadStore(
            catalog=ProjectionCatalog(database=database, remember_seconds=READER_REMEMBER_SECONDS),
            projection_name=settings.projection_name,
        )
        app.state.store = store
        app.state.reports = Reports(store=store, k=settings.k_anonymity)
        runner = MetricsRunner(config=pipeline_config(settings), database=database)
        app.state.runner = runner
        workers = ProcessWorkers(background=[runner])
        try:
            async with running(workers.for_role(settings.process_role)) as started:
                app.state.workers = started
                yield
        finally:
            await client.close()

    return lifespan
