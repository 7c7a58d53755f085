"""One image, two roles: an `api` process publishes its commands; a `worker` process projects."""

import asyncio
import os
import socket
import sys
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from pymongo import AsyncMongoClient

from agora.communities.app import create_app
from agora.communities.settings import CommunitiesSettings
from agora.localinfra import InfraEndpoints
from agora.testing.identity import TestIdentityProvider
from tests.communities.harness import fresh_settings, person
from tests.support.kafka_reading import eventually, read_topic
from tests.support.process_roles import (
    assert_serves_only_health_and_metrics,
    consumer_groups,
    projection_groups,
    serving,
)

pytestmark = pytest.mark.integration


async def test_the_api_role_publishes_and_only_the_worker_role_projects(
    infra_endpoints: InfraEndpoints, identity: TestIdentityProvider
) -> None:
    settings: CommunitiesSettings = fresh_settings(infra_endpoints, identity)
    api_app = create_app(
        settings=settings.model_copy(update={"process_role": "api"}),
        tracer_provider=TracerProvider(),
    )
    worker_app = create_app(
        settings=settings.model_copy(update={"process_role": "worker"}),
        tracer_provider=TracerProvider(),
    )
    owner = person()
    async with serving(api_app) as api:
        created = await api.post(
            "/communities", json={"name": "Roles"}, headers=identity.headers(owner)
        )
        assert created.status_code == 201, created.text
        community_id = created.json()["id"]
        published = await read_topic(
            settings.kafka_bootstrap_servers, settings.events_topic, expected=1
        )
        assert published
        groups = await consumer_groups(settings.kafka_bootstrap_servers)
        assert not projection_groups(groups, settings.directory_projection)
        members_path = f"/communities/{community_id}/members"

        async def members(client: httpx.AsyncClient) -> set[str]:
            answer = await client.get(members_path, headers=identity.headers(owner))
            assert answer.status_code == 200, answer.text
            return {member["person_id"] for member in answer.json()["items"]}

        assert await members(api) == set()

        async with serving(worker_app) as worker:
            await assert_serves_only_health_and_metrics(worker)
            assert (
                await worker.get(members_path, headers=identity.headers(owner))
            ).status_code == 404

            async def projected() -> bool:
                return await members(api) == {owner}

            await eventually(projected)
            groups = await consumer_groups(settings.kafka_bootstrap_servers)
            assert projection_groups(groups, settings.directory_projection)


async def test_the_worker_entry_point_serves_only_health_and_metrics(
    infra_endpoints: InfraEndpoints, identity: TestIdentityProvider
) -> None:
    settings = fresh_settings(infra_endpoints, identity)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = {
        **os.environ,
        "AGORA_PROCESS_ROLE": "api",  # the worker entry point overrides it
        "AGORA_PORT": str(port),
        "AGORA_KAFKA_BOOTSTRAP_SERVERS": infra_endpoints.kafka_bootstrap,
        "AGORA_MONGO_URL": infra_endpoints.mongo_url,
        "AGORA_MONGO_DATABASE": settings.mongo_database,
        "AGORA_EVENTS_TOPIC": settings.events_topic,
        "AGORA_PROFILES_TOPIC": settings.profiles_topic,
        "AGORA_DIRECTORY_PROJECTION": settings.directory_projection,
        "AGORA_ERASURE_CONSUMER": settings.erasure_consumer,
        "AGORA_AUTH_ISSUER": identity.issuer,
        "AGORA_AUTH_PUBLIC_KEY_PEM": identity.public_key_pem,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "agora.communities.worker",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:

            async def ready() -> bool:
                try:
                    return (await client.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(ready, timeout=60)
            await assert_serves_only_health_and_metrics(client)
            routed = await client.get("/communities", headers=identity.headers(person()))
            assert routed.status_code == 404

            async def consuming() -> bool:
                groups = await consumer_groups(infra_endpoints.kafka_bootstrap)
                return bool(projection_groups(groups, settings.directory_projection))

            await eventually(consuming)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)
        mongo: AsyncMongoClient[Any] = AsyncMongoClient(infra_endpoints.mongo_url)
        await mongo.drop_database(settings.mongo_database)
        await mongo.close()
