"""The read side's short-lived copies of names and places, on a real FerretDB collection."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from agora.feed.readside.reference_cache import RememberedDocument, name_cache
from agora.localinfra import InfraEndpoints
from tests.support.timers import ManualTimer

pytestmark = pytest.mark.integration

Document = dict[str, Any]


@pytest.fixture
async def database(infra_endpoints: InfraEndpoints) -> AsyncIterator[AsyncDatabase[Document]]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(infra_endpoints.mongo_url)
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield client[name]
    await client.drop_database(name)
    await client.close()


async def test_a_name_is_reused_for_its_lifetime_then_read_again(
    database: AsyncDatabase[Document],
) -> None:
    people = database["people"]
    await people.insert_many([{"_id": "ana", "display_name": "Ana"}, {"_id": "bo"}])
    timer = ManualTimer()
    cache = name_cache(5, timer=timer)

    assert await cache.lookup(people, ["ana", "bo", "cy", "ana"]) == {
        "ana": "Ana",
        "bo": None,
        "cy": None,
    }
    await people.update_one({"_id": "ana"}, {"$set": {"erased": True}})
    await people.update_one({"_id": "bo"}, {"$set": {"display_name": "Bo"}})
    await people.insert_one({"_id": "cy", "display_name": "Cy"})

    # Only what was found is reused; what was unknown or not usable is read again at once.
    assert await cache.lookup(people, ["ana", "bo", "cy"]) == {
        "ana": "Ana",
        "bo": "Bo",
        "cy": "Cy",
    }
    timer.now += 5.01
    assert (await cache.lookup(people, ["ana"]))["ana"] is None


async def test_copies_belong_to_their_collection_and_none_are_kept_at_zero_seconds(
    database: AsyncDatabase[Document],
) -> None:
    first, second = database["people__g1"], database["people__g2"]
    await first.insert_one({"_id": "ana", "display_name": "Ana"})
    await second.insert_one({"_id": "ana", "display_name": "Ana Lima"})
    timer = ManualTimer()
    cache = name_cache(60, timer=timer)

    assert await cache.lookup(first, ["ana"]) == {"ana": "Ana"}
    assert await cache.lookup(second, ["ana"]) == {"ana": "Ana Lima"}

    never = name_cache(0, timer=timer)
    assert await never.lookup(first, ["ana"]) == {"ana": "Ana"}
    await first.update_one({"_id": "ana"}, {"$set": {"display_name": "Ana S."}})
    assert await never.lookup(first, ["ana"]) == {"ana": "Ana S."}


async def test_a_remembered_document_and_its_absence_are_reused_then_read_again(
    database: AsyncDatabase[Document],
) -> None:
    timelines, rebuilt = database["timelines__g1"], database["timelines__g2"]
    timer = ManualTimer()
    registry = RememberedDocument("~registry", seconds=1.0, timer=timer)

    assert await registry.get(timelines) is None
    await timelines.insert_one({"_id": "~registry", "communities": ["big"]})
    await rebuilt.insert_one({"_id": "~registry", "communities": ["other"]})
    timer.now += 0.9
    assert await registry.get(timelines) is None  # the absence, remembered
    timer.now += 0.2
    assert await registry.get(timelines) == {"_id": "~registry", "communities": ["big"]}
    # Another generation's document is read at once, however fresh the last read.
    assert await registry.get(rebuilt) == {"_id": "~registry", "communities": ["other"]}

    never = RememberedDocument("~registry", seconds=0, timer=timer)
    assert await never.get(timelines) == {"_id": "~registry", "communities": ["big"]}
    await timelines.update_one({"_id": "~registry"}, {"$push": {"communities": "huge"}})
    assert await never.get(timelines) == {"_id": "~registry", "communities": ["big", "huge"]}
