"""What our FerretDB build fixes, on whichever backend the stack runs (AGORA_FERRETDB_BACKEND)."""

import asyncio
from typing import Any

import pytest
from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

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
