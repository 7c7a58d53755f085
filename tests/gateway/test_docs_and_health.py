"""The aggregated OpenAPI document, the docs page, health, readiness and metrics."""

import gzip
import json

import httpx
import pytest

from tests.support.kafka_reading import eventually

pytestmark = pytest.mark.integration


async def test_the_aggregated_document_holds_every_reachable_services_paths_namespaced(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get("/api/openapi.json")

    assert response.status_code == 200
    document = response.json()
    paths = document["paths"]
    assert "/api/v1/communities/communities" in paths
    assert "/api/v1/echo/things" in paths
    schemas = document["components"]["schemas"]
    # Both services define a ProblemDetails schema; each keeps its own.
    assert {"communities.ProblemDetails", "echo.ProblemDetails"} <= set(schemas)
    assert "ProblemDetails" not in schemas
    create_thing = paths["/api/v1/echo/things"]["post"]
    body_schema = create_thing["requestBody"]["content"]["application/json"]["schema"]
    assert body_schema["$ref"] == "#/components/schemas/echo.Thing"
    refs = _refs(document)
    assert refs
    for ref in refs:
        section, name = ref.removeprefix("#/components/").split("/")[:2]
        assert name in document["components"][section], ref
    assert document["x-agora-services"]["search"] == {"status": "unavailable"}
    assert document["x-agora-services"]["communities"]["status"] == "available"
    assert document["security"] == [{"bearerAuth": []}]


async def test_the_aggregated_document_is_gzipped_for_a_client_that_accepts_it(
    gateway: httpx.AsyncClient,
) -> None:
    async with gateway.stream(
        "GET", "/api/openapi.json", headers={"accept-encoding": "gzip"}
    ) as response:
        body = b"".join([chunk async for chunk in response.aiter_raw()])

    assert response.headers["content-encoding"] == "gzip"
    document = json.loads(gzip.decompress(body))
    assert "/api/v1/communities/communities" in document["paths"]


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        return [
            *([node["$ref"]] if isinstance(node.get("$ref"), str) else []),
            *(ref for value in node.values() for ref in _refs(value)),
        ]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


async def test_the_docs_page_loads_swagger_ui_under_its_own_content_security_policy(
    gateway: httpx.AsyncClient,
) -> None:
    page = await gateway.get("/api/docs")
    script = await gateway.get("/api/docs/init.js")

    assert page.status_code == 200
    assert "swagger-ui-bundle.js" in page.text
    assert "<script>" not in page.text  # no inline script, so the policy needs no exception
    policy = page.headers["content-security-policy"]
    assert "script-src 'self' https://cdn.jsdelivr.net" in policy
    assert "frame-ancestors 'none'" in policy
    assert "/api/openapi.json" in script.text


async def test_healthz_answers_while_the_process_serves(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_each_service_and_stays_ready_when_one_is_down(
    gateway: httpx.AsyncClient,
) -> None:
    async def ready() -> bool:  # once the person cards are read (test_revocation.py)
        return (await gateway.get("/readyz")).status_code == 200

    await eventually(ready)
    response = await gateway.get("/readyz")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["checks"] == {"database": {"status": "ok"}, "revoked_access": {"status": "ok"}}
    assert body["upstreams"]["communities"] == {"status": "ok"}
    assert body["upstreams"]["echo"] == {"status": "ok"}
    assert body["upstreams"]["search"] == {"status": "failed", "error": "unreachable"}
    assert body["upstreams"]["broken"]["status"] == "failed"


async def test_metrics_count_forwarded_requests_by_service(gateway: httpx.AsyncClient) -> None:
    await gateway.get("/api/v1/echo/echo/x")  # refused: no token
    await gateway.post("/dev-idp/token", json={"person_id": "p-metrics"})

    response = await gateway.get("/metrics")

    assert response.status_code == 200
    assert "agora_gateway_auth_failures_total" in response.text
    assert "http_requests_total" in response.text
