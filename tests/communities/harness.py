"""Running the communities app against the real test stack and calling it as people."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from opentelemetry.sdk.trace import TracerProvider
from pymongo import AsyncMongoClient

from agora.communities.app import create_app
from agora.communities.settings import CommunitiesSettings
from agora.localinfra import InfraEndpoints
from agora.testing.identity import TestIdentityProvider
from tests.support.kafka_reading import eventually


class MovableClock:
    """A clock that starts at the real time and can be moved forward."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def fresh_settings(infra: InfraEndpoints, identity: TestIdentityProvider) -> CommunitiesSettings:
    """Settings with a database, topic and read model of their own."""
    suffix = uuid.uuid4().hex[:10]
    return CommunitiesSettings(
        kafka_bootstrap_servers=infra.kafka_bootstrap,
        mongo_url=infra.mongo_url,
        mongo_database=f"test_communities_{suffix}",
        events_topic=f"agora.test{suffix}.communities.events",
        profiles_topic=f"agora.test{suffix}.profiles.events",
        profile_cards_topic=f"agora.test{suffix}.profiles.cards",
        directory_projection=f"directory_{suffix}",
        erasure_consumer=f"erasures_{suffix}",
        archiver_interval_seconds=0.2,
        **identity.auth_settings(),
    )


class Api:
    """Calls the app as a given person."""

    def __init__(self, client: httpx.AsyncClient, identity: TestIdentityProvider) -> None:
        self.client = client
        self._identity = identity

    async def call(
        self,
        method: str,
        path: str,
        *,
        person: str,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request with ``person``'s bearer token."""
        return await self.client.request(
            method,
            path,
            json=json,
            headers={**self._identity.headers(person), **(headers or {})},
        )

    async def create(self, owner: str, **fields: Any) -> str:
        """Create a community owned by ``owner``; returns its id."""
        body = {"name": f"Community {uuid.uuid4().hex[:6]}", **fields}
        response = await self.call("POST", "/communities", person=owner, json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def wait_for_members(self, community_id: str, viewer: str, expected: set[str]) -> None:
        """Wait until the member list (a projection) shows exactly ``expected``."""

        async def members() -> bool:
            response = await self.call("GET", f"/communities/{community_id}/members", person=viewer)
            return {m["person_id"] for m in response.json()["items"]} == expected

        await eventually(members)


@asynccontextmanager
async def running_app(
    settings: CommunitiesSettings, identity: TestIdentityProvider, clock: MovableClock
) -> AsyncIterator[Api]:
    """The app with its lifespan entered; the database is dropped afterwards."""
    tracer_provider = TracerProvider()
    app = create_app(settings=settings, clock=clock, tracer_provider=tracer_provider)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://test"
            ) as client,
        ):
            yield Api(client, identity)
    finally:
        tracer_provider.shutdown()
        mongo: AsyncMongoClient[Any] = AsyncMongoClient(settings.mongo_url.get_secret_value())
        await mongo.drop_database(settings.mongo_database)
        await mongo.close()


def person() -> str:
    """A fresh person id."""
    return f"person-{uuid.uuid4().hex[:10]}"
