import httpx
import pytest

from .probe_service import BODY_LIMIT

pytestmark = pytest.mark.unit


async def test_metrics_count_requests_by_route_template_not_raw_path(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/things/4217")

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'http_requests_total{method="GET",route="/things/{thing_id}",status="200"}' in (
        response.text
    )
    assert "/things/4217" not in response.text


async def test_metrics_time_requests_in_a_latency_histogram(client: httpx.AsyncClient) -> None:
    await client.post("/conflict")

    response = await client.get("/metrics")

    assert (
        'http_request_duration_seconds_count{method="POST",route="/conflict",status="409"}'
        in response.text
    )


async def test_requests_no_route_matched_share_one_label(client: httpx.AsyncClient) -> None:
    await client.get("/scanner/wp-admin.php")

    response = await client.get("/metrics")

    assert 'route="<unmatched>",status="404"' in response.text
    assert "wp-admin" not in response.text


async def test_metrics_include_other_collectors_of_the_default_registry(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/metrics")

    assert "python_info" in response.text


async def test_a_refused_oversized_body_is_counted_under_its_route(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/things", content=b"x" * (BODY_LIMIT + 1))

    response = await client.get("/metrics")

    assert 'http_requests_total{method="POST",route="/things",status="413"}' in response.text
