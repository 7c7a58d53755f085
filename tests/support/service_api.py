"""What the test APIs of the services fed by topics share: calling as people, their database,
and waiting until their projection has caught up with the topics."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import httpx
from pymongo import AsyncMongoClient

from agora.eventsourcing import ProjectionCatalog
from agora.eventsourcing.runner import consumer_group
from agora.servicekit.settings import ServiceSettings
from agora.testing.identity import TestIdentityProvider
from tests.support.kafka_reading import committed_to_end

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)
SETTLE_POLL_SECONDS = 0.05


class ServiceApi(Generic[SettingsT]):
    """Calls a service's app as given people, and reads its database."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        identity: TestIdentityProvider,
        settings: SettingsT,
        mongo: AsyncMongoClient[dict[str, Any]],
    ) -> None:
        self.client = client
        self.settings = settings
        self.mongo = mongo
        self._identity = identity

    @property
    def database(self) -> Any:
        """The service's database (for assertions on what it stored)."""
        return self.mongo[self.settings.mongo_database]


async def wait_until_settled(
    caught_up: Callable[[], Awaitable[bool]], *, timeout: float, what: str
) -> None:
    """Poll ``caught_up()`` until it is true; fail saying ``what`` did not settle otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await caught_up():
            return
        await asyncio.sleep(SETTLE_POLL_SECONDS)
    raise AssertionError(f"{what} did not settle within {timeout} s")


async def projection_committed_to_end(
    database: Any, *, bootstrap: str, projection: str, topics: list[str]
) -> bool:
    """Whether the consumer group of the projection's active generation committed every
    non-empty partition of ``topics`` to its end."""
    generation = await ProjectionCatalog(database=database).active_generation(projection)
    group = consumer_group(projection, generation)
    return await committed_to_end(bootstrap, group, topics)
