"""Fixtures of the feed tests: one running app and organisation per test module."""

from collections.abc import AsyncIterator

import pytest

from agora.feed.settings import FeedSettings
from agora.localinfra import InfraEndpoints
from agora.testing.identity import TestIdentityProvider
from tests.feed.harness import FeedApi, MovableClock, Organisation, fresh_settings, running_feed


@pytest.fixture(scope="session")
def identity() -> TestIdentityProvider:
    return TestIdentityProvider()


@pytest.fixture(scope="module")
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture(scope="module")
def settings(infra_endpoints: InfraEndpoints, identity: TestIdentityProvider) -> FeedSettings:
    return fresh_settings(infra_endpoints, identity)


@pytest.fixture(scope="module")
async def feed(
    settings: FeedSettings, identity: TestIdentityProvider, clock: MovableClock
) -> AsyncIterator[tuple[FeedApi, Organisation]]:
    async with running_feed(settings, identity, clock) as running:
        yield running


@pytest.fixture(scope="module")
def api(feed: tuple[FeedApi, Organisation]) -> FeedApi:
    return feed[0]


@pytest.fixture(scope="module")
def org(feed: tuple[FeedApi, Organisation]) -> Organisation:
    return feed[1]
