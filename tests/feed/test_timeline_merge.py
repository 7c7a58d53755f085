"""Merging timelines newest first, read from the database a few entries at a time."""

import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from agora.feed.readside.pages import TimelineMerge, append_all, entry_key
from agora.localinfra import InfraEndpoints

pytestmark = pytest.mark.integration

Document = dict[str, Any]
START = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
async def timelines(infra_endpoints: InfraEndpoints) -> AsyncIterator[AsyncCollection[Document]]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(infra_endpoints.mongo_url, tz_aware=True)
    database = client[f"merge_{uuid.uuid4().hex[:10]}"]
    try:
        yield database["timelines"]
    finally:
        await client.drop_database(database.name)
        await client.close()


def _entry(post: int, seconds: int) -> Document:
    return {"post_id": f"post-{post:03d}", "at": START + timedelta(seconds=seconds)}


async def test_timelines_of_every_length_merge_newest_first_across_chunk_reads(
    timelines: AsyncCollection[Document],
) -> None:
    rng = random.Random(7)
    # Three timelines of 0, 5 and 23 entries; some posts are in two of them.
    contents: dict[str, list[Document]] = {"empty": [], "short": [], "long": []}
    for post in range(23):
        contents["long"].append(_entry(post, rng.randrange(10_000)))
    for post in (3, 8, 100, 101, 102):
        at = next((e["at"] for e in contents["long"] if e["post_id"] == f"post-{post:03d}"), None)
        shared = {"post_id": f"post-{post:03d}", "at": at} if at else _entry(post, post)
        contents["short"].append(shared)
    await append_all(timelines, [(key, e) for key, entries in contents.items() for e in entries])
    expected = sorted(
        {entry_key(e) for entries in contents.values() for e in entries}, reverse=True
    )

    # Chunks of 2 make every reader load again and again while the others still hold entries.
    merge = TimelineMerge.open(timelines, list(contents), None, chunk=2)
    merged: list[tuple[str, set[str]]] = []
    while (candidate := await merge.next()) is not None:
        merged.append((candidate.post_id, set(candidate.entries)))

    assert [post for post, _ in merged] == [post for _, post in expected]
    in_both = {post for post, keys in merged if keys == {"short", "long"}}
    assert in_both == {"post-003", "post-008"}
    assert await merge.next() is None
