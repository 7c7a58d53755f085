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
