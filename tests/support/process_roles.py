"""Running one service as separate `api` and `worker` processes (apps) on the same stack."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan entered, and a client calling it in process."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        yield client


async def consumer_groups(bootstrap: str) -> set[str]:
    """The consumer groups the broker knows."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return {group[0] for group in await admin.list_consumer_groups()}
    finally:
        await admin.close()


def projection_groups(groups: set[str], projection: str) -> set[str]:
    """The consumer groups of every generation of ``projection``."""
    return {group for group in groups if group.startswith(f"agora.projection.{projection}.g")}


async def assert_serves_only_health_and_metrics(client: httpx.AsyncClient) -> None:
    """A worker process answers the probes and serves metrics, and nothing of the API."""
    healthz = await client.get("/healthz")
    assert healthz.status_code == 200, healthz.text
    assert healthz.json() == {"status": "ok", "checks": {"workers": {"status": "ok"}}}
    assert (await client.get("/readyz")).status_code == 200
    assert (await client.get("/metrics")).status_code == 200
    assert (await client.get("/openapi.json")).status_code == 404
    assert (await client.get("/docs")).status_code == 404
