"""A small service built with the kit: the routes the tests call, and response helpers."""

import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any, Protocol

import httpx
from fastapi import APIRouter, FastAPI, Response, status
from fastapi.responses import StreamingResponse
from pydantic import Field

from agora.eventsourcing.errors import (
    ConcurrencyError,
    IdempotencyKeyReusedError,
    UnknownEventTypeError,
)
from agora.servicekit import ApiModel, ReadinessCheck, ServiceLifespan

BODY_LIMIT = 1024
CATALOGUE_SIZE = 200
"""Things ``GET /catalogue`` lists: several KiB of JSON."""
LEAKED_SECRET = "password=hunter2"


class ThingIn(ApiModel):
    name: str = Field(min_length=1, max_length=50)
    count: int


class QuotaExceededError(Exception):
    pass


def things_router() -> APIRouter:
    router = APIRouter()
    logger = logging.getLogger("probe.things")

    @router.post("/things", status_code=status.HTTP_201_CREATED)
    async def create_thing(thing: ThingIn) -> ThingIn:
        return thing

    @router.get("/things/{thing_id}")
    async def get_thing(thing_id: int) -> dict[str, int]:
        logger.info("fetched thing %d", thing_id)
        return {"id": thing_id}

    @router.get("/cached")
    async def cached(response: Response) -> dict[str, str]:
        response.headers["Cache-Control"] = "public, max-age=60"
        return {"cached": "yes"}

    @router.post("/conflict")
    async def conflict() -> None:
        raise ConcurrencyError(stream_id="thing-1", expected_version=3, actual_version=4)

    @router.post("/idempotency")
    async def idempotency() -> None:
        raise IdempotencyKeyReusedError(command_id="cmd-1")

    @router.get("/unknown-event")
    async def unknown_event() -> None:
        raise UnknownEventTypeError(event_type="ThingRenamed", schema_version=7)

    @router.get("/quota")
    async def quota() -> None:
        raise QuotaExceededError("you have made 100 things today")

    @router.get("/catalogue")
    async def catalogue() -> list[dict[str, str]]:
        return [{"id": str(n), "name": f"Chose numéro {n}"} for n in range(CATALOGUE_SIZE)]

    @router.get("/events")
    async def events() -> StreamingResponse:
        async def stream() -> AsyncIterator[bytes]:
            yield b"data: " + b"x" * 4000 + b"\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError(f"cannot connect to mongodb://admin:{LEAKED_SECRET}@db")

    return router


class AppFactory(Protocol):
    """Builds the probe service; tests vary its readiness checks and lifespan."""

    def __call__(
        self,
        *,
        readiness_checks: Mapping[str, ReadinessCheck] = ...,
        lifespan: ServiceLifespan | None = ...,
    ) -> FastAPI: ...


def client_of(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def problem_of(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    return body
