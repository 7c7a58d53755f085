"""Fixtures of the communities tests: one running app per test module."""

from collections.abc import AsyncIterator

import pytest

from agora.communities.settings import CommunitiesSettings
from agora.localinfra import InfraEndpoints
from agora.testing.identity import TestIdentityProvider
from tests.communities.harness import Api, MovableClock, fresh_settings, running_app


@pytest.fixture(scope="session")
def identity() -> TestIdentityProvider:
    return TestIdentityProvider()


@pytest.fixture(scope="module")
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture(scope="module")
def settings(
    infra_endpoints: InfraEndpoints, identity: TestIdentityProvider
) -> CommunitiesSettings:
    return fresh_settings(infra_endpoints, identity)


@pytest.fixture(scope="module")
async def api(
    settings: CommunitiesSettings, identity: TestIdentityProvider, clock: MovableClock
) -> AsyncIterator[Api]:
    async with running_app(settings, identity, clock) as running:
        yield running
