"""Group commit: inserts that wait together go out together, each learning its own outcome."""

import asyncio
from typing import Any

import pytest
from bson.errors import InvalidDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from agora.eventsourcing.grouped_inserts import GroupedInserts

pytestmark = pytest.mark.integration


async def test_a_taken_id_fails_its_own_insert_only(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    collection = database["grouped"]
    await collection.insert_one({"_id": "taken"})
    inserts = GroupedInserts(collection)

    outcomes = await asyncio.gather(
        inserts.insert({"_id": "a"}),
        inserts.insert({"_id": "taken", "again": True}),
        inserts.insert({"_id": "b"}),
        inserts.insert({"_id": "a", "twice": True}),
        return_exceptions=True,
    )

    assert [type(outcome).__name__ for outcome in outcomes] == [
        "NoneType",
        "DuplicateKeyError",
        "NoneType",
        "DuplicateKeyError",
    ]
    assert isinstance(outcomes[1], DuplicateKeyError)
    assert await collection.find({}, sort={"_id": 1}).to_list() == [
        {"_id": "a"},
        {"_id": "b"},
        {"_id": "taken"},
    ]


async def test_a_document_the_client_cannot_encode_fails_alone(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    collection = database["grouped"]
    inserts = GroupedInserts(collection)

    outcomes = await asyncio.gather(
        inserts.insert({"_id": "small"}),
        inserts.insert({"_id": "a set", "value": {1, 2}}),
        inserts.insert({"_id": "also small"}),
        return_exceptions=True,
    )

    assert outcomes[0] is None
    assert outcomes[2] is None
    assert isinstance(outcomes[1], InvalidDocument)
    assert sorted(await collection.distinct("_id")) == ["also small", "small"]


async def test_inserts_arriving_while_one_is_in_flight_form_the_next_group(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    collection = database["grouped"]
    inserts = GroupedInserts(collection, max_group=3)

    await asyncio.gather(*(inserts.insert({"_id": f"d{n:02d}"}) for n in range(10)))

    assert await collection.count_documents({}) == 10


class SizeRecordingInserts(GroupedInserts):
    """Grouped inserts that note the size of each group they write."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group_sizes: list[int] = []

    async def _write_group(self, group: list[Any]) -> list[Any]:
        self.group_sizes.append(len(group))
        return await super()._write_group(group)


async def test_inserts_that_came_while_a_lone_one_was_in_flight_go_out_together_after_it(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    inserts = SizeRecordingInserts(database["grouped"])
    first = asyncio.create_task(inserts.insert({"_id": "first"}))
    await asyncio.sleep(0)  # its command goes out alone

    await asyncio.gather(first, *(inserts.insert({"_id": f"later{n}"}) for n in range(4)))

    assert inserts.group_sizes == [1, 4]
    assert await database["grouped"].count_documents({}) == 5


async def test_a_cancelled_lone_insert_leaves_no_later_insert_waiting(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    inserts = GroupedInserts(database["grouped"])
    first = asyncio.create_task(inserts.insert({"_id": "first"}))
    await asyncio.sleep(0)
    later = [asyncio.create_task(inserts.insert({"_id": f"later{n}"})) for n in range(3)]
    await asyncio.sleep(0)

    first.cancel()
    await asyncio.wait_for(asyncio.gather(*later), timeout=10)

    stored = set(await database["grouped"].distinct("_id"))
    assert {"later0", "later1", "later2"} <= stored


async def test_cancelling_the_first_of_a_group_leaves_the_others_written(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    inserts = GroupedInserts(database["grouped"])
    first = asyncio.create_task(inserts.insert({"_id": "first"}))
    others = [asyncio.create_task(inserts.insert({"_id": f"other{n}"})) for n in range(2)]
    await asyncio.sleep(0)  # all three wait together
    await asyncio.sleep(0)  # their command is in flight

    first.cancel()
    await asyncio.wait_for(asyncio.gather(*others), timeout=10)

    assert {"other0", "other1"} <= set(await database["grouped"].distinct("_id"))
