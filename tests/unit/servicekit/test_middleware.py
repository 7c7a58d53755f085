import uuid

import httpx
import pytest

from .probe_service import BODY_LIMIT

pytestmark = pytest.mark.unit


async def test_a_well_formed_incoming_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/things/1", headers={"x-request-id": "gw-01HZ.abc_9"})

    assert response.headers["x-request-id"] == "gw-01HZ.abc_9"


@pytest.mark.parametrize(
    "incoming",
    [None, "", "has spaces", "line\\nbreak", "x" * 129, "'; drop"],
    ids=["absent", "empty", "spaces", "escape", "too-long", "quote"],
)
async def test_a_missing_or_malformed_request_id_is_replaced_by_a_uuid(
    client: httpx.AsyncClient, incoming: str | None
) -> None:
    headers = {} if incoming is None else {"x-request-id": incoming}

    response = await client.get("/things/1", headers=headers)

    assert uuid.UUID(response.headers["x-request-id"]).version == 4


async def test_each_request_gets_its_own_generated_id(client: httpx.AsyncClient) -> None:
    first = await client.get("/healthz")
    second = await client.get("/healthz")

    assert first.headers["x-request-id"] != second.headers["x-request-id"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/things/1", None),
        ("GET", "/nowhere", None),
        ("GET", "/boom", None),
        ("POST", "/things", b"x" * (BODY_LIMIT + 1)),
    ],
    ids=["ok", "not-found", "server-error", "too-large"],
)
async def test_every_response_carries_the_security_headers_and_a_request_id(
    client: httpx.AsyncClient, method: str, path: str, body: bytes | None
) -> None:
    response = await client.request(method, path, content=body)

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-request-id"]


async def test_a_route_can_choose_its_own_cache_control(client: httpx.AsyncClient) -> None:
    response = await client.get("/cached")

    assert response.headers["cache-control"] == "public, max-age=60"
    assert response.headers["x-content-type-options"] == "nosniff"
