"""``python -m agora.profiles`` serves the API configured by ``AGORA_*`` variables."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
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
        port: int = probe.getsockname()[1]
    return port


async def test_the_module_entry_point_serves_until_terminated(
    infra_endpoints: InfraEndpoints, idp: TestIdentityProvider
) -> None:
    port = _free_port()
    tag = uuid.uuid4().hex[:10]
    environment = {
        **os.environ,
        "AGORA_PORT": str(port),
        "AGORA_KAFKA_BOOTSTRAP_SERVERS": infra_endpoints.kafka_bootstrap,
        "AGORA_MONGO_URL": infra_endpoints.mongo_url,
        "AGORA_MONGO_DATABASE": f"test_profiles_{tag}",
        "AGORA_EVENTS_TOPIC": f"agora.test{tag}.profiles",
        "AGORA_READ_MODEL_NAME": f"people_{tag}",
        "AGORA_CARDS_TOPIC": f"agora.test{tag}.profiles.cards",
        "AGORA_CARDS_PROJECTION": f"cards_{tag}",
        "AGORA_AUTH_ISSUER": idp.issuer,
        "AGORA_AUTH_AUDIENCE": idp.audience,
        "AGORA_AUTH_PUBLIC_KEY_PEM": idp.public_key_pem,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "agora.profiles",
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            while status != 200 and time.monotonic() < deadline:
                try:
                    status = (await client.get("/readyz")).status_code
                except httpx.TransportError:
                    await asyncio.sleep(0.2)
            unauthenticated = await client.get("/people/anyone")
            metrics = (await client.get("/metrics")).text
        assert status == 200
        assert unauthenticated.status_code == 401
        # The collector was tuned and timed before the app started (agora.servicekit.serve).
        full_collections = [
            line
            for line in metrics.splitlines()
            if line.startswith('agora_python_gc_pause_seconds_count{generation="2"}')
        ]
        assert full_collections
        assert float(full_collections[0].split()[-1]) >= 1
    finally:
        process.send_signal(signal.SIGTERM)
        exit_code = await asyncio.wait_for(process.wait(), timeout=30)
        mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra_endpoints.mongo_url)
        await mongo.drop_database(environment["AGORA_MONGO_DATABASE"])
        await mongo.close()
    # uvicorn shuts down gracefully, then re-raises the signal it caught.
    assert exit_code in {0, -signal.SIGTERM}
