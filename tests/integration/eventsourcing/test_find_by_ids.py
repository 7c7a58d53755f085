"""Reading read-model documents by a list of ids, in as few queries as the list allows."""

from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing.readmodel import IDS_PER_QUERY, find_by_ids

pytestmark = pytest.mark.integration


async def test_every_named_document_is_found_across_several_queries(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    posts = database["posts"]
    count = 2 * IDS_PER_QUERY + 50
    await posts.insert_many([{"_id": f"p{n}", "n": n, "text": "x"} for n in range(count)])
    wanted = [f"p{n}" for n in reversed(range(count))] + ["p7", "missing"]

    found = await find_by_ids(posts, wanted, {"n": 1})

    assert len(found) == count
    assert found["p7"] == {"_id": "p7", "n": 7}
    assert found[f"p{count - 1}"] == {"_id": f"p{count - 1}", "n": count - 1}
    assert "missing" not in found
    assert await find_by_ids(posts, []) == {}
