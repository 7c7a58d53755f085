"""Requests reach the right service intact, answers stream back, failures name the service."""

import asyncio
import gzip
import hashlib
import json
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from agora.gateway.app import create_app
from agora.gateway.settings import GatewaySettings
from agora.gateway.upstream import BUFFERED_BODY_BYTES
from tests.gateway.harness import bearer, echoed, problem_of, serving

pytestmark = pytest.mark.integration


async def token_for(gateway: httpx.AsyncClient, person: str, *roles: str) -> str:
    response = await gateway.post("/dev-idp/token", json={"person_id": person, "roles": roles})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture(scope="module")
async def alice(gateway: httpx.AsyncClient) -> dict[str, str]:
    return bearer(await token_for(gateway, "person-alice"))


async def test_a_request_reaches_its_service_with_method_path_query_and_body_intact(
    gateway: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await gateway.patch(
        "/api/v1/echo/echo/caf%C3%A9/a%2Fb?q=%C3%A9t%C3%A9&tag=a&tag=b",
        headers=alice,
        content=b'{"name": "x"}',
    )

    request = echoed(response)
    assert request.method == "PATCH"
    assert request.raw_path == "/echo/caf%C3%A9/a%2Fb"
    assert request.query == "q=%C3%A9t%C3%A9&tag=a&tag=b"
    assert request.body_bytes == len(b'{"name": "x"}')


async def test_the_service_gets_the_token_a_request_id_trace_context_the_client_address_and_prefix(
    gateway: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = await gateway.get(
        "/api/v1/echo/echo/x",
        headers={
            **alice,
            "X-Request-ID": "client-chosen-id-42",
            "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01",
            "X-Forwarded-Prefix": "/somewhere-else",
        },
    )

    headers = dict(echoed(response).headers)
    assert headers["authorization"] == alice["Authorization"]
    assert headers["x-request-id"] == "client-chosen-id-42"
    assert response.headers["x-request-id"] == "client-chosen-id-42"
    version, forwarded_trace, parent, _ = headers["traceparent"].split("-")
    assert (version, forwarded_trace) == ("00", trace_id)
    assert parent != "00f067aa0ba902b7"  # the gateway's own span is the service's parent
    assert headers["x-forwarded-for"] == "203.0.113.7"
    assert headers["x-forwarded-proto"] == "http"
    # Replaced, not passed on: services name their problems' `instance` by it.
    assert headers["x-forwarded-prefix"] == "/api/v1/echo"


async def test_a_header_value_with_octets_beyond_ascii_reaches_the_service_as_sent(
    gateway: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    """HTTP allows any octet from 0x80 up in a field value (obs-text); found by the fuzzer,
    where such an Idempotency-Key made the gateway fail with a 500."""
    sent = "clé-été-42".encode()

    response = await gateway.post(
        "/api/v1/echo/echo/x",
        headers=[(b"Authorization", alice["Authorization"].encode()), (b"Idempotency-Key", sent)],
        content=b"{}",
    )

    headers = dict(echoed(response).headers)
    assert headers["idempotency-key"].encode("latin-1") == sent


async def test_a_header_that_cannot_be_forwarded_is_the_clients_400_not_a_502(
    gateway: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    """Found by the fuzzer: a name with a separator, or a value with a vertical tab, reaches
    the gateway but cannot go out as HTTP/1.1; that was a 502 blaming the service."""
    token = (b"Authorization", alice["Authorization"].encode())
    # The last: obs-text that is not UTF-8 (Latin-1 "café"), which the gateway's client cannot
    # send as the same octets.
    for header in ((b"X-Note", b"a\x0bb"), (b"X-Note;", b"1"), (b"X-Note", b"caf\xe9")):
        response = await gateway.get("/api/v1/echo/echo/x", headers=[token, header])

        assert response.status_code == 400, response.text
        assert problem_of(response)["type"].endswith("/gateway/invalid-header")


async def test_the_service_gets_the_clients_headers_and_the_gateways_and_nothing_else(
    gateway: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    """No User-Agent, Accept, Accept-Encoding or Content-Type of the gateway's own making: an
    Accept-Encoding the client never sent would bring it a compressed answer."""
    request = gateway.build_request("POST", "/api/v1/echo/echo/x", headers=alice, content=b"{}")
    for default in ("accept", "accept-encoding", "user-agent", "connection"):
        del request.headers[default]  # the test client's own defaults

    response = await gateway.send(request)

    names = {name for name, _ in echoed(response).headers}
    gateways = {"x-request-id", "traceparent", "x-forwarded-for", "x-forwarded-proto"}
    gateways |= {"x-forwarded-prefix", "x-forwarded-host", "host"}
    assert names == {"authorization", "content-length"} | gateways


async def test_hop_by_hop_cookie_and_identity_headers_are_not_forwarded(
    gateway: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await gateway.get(
        "/api/v1/echo/echo/x",
        headers={
            **alice,
            "Connection": "keep-alive, X-Secret-Hop",
            "X-Secret-Hop": "1",
            "Keep-Alive": "timeout=5",
            "Cookie": "session=abc",
            "X-User-Id": "person-admin",
            "X-Agora-Person": "person-admin",
            "X-Forwarded-For": "10.0.0.1",
            "Accept-Language": "fr-FR",
        },
    )

    names = {name for name, _ in echoed(response).headers}
    for dropped in (
        "x-secret-hop",
        "keep-alive",
        "cookie",
        "x-user-id",
        "x-agora-person",
    ):
        assert dropped not in names
    headers = dict(echoed(response).headers)
    assert headers["x-forwarded-for"] == "203.0.113.7"  # never the client's own claim
    assert headers["accept-language"] == "fr-FR"


async def test_the_services_headers_come_back_with_locations_in_the_gateways_terms(
    gateway: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await gateway.post("/api/v1/echo/created", headers=alice)

    assert response.status_code == 201
    assert response.headers["location"] == "/api/v1/echo/things/7"
    vary = {v.strip() for value in response.headers.get_list("vary") for v in value.split(",")}
    assert {"Accept", "Accept-Language"} <= vary  # both repeated headers survive
    assert response.json() == {"id": "7"}


@pytest.mark.parametrize(
    ("size", "declared"),
    [(200 * 1024, False), (200 * 1024, True), (BUFFERED_BODY_BYTES, True), (1, True)],
    ids=["large-chunked", "large-with-length", "largest-read-whole", "one-byte"],
)
async def test_an_upload_arrives_whole_chunked_or_not_streamed_or_read_whole(
    gateway: httpx.AsyncClient, alice: dict[str, str], size: int, declared: bool
) -> None:
    payload = os.urandom(size)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(payload), 16 * 1024):
            yield payload[start : start + 16 * 1024]

    response = await gateway.post(
        "/api/v1/echo/echo/upload", headers=alice, content=payload if declared else chunks()
    )

    request = echoed(response)
    assert request.body_bytes == len(payload)
    assert request.body_sha256 == hashlib.sha256(payload).hexdigest()


async def test_the_real_communities_service_answers_through_the_gateway(
    gateway: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    created = await gateway.post(
        "/api/v1/communities/communities",
        headers=alice,
        json={"name": "Gateway walkers", "description": "We test gateways on foot."},
    )
    assert created.status_code == 201, created.text
    community_id = created.json()["id"]

    read = await gateway.get(f"/api/v1/communities/communities/{community_id}", headers=alice)

    assert read.status_code == 200, read.text
    assert read.json()["name"] == "Gateway walkers"


async def test_a_services_compressed_answer_passes_through_as_the_service_sent_it(
    gateway: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    # The communities service's OpenAPI document: several KiB of JSON, gzipped by the service.
    async with gateway.stream(
        "GET", "/api/v1/communities/openapi.json", headers={**alice, "accept-encoding": "gzip"}
    ) as response:
        body = b"".join([chunk async for chunk in response.aiter_raw()])

    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) == len(body)
    assert "accept-encoding" in response.headers["vary"].lower()
    assert "/communities" in json.loads(gzip.decompress(body))["paths"]


async def test_a_service_that_is_down_is_a_503_naming_it_while_the_others_answer(
    gateway: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    down = await gateway.get("/api/v1/search/search?q=x", headers=alice)
    up = await gateway.get("/api/v1/communities/communities", headers=alice)

    problem = problem_of(down)
    assert down.status_code == 503
    assert problem["service"] == "search"
    assert "search" in problem["detail"]
    assert down.headers["retry-after"] == "5"
    assert up.status_code == 200


async def test_a_service_that_does_not_answer_in_time_is_a_504(
    gateway: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    started = time.monotonic()
    response = await gateway.get("/api/v1/echo/slow?seconds=5", headers=alice)

    assert response.status_code == 504
    assert problem_of(response)["service"] == "echo"
    assert time.monotonic() - started < 4


async def test_an_answer_that_is_not_http_is_a_502(
    gateway: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await gateway.get("/api/v1/broken/anything", headers=alice)

    assert response.status_code == 502
    assert problem_of(response)["service"] == "broken"


async def test_an_unknown_service_is_a_404_listing_the_services(
    gateway: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await gateway.get("/api/v1/payroll/salaries", headers=alice)

    assert response.status_code == 404
    assert "communities" in problem_of(response)["detail"]


# httpx removes literal dot segments itself, as browsers do; encoded ones reach the server.
@pytest.mark.parametrize("path", ["/api/v1/echo/echo/%2e%2e/%2E%2E/admin", "/api/v1/echo/.%2e/x"])
async def test_dot_segments_are_refused(
    gateway: httpx.AsyncClient, alice: dict[str, str], path: str
) -> None:
    response = await gateway.get(path, headers=alice)

    assert response.status_code == 400
    problem_of(response)


@pytest.fixture(scope="module")
def served_gateway(settings: GatewaySettings) -> Iterator[str]:
    """The same gateway served by uvicorn, to see bytes as a real client does."""
    tracer_provider = TracerProvider()
    app = create_app(
        settings=settings.model_copy(update={"activity_enabled": False}),
        tracer_provider=tracer_provider,
    )
    with serving(app) as url:
        yield url
    tracer_provider.shutdown()


async def test_an_answer_is_streamed_to_the_client_as_the_service_produces_it(
    served_gateway: str,
    echo: tuple[str, threading.Event],
    gateway: httpx.AsyncClient,
    alice: dict[str, str],
) -> None:
    _, release = echo
    release.clear()
    async with (
        httpx.AsyncClient(base_url=served_gateway, timeout=10) as client,
        client.stream("GET", "/api/v1/echo/stream", headers=alice) as response,
    ):
        chunks = response.aiter_raw()
        first = await asyncio.wait_for(chunks.__anext__(), timeout=5)
        # The service is still holding its second chunk back: only a streaming gateway could
        # have delivered the first one already.
        release.set()
        rest = b"".join([chunk async for chunk in chunks])

    assert response.status_code == 200
    assert first == b"first chunk\n"
    assert rest == b"second chunk\n"
