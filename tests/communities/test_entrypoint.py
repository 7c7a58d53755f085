"""``python -m agora.communities`` serves the API with settings from the environment."""

import asyncio
import os
import socket
import sys
import uuid
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from agora.localinfra import InfraEndpoints
from agora.testing.identity import TestIdentityProvider

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _wait_ready(client: httpx.AsyncClient, url: str) -> None:
    for _ in range(300):
        try:
            if (await client.get(url)).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never answered 200")


async def test_the_module_entry_point_serves_the_api_from_environment_settings(
    infra_endpoints: InfraEndpoints, identity: TestIdentityProvider
) -> None:
    suffix = uuid.uuid4().hex[:10]
    port = _free_port()
    database = f"test_communities_{suffix}"
    env = {
        **os.environ,
        "AGORA_PORT": str(port),
        "AGORA_KAFKA_BOOTSTRAP_SERVERS": infra_endpoints.kafka_bootstrap,
        "AGORA_MONGO_URL": infra_endpoints.mongo_url,
        "AGORA_MONGO_DATABASE": database,
        "AGORA_EVENTS_TOPIC": f"agora.test{suffix}.communities.events",
        "AGORA_PROFILES_TOPIC": f"agora.test{suffix}.profiles.events",
        "AGORA_DIRECTORY_PROJECTION": f"directory_{suffix}",
        "AGORA_ERASURE_CONSUMER": f"erasures_{suffix}",
        "AGORA_AUTH_ISSUER": identity.issuer,
        "AGORA_AUTH_PUBLIC_KEY_PEM": identity.public_key_pem,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "agora.communities",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as client:
            await _wait_ready(client, "/readyz")
            created = await client.post(
                "/communities", json={"name": "Served"}, headers=identity.headers("someone")
            )
        assert created.status_code == 201
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)
        mongo: AsyncMongoClient[Any] = AsyncMongoClient(infra_endpoints.mongo_url)
        await mongo.drop_database(database)
        await mongo.close()
