"""The search process: wires MongoDB, Elasticsearch, the indexer and the routes (bootstrap)."""

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch
from fastapi import FastAPI
from opentelemetry.trace import TracerProvider
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import READER_REMEMBER_SECONDS, ProjectionCatalog
from agora.eventsourcing.topics import TopicSpec, ensure_topics
from agora.search.api import autocomplete, communities, people, posts, schemas
from agora.search.api.problems import search_problems
from agora.search.indexing.indices import IndexNames, SearchIndices
from agora.search.indexing.projection import SearchProjection
from agora.search.indexing.runner import IndexingRunner
from agora.search.queries.elastic import SearchBackend
from agora.search.settings import SearchSettings
from agora.search.sidemodel.store import ActiveSideModel
from agora.servicekit import ReadinessFailure, ServiceLifespan
from agora.servicekit import create_app as create_service_app
from agora.servicekit.identity import JwtVerifier
from agora.servicekit.openapi import complete_openapi
from agora.servicekit.workers import ProcessWorkers, RunningWorkers, running

Clock = Callable[[], datetime]
TOPIC_PARTITIONS = 6


def system_clock() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


def consumed_topics(settings: SearchSettings) -> list[TopicSpec]:
    """The topics the indexer consumes (created if their producer has not yet: a consumer
    cannot subscribe to a missing topic)."""
    topics = (settings.profiles_topic, settings.communities_topic, settings.feed_topic)
    return [
        *(TopicSpec(topic, partitions=TOPIC_PARTITIONS) for topic in topics),
        TopicSpec(
            settings.profile_cards_topic,
            partitions=TOPIC_PARTITIONS,
            extra_config={"cleanup.policy": "compact"},
        ),
    ]


def elasticsearch_client(settings: SearchSettings) -> AsyncElasticsearch:
    """A client that fails fast (the indexer and the callers decide when to retry)."""
    return AsyncElasticsearch(
        [str(settings.elasticsearch_url)],
        timeout=settings.elasticsearch_timeout_seconds,
        max_retries=0,
        retry_on_timeout=False,
    )


def search_indices(settings: SearchSettings, client: AsyncElasticsearch) -> SearchIndices:
    """The index generations of these settings."""
    return SearchIndices(
        client=client,
        names=IndexNames(settings.index_prefix),
        shards=settings.index_shards,
        replicas=settings.index_replicas,
    )


def create_app(
    *,
    settings: SearchSettings,
    clock: Clock = system_clock,
    tracer_provider: TracerProvider | None = None,
) -> FastAPI:
    """The search API; its lifespan runs the indexer too (not in the `api` role; the `worker`
    role serves no routes)."""

    async def database_ready() -> None:
        database: AsyncDatabase[dict[str, Any]] = app.state.database
        await database.command("ping")

    async def elasticsearch_ready() -> None:
        client: AsyncElasticsearch = app.state.elasticsearch
        if not await client.ping():
            raise ReadinessFailure("Elasticsearch does not answer")

    async def workers_alive() -> None:
        workers: RunningWorkers = app.state.workers
        await workers.check_alive()

    app = create_service_app(
        settings=settings,
        routers=[people.router, posts.router, communities.router, autocomplete.router],
        readiness_checks={"database": database_ready, "elasticsearch": elasticsearch_ready},
        liveness_checks={"workers": workers_alive},
        lifespan=_lifespan(settings=settings, clock=clock),
        problems=search_problems(),
        tracer_provider=tracer_provider,
        title="Agora search",
    )
    app.state.token_verifier = JwtVerifier.from_settings(settings)
    complete_openapi(app, schemas)
    return app


def _lifespan(*, settings: SearchSettings, clock: Clock) -> ServiceLifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The client logs every request (INFO) and every 404 of an existence check (WARNING);
        # failures that matter are logged by the indexer and answered as 503 problems.
        logging.getLogger("elasticsearch").setLevel(logging.ERROR)
        mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            settings.mongo_url.get_secret_value(), tz_aware=True
        )
        elasticsearch = elasticsearch_client(settings)
        database = mongo[settings.mongo_database]
        indices = search_indices(settings, elasticsearch)
        app.state.database = database
        app.state.elasticsearch = elasticsearch
        app.state.clock = clock
        app.state.backend = SearchBackend(client=elasticsearch, names=indices.names)
        app.state.side_model = ActiveSideModel(
            catalog=ProjectionCatalog(database=database, remember_seconds=READER_REMEMBER_SECONDS),
            projection_name=settings.projection_prefix,
        )
        runner = IndexingRunner(
            projection=SearchProjection.from_settings(settings, indices),
            database=database,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            batch_size=settings.indexing_batch_size,
        )
        workers = ProcessWorkers(background=[runner])
        try:
            if settings.process_role != "api":
                await ensure_topics(
                    bootstrap_servers=settings.kafka_bootstrap_servers,
                    topics=consumed_topics(settings),
                )
            async with running(workers.for_role(settings.process_role)) as started:
                app.state.workers = started
                yield
        finally:
            await elasticsearch.close()
            await mongo.close()

    return lifespan
