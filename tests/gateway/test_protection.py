"""Rate limits, body size limit, CORS, security headers and request ids at the gateway."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from agora.gateway.app import create_app
from agora.gateway.settings import GatewaySettings
from agora.localinfra import InfraEndpoints
from agora.testing.identity import TestIdentityProvider
from tests.gateway.harness import (
    bearer,
    echoed,
    gateway_settings,
    problem_of,
    running_gateway,
    serving,
    signed,
)

pytestmark = pytest.mark.integration

PATH = "/api/v1/echo/echo/x"
ORIGIN = "https://agora.example.com"


@pytest.fixture(scope="module")
def limited_settings(
    infra_endpoints: InfraEndpoints,
    identity: TestIdentityProvider,
    key_file: Path,
    jwks_url: str,
    services: dict[str, str],
) -> GatewaySettings:
    return gateway_settings(
        infra=infra_endpoints,
        identity=identity,
        key_file=key_file,
        jwks_url=jwks_url,
        services=services,
        activity_enabled=False,
        rate_limit_person_per_second=0.5,
        rate_limit_person_burst=3,
        rate_limit_ip_per_second=0.5,
        rate_limit_ip_burst=8,
        max_request_body_bytes=1024,
    )


@pytest.fixture
async def limited(limited_settings: GatewaySettings) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh gateway with small limits (fresh buckets for each test)."""
    async with running_gateway(limited_settings) as client:
        yield client


async def test_a_person_over_their_rate_is_refused_with_429_and_retry_after(
    limited: httpx.AsyncClient, identity: TestIdentityProvider
) -> None:
    alice = bearer(signed(identity.key, identity, "p-alice"))
    bob = bearer(signed(identity.key, identity, "p-bob"))

    statuses = [(await limited.get(PATH, headers=alice)).status_code for _ in range(3)]
    refused = await limited.get(PATH, headers=alice)
    other_person = await limited.get(PATH, headers=bob)

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "2"  # one token per 2 s
    assert "per person" in problem_of(refused)["detail"]
    assert other_person.status_code == 200


async def test_a_client_address_over_its_rate_is_refused_even_before_authentication(
    limited: httpx.AsyncClient,
) -> None:
    statuses = [(await limited.get(PATH)).status_code for _ in range(9)]

    assert statuses[:8] == [401] * 8
    assert statuses[8] == 429
    refused = await limited.get(PATH)
    assert "per client address" in problem_of(refused)["detail"]
    assert int(refused.headers["retry-after"]) >= 1
    assert (await limited.get("/healthz")).status_code == 200  # probes are never limited


async def test_a_declared_oversized_body_is_a_413_without_reaching_the_service(
    limited: httpx.AsyncClient, identity: TestIdentityProvider
) -> None:
    response = await limited.post(
        PATH, headers=bearer(signed(identity.key, identity, "p-big")), content=b"x" * 2048
    )

    assert response.status_code == 413
    assert "1024 bytes" in problem_of(response)["detail"]


@pytest.fixture(scope="module")
def served_limited(limited_settings: GatewaySettings) -> Iterator[str]:
    tracer_provider = TracerProvider()
    with serving(create_app(settings=limited_settings, tracer_provider=tracer_provider)) as url:
        yield url
    tracer_provider.shutdown()


async def test_an_oversized_chunked_upload_is_answered_413_before_its_end(
    served_limited: str, identity: TestIdentityProvider
) -> None:
    # No Content-Length, so the gateway can only count; and the body never ends, so only a
    # gateway that answers as soon as the count passes the limit answers at all.
    host, port = httpx.URL(served_limited).host, httpx.URL(served_limited).port
    assert port is not None
    reader, writer = await asyncio.open_connection(host, port)
    token = signed(identity.key, identity, "p-chunky")
    writer.write(
        (
            f"POST {PATH} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            "Transfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\n\r\n"
        ).encode()
    )
    for _ in range(8):  # 4 KiB against a 1 KiB limit, and no final chunk
        writer.write(b"200\r\n" + b"y" * 512 + b"\r\n")
    await writer.drain()
    try:
        status_line = await asyncio.wait_for(reader.readline(), timeout=10)
    finally:
        writer.close()

    assert status_line.startswith(b"HTTP/1.1 413"), status_line


async def test_a_cors_preflight_from_a_configured_origin_is_allowed(
    limited: httpx.AsyncClient,
) -> None:
    response = await limited.options(
        PATH,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "idempotency-key" in response.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in response.headers
    assert response.headers["x-frame-options"] == "DENY"


async def test_a_cors_preflight_from_another_origin_is_refused(
    limited: httpx.AsyncClient,
) -> None:
    response = await limited.options(
        PATH,
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_answers_to_a_configured_origin_expose_the_request_id(
    limited: httpx.AsyncClient, identity: TestIdentityProvider
) -> None:
    response = await limited.get(
        PATH, headers={**bearer(signed(identity.key, identity, "p-cors")), "Origin": ORIGIN}
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()


async def test_every_answer_carries_the_security_headers(
    gateway: httpx.AsyncClient, identity: TestIdentityProvider
) -> None:
    proxied = await gateway.get(PATH, headers=bearer(signed(identity.key, identity, "p-h")))
    refused = await gateway.get(PATH)

    for response in (proxied, refused):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
        assert "strict-transport-security" not in response.headers  # plain HTTP


async def test_hsts_is_sent_over_https(settings: GatewaySettings) -> None:
    async with running_gateway(
        settings.model_copy(update={"activity_enabled": False}), base_url="https://gateway.test"
    ) as client:
        response = await client.get("/healthz")

    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_a_malformed_request_id_is_replaced_and_a_good_one_kept(
    gateway: httpx.AsyncClient, identity: TestIdentityProvider
) -> None:
    token = bearer(signed(identity.key, identity, "p-id"))
    forged = await gateway.get(PATH, headers={**token, "X-Request-ID": "x fake\tlog=line"})
    kept = await gateway.get(PATH, headers={**token, "X-Request-ID": "trace-me-123"})
    none = await gateway.get(PATH, headers=token)

    assert forged.headers["x-request-id"] != "x fake\tlog=line"
    assert dict(echoed(forged).headers)["x-request-id"] == forged.headers["x-request-id"]
    assert kept.headers["x-request-id"] == "trace-me-123"
    assert len(none.headers["x-request-id"]) == 36  # a UUID
