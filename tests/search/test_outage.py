"""An Elasticsearch outage: the indexer keeps retrying without committing, shows its lag, and
catches up when Elasticsearch answers again; searches answer 503 meanwhile.

The shared test cluster cannot be stopped, so the app reaches it through a proxy the test cuts.
"""

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from prometheus_client import REGISTRY

from agora.localinfra import InfraEndpoints
from agora.testing.identity import TestIdentityProvider
from tests.search.harness import Organisation, SearchApi, fresh_settings, running_search
from tests.search.proxy import TcpProxy

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def proxy(infra_endpoints: InfraEndpoints) -> AsyncIterator[TcpProxy]:
    target = urlsplit(infra_endpoints.elasticsearch_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 9200)
    await proxy.start()
    yield proxy
    await proxy.cut()


@pytest.fixture(scope="module")
async def search(
    infra_endpoints: InfraEndpoints, identity: TestIdentityProvider, proxy: TcpProxy
) -> AsyncIterator[tuple[SearchApi, Organisation]]:
    settings = fresh_settings(infra_endpoints, identity, elasticsearch_url=proxy.url)
    async with running_search(
        settings, identity, elasticsearch_url=infra_endpoints.elasticsearch_url
    ) as running:
        yield running


def lag(api: SearchApi) -> float:
    name = api.settings.projection_prefix
    return sum(
        sample.value
        for metric in REGISTRY.collect()
        if metric.name == "agora_projection_lag_events"
        for sample in metric.samples
        if sample.labels.get("projection") == name
    )


def blocked(api: SearchApi) -> float | None:
    return REGISTRY.get_sample_value(
        "agora_search_indexing_blocked", {"projection": api.settings.projection_prefix}
    )


async def test_indexing_waits_for_elasticsearch_and_catches_up(
    api: SearchApi, org: Organisation, proxy: TcpProxy
) -> None:
    author = await org.person("Before the outage")
    first = await org.post(author, "avant la panne")
    await api.settled()
    assert (await api.ok("/posts", person=author, q="panne"))["total"] == 1

    await proxy.cut()
    during = [await org.post(author, f"pendant la panne {n}") for n in range(5)]
    await asyncio.sleep(4)

    assert not await api.caught_up()  # nothing committed while Elasticsearch is away
    assert blocked(api) == 1
    assert lag(api) >= 1
    response = await api.get("/posts", person=author, q="panne")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/search/search-unavailable")
    assert (await api.client.get("/readyz")).status_code == 503

    await proxy.restore()
    await api.settled()

    found = await api.ok("/posts", person=author, q="panne", limit=50)
    assert {r["post_id"] for r in found["results"]} == {first, *during}
    assert blocked(api) == 0
    assert lag(api) == 0
