"""Fixtures of the metrics tests: a running app and a world of events per test.

Each test gets its own topics, database and read model, so organisation-wide figures hold
exactly what the test published.
"""

from collections.abc import AsyncIterator

import pytest

from agora.localinfra import InfraEndpoints
from agora.testing.identity import TestIdentityProvider
from tests.metrics.harness import MetricsApi, World, fresh_settings, running_metrics


@pytest.fixture(scope="session")
def identity() -> TestIdentityProvider:
    return TestIdentityProvider()


@pytest.fixture
async def metrics(
    infra_endpoints: InfraEndpoints, identity: TestIdentityProvider
) -> AsyncIterator[tuple[MetricsApi, World]]:
    settings = fresh_settings(infra_endpoints, identity)
    async with running_metrics(settings, identity) as running:
        yield running


@pytest.fixture
def api(metrics: tuple[MetricsApi, World]) -> MetricsApi:
    return metrics[0]


@pytest.fixture
def world(metrics: tuple[MetricsApi, World]) -> World:
    return metrics[1]
