"""A profiles API per test module, on a fresh database, topics and read model names."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from pymongo import AsyncMongoClient

from agora.localinfra import InfraEndpoints
from agora.profiles.app import create_profiles_app
from agora.profiles.settings import ProfilesSettings
from agora.testing.identity import TestIdentityProvider
from tests.profiles.harness import ProfilesClient


@pytest.fixture(scope="module")
def idp() -> TestIdentityProvider:
    return TestIdentityProvider()


@pytest.fixture(scope="module")
async def profiles_settings(
    infra_endpoints: InfraEndpoints, idp: TestIdentityProvider
) -> AsyncIterator[ProfilesSettings]:
    tag = uuid.uuid4().hex[:10]
    settings = ProfilesSettings(
        environment="test",
        kafka_bootstrap_servers=infra_endpoints.kafka_bootstrap,
        mongo_url=infra_endpoints.mongo_url,
        mongo_database=f"test_profiles_{tag}",
        events_topic=f"agora.test{tag}.profiles",
        read_model_name=f"people_{tag}",
        cards_topic=f"agora.test{tag}.profiles.cards",
        profile_cards_topic=f"agora.test{tag}.profiles.cards",
        cards_projection=f"cards_{tag}",
        **idp.auth_settings(),
    )
    yield settings
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra_endpoints.mongo_url)
    await client.drop_database(settings.mongo_database)
    await client.close()


@pytest.fixture(scope="module")
async def profiles(
    profiles_settings: ProfilesSettings, idp: TestIdentityProvider
) -> AsyncIterator[ProfilesClient]:
    app = create_profiles_app(settings=profiles_settings, tracer_provider=TracerProvider())
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http,
    ):
        yield ProfilesClient(http=http, idp=idp)
