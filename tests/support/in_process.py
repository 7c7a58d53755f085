"""Running a service's app in process against the real test stack, for one test or module."""

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from pymongo import AsyncMongoClient

from agora.localinfra import InfraEndpoints
from agora.servicekit.settings import ServiceSettings
from agora.testing.identity import TestIdentityProvider
from tests.support.process_roles import serving
from tests.support.stream_publisher import StreamPublisher


def isolated_settings_values(
    infra: InfraEndpoints, identity: TestIdentityProvider, *, service: str, suffix: str
) -> dict[str, Any]:
    """Settings a service fed by the profiles and communities topics needs on the test stack: a
    database and those topics of its own (named with ``suffix``), and the test identity
    provider's tokens."""
    return {
        "kafka_bootstrap_servers": infra.kafka_bootstrap,
        "mongo_url": infra.mongo_url,
        "mongo_database": f"test_{service}_{suffix}",
        "profiles_topic": f"agora.test{suffix}.profiles.events",
        "profile_cards_topic": f"agora.test{suffix}.profiles.cards",
        "communities_topic": f"agora.test{suffix}.communities.events",
        **identity.auth_settings(),
    }


@dataclass(frozen=True)
class RunningApp:
    """An app with its lifespan entered, a client calling it and a client of its database."""

    app: FastAPI
    client: httpx.AsyncClient
    mongo: AsyncMongoClient[dict[str, Any]]


@asynccontextmanager
async def running_in_process(
    settings: ServiceSettings,
    build_app: Callable[[TracerProvider], FastAPI],
    publisher: StreamPublisher,
    *,
    topics_to_delete: Sequence[str] = (),
) -> AsyncIterator[RunningApp]:
    """The app ``build_app`` makes (with a tracer provider of its own) serving in process, and
    ``publisher`` started; afterwards the database is dropped and ``topics_to_delete`` deleted."""
    tracer_provider = TracerProvider()
    app = build_app(tracer_provider)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_url.get_secret_value(), tz_aware=True
    )
    try:
        async with serving(app) as client:
            await publisher.start()
            try:
                yield RunningApp(app=app, client=client, mongo=mongo)
            finally:
                await publisher.stop()
    finally:
        tracer_provider.shutdown()
        await mongo.drop_database(settings.mongo_database)
        await mongo.close()
        if topics_to_delete:
            await delete_topics(settings.kafka_bootstrap_servers, topics_to_delete)


async def delete_topics(bootstrap: str, topics: Sequence[str]) -> None:
    """Delete those of ``topics`` that exist: the shared test broker slows down with every
    partition kept."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        doomed = [topic for topic in topics if topic in existing]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()
