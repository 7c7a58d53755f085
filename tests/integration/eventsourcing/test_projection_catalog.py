"""Which generation of a read model is active, as readers and runners see it."""

from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import ProjectionCatalog
from tests.support.timers import ManualTimer

pytestmark = pytest.mark.integration


async def test_a_reader_sees_a_switch_once_its_memory_expires_and_a_runner_at_once(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    timer = ManualTimer()
    reader = ProjectionCatalog(database=database, remember_seconds=1.0, timer=timer)
    runner = ProjectionCatalog(database=database)
    rebuild = ProjectionCatalog(database=database)

    assert await reader.active_generation("feed") == 1  # created on first use
    await rebuild.activate("feed", 2)

    assert await runner.active_generation("feed") == 2
    assert await reader.active_generation("feed") == 1
    assert (await reader.active_collection("feed", "posts")).name == "feed_posts__g1"
    timer.now += 1.01
    assert await reader.active_generation("feed") == 2
    assert (await reader.active_collection("feed", "posts")).name == "feed_posts__g2"


async def test_a_catalog_that_switches_forgets_what_it_remembered(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    catalog = ProjectionCatalog(database=database, remember_seconds=60.0, timer=ManualTimer())

    assert await catalog.active_generation("search") == 1
    await catalog.activate("search", 3)

    assert await catalog.active_generation("search") == 3
