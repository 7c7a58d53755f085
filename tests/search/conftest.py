"""Fixtures of the search tests: one running app and organisation per test module."""

from collections.abc import AsyncIterator

import pytest

from agora.localinfra import InfraEndpoints
from agora.search.settings import SearchSettings
from agora.testing.identity import TestIdentityProvider
from tests.search.harness import Organisation, SearchApi, fresh_settings, running_search


@pytest.fixture(scope="session")
def identity() -> TestIdentityProvider:
    return TestIdentityProvider()


@pytest.fixture(scope="module")
def settings(infra_endpoints: InfraEndpoints, identity: TestIdentityProvider) -> SearchSettings:
    return fresh_settings(infra_endpoints, identity)


@pytest.fixture(scope="module")
async def search(
    settings: SearchSettings, identity: TestIdentityProvider
) -> AsyncIterator[tuple[SearchApi, Organisation]]:
    async with running_search(settings, identity) as running:
        yield running


@pytest.fixture(scope="module")
def api(search: tuple[SearchApi, Organisation]) -> SearchApi:
    return search[0]


@pytest.fixture(scope="module")
def org(search: tuple[SearchApi, Organisation]) -> Organisation:
    return search[1]
