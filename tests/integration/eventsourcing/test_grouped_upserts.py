"""Group commit of upserts: statements that wait together go out as one ordered bulk write,
each learning its own outcome, the ones after a failed statement still written."""

import asyncio
from typing import Any

import pytest
from bson.errors import InvalidDocument
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from agora.eventsourcing.grouped_upserts import GroupedUpserts, grouped_upserts
from agora.localinfra import InfraEndpoints

pytestmark = pytest.mark.integration


async def test_a_statement_whose_id_is_taken_fails_alone_and_the_later_ones_are_written(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    collection = database["grouped"]
    await collection.insert_one({"_id": "done", "n": 1, "applied": True})
    upserts = GroupedUpserts(collection)

    outcomes = await asyncio.gather(
        upserts.upsert({"_id": "a"}, {"$inc": {"n": 1}}),
        upserts.upsert({"_id": "done", "applied": {"$ne": True}}, {"$inc": {"n": 1}}),
        upserts.upsert({"_id": "b"}, {"$inc": {"n": 1}}),
        upserts.upsert({"_id": "a"}, {"$inc": {"n": 10}}),
        return_exceptions=True,
    )

    assert [type(outcome).__name__ for outcome in outcomes] == [
        "NoneType",
        "DuplicateKeyError",
        "NoneType",
        "NoneType",
    ]
    assert isinstance(outcomes[1], DuplicateKeyError)
    assert await collection.find({}, sort={"_id": 1}).to_list() == [
        {"_id": "a", "n": 11},
        {"_id": "b", "n": 1},
        {"_id": "done", "n": 1, "applied": True},
    ]


async def test_statements_on_one_document_apply_in_the_order_they_came(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    collection = database["grouped"]
    upserts = GroupedUpserts(collection, max_group=4)

    await asyncio.gather(
        *(upserts.upsert({"_id": "log"}, {"$push": {"entries": n}}) for n in range(10))
    )

    assert await collection.find_one({"_id": "log"}) == {"_id": "log", "entries": list(range(10))}


async def test_a_statement_the_client_cannot_encode_fails_alone(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    collection = database["grouped"]
    upserts = GroupedUpserts(collection)

    outcomes = await asyncio.gather(
        upserts.upsert({"_id": "small"}, {"$set": {"n": 1}}),
        upserts.upsert({"_id": "a set"}, {"$set": {"value": {1, 2}}}),
        upserts.upsert({"_id": "also small"}, {"$set": {"n": 2}}),
        return_exceptions=True,
    )

    assert outcomes[0] is None
    assert outcomes[2] is None
    assert isinstance(outcomes[1], InvalidDocument)
    assert sorted(await collection.distinct("_id")) == ["also small", "small"]


async def test_one_collection_through_one_client_shares_one_group(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    assert grouped_upserts(database["one"]) is grouped_upserts(database["one"])
    assert grouped_upserts(database["one"]) is not grouped_upserts(database["other"])


async def test_a_new_client_of_the_same_address_writes_through_its_own_group(
    infra_endpoints: InfraEndpoints, database: AsyncDatabase[dict[str, Any]]
) -> None:
    """Clients of one address compare equal; a closed one's group must not be lent out."""
    first: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra_endpoints.mongo_url)
    await grouped_upserts(first[database.name]["grouped"]).upsert({"_id": "a"}, {"$set": {"n": 1}})
    await first.close()
    second: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra_endpoints.mongo_url)
    try:
        assert second == first
        await grouped_upserts(second[database.name]["grouped"]).upsert(
            {"_id": "a"}, {"$set": {"n": 2}}
        )
    finally:
        await second.close()

    assert await database["grouped"].find_one({"_id": "a"}) == {"_id": "a", "n": 2}


async def test_a_command_the_server_refuses_fails_every_statement_of_its_group(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """An operator the server does not know refuses the whole command, not one statement:
    every caller of the group learns the same failure, and nothing is written. (FerretDB
    answers it with write errors but no counts, which pymongo's bulk reader then fails on;
    MongoDB answers an ``OperationFailure``.)"""
    collection = database["grouped"]
    upserts = GroupedUpserts(collection)

    outcomes = await asyncio.gather(
        upserts.upsert({"_id": "fine"}, {"$set": {"n": 1}}),
        upserts.upsert({"_id": "bogus"}, {"$bogus": {"n": 1}}),
        return_exceptions=True,
    )

    assert isinstance(outcomes[0], Exception)
    assert outcomes[1] is outcomes[0]
    assert await collection.count_documents({}) == 0
