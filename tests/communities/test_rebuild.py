"""Rebuilding the directory read model from its topic gives the live read model."""

from typing import Any

import pytest
from pymongo import AsyncMongoClient

from agora.communities.projection import COMMUNITIES_PART, MEMBERSHIPS_PART
from agora.communities.rebuild import rebuild_directory
from agora.communities.settings import CommunitiesSettings
from agora.eventsourcing import ProjectionCatalog
from tests.communities.harness import Api, person
from tests.support.kafka_reading import eventually

pytestmark = pytest.mark.integration


async def _read_model(settings: CommunitiesSettings, generation: int) -> dict[str, Any]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_url.get_secret_value()
    )
    try:
        catalog = ProjectionCatalog(database=client[settings.mongo_database])
        parts = {}
        for part in (COMMUNITIES_PART, MEMBERSHIPS_PART):
            collection = catalog.collection(settings.directory_projection, generation, part)
            parts[part] = sorted(
                [doc async for doc in collection.find({})], key=lambda doc: str(doc["_id"])
            )
        return parts
    finally:
        await client.close()


async def test_a_rebuilt_directory_equals_the_live_one(
    api: Api, settings: CommunitiesSettings
) -> None:
    owner, member, requester, guest = person(), person(), person(), person()
    open_one = await api.create(owner, tags=["rebuild"])
    closed_one = await api.create(owner, visibility="closed")
    await api.call("POST", f"/communities/{open_one}/members/me", person=member)
    await api.call("DELETE", f"/communities/{open_one}/members/me", person=member)
    await api.call("POST", f"/communities/{closed_one}/members/me", person=requester)
    await api.call("POST", f"/communities/{closed_one}/requests/{requester}:approve", person=owner)
    await api.call(
        "POST", f"/communities/{closed_one}/invitations", person=owner, json={"person_id": guest}
    )
    await api.call("PATCH", f"/communities/{open_one}", person=owner, json={"name": "Renamed"})

    async def caught_up() -> bool:
        invitations = await api.call("GET", "/me/invitations", person=guest)
        mine = await api.call("GET", "/me/communities", person=owner)
        names = sorted(c["name"] for c in mine.json()["items"])
        return len(invitations.json()["items"]) == 1 and "Renamed" in names

    await eventually(caught_up)
    live = await _read_model(settings, generation=1)

    generation = await rebuild_directory(settings)

    assert generation == 2
    assert await _read_model(settings, generation=2) == live
