"""What our FerretDB build fixes, on whichever backend the stack runs (AGORA_FERRETDB_BACKEND)."""

import asyncio
from typing import Any, cast

import pytest
from bson import ObjectId
from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from agora.localinfra.install import ID_IN_PUSHDOWN_LIMIT

pytestmark = pytest.mark.integration

# More than either backend's connection pool: SQLite 100, PostgreSQL 200 (our setting).
STATEMENTS = 250


async def test_an_update_command_with_more_statements_than_the_pool_completes(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """Upstream 1.24.2 held a pooled connection per statement until the command ended and
    hung for good once the pool ran out; our build releases each statement's connection."""
    commits = database["commits"]
    await commits.insert_many([{"_id": f"c{n}", "published": False} for n in range(STATEMENTS)])
    marks = [UpdateOne({"_id": f"c{n}"}, {"$set": {"published": True}}) for n in range(STATEMENTS)]

    result = await asyncio.wait_for(commits.bulk_write(marks), timeout=60)

    assert result.modified_count == STATEMENTS
    assert await commits.count_documents({"published": True}) == STATEMENTS


async def test_id_lookups_find_exactly_the_document_among_similar_ones(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """On PostgreSQL our build compares `_id` with `=` on its index instead of `@>`."""
    stream = database["stream"]
    await stream.insert_many([{"_id": f"s@{n}", "n": n} for n in range(1, 30)])

    assert await stream.find_one({"_id": "s@3"}) == {"_id": "s@3", "n": 3}
    assert await stream.find_one({"_id": "s@3", "n": {"$lt": 3}}) is None
    assert await stream.find_one({"_id": "s@30"}) is None
    assert [doc["_id"] async for doc in stream.find({"_id": "s@12"})] == ["s@12"]


async def test_an_id_list_finds_exactly_the_named_documents(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """`_id: {$in: [...]}` reads the named rows by the index in our build; the answer is the
    one MongoDB gives, whatever the list holds."""
    posts = database["posts"]
    object_id = ObjectId()
    await posts.insert_many(
        [{"_id": f"p{n}", "n": n} for n in range(1, 40)] + [{"_id": object_id}, {"_id": 7}]
    )

    async def ids(query: dict[str, Any]) -> list[Any]:
        return [doc["_id"] async for doc in posts.find(query).sort("n", 1)]

    assert await ids({"_id": {"$in": ["p3", "p12", "missing", "p3", object_id]}}) == [
        object_id,
        "p3",
        "p12",
    ]
    assert await ids({"_id": {"$in": ["p3", "p12"]}, "n": {"$gt": 5}}) == ["p12"]
    # Not read by the index (an element is neither a string nor an ObjectId), still right.
    assert await ids({"_id": {"$in": ["p5", 7]}}) == [7, "p5"]
    # Longer than our build reads by the index: filtered as upstream does.
    many = [f"p{n}" for n in range(ID_IN_PUSHDOWN_LIMIT + 1)]
    assert len(await ids({"_id": {"$in": many}})) == 39
    assert await ids({"_id": {"$in": []}}) == []


async def test_an_id_list_of_strings_is_read_through_the_id_index(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """FerretDB's explain says whether the filter reached the storage (MongoDB: no such key)."""
    posts = database["posts"]
    await posts.insert_many([{"_id": f"p{n}"} for n in range(10)])

    async def pushed_down(query: dict[str, Any]) -> bool | None:
        plan = await database.command("explain", {"find": "posts", "filter": query})
        return cast(bool | None, plan.get("filterPushdown"))

    if await pushed_down({"_id": "p1"}) is None:
        pytest.skip("not FerretDB: MongoDB reads `$in` on `_id` by its index")
    assert await pushed_down({"_id": {"$in": ["p1", "p2"]}}) is True
    assert await pushed_down({"_id": {"$in": ["p1", ObjectId()]}, "other": 1}) is True
    assert await pushed_down({"_id": {"$in": ["p1", 2]}}) is False
    assert await pushed_down({"_id": {"$in": ["p1"] * (ID_IN_PUSHDOWN_LIMIT + 1)}}) is False
