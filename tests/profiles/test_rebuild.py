"""Rebuilding the people read model from the topic gives the same read model as the live one."""

from typing import Any

import pytest
from pymongo import AsyncMongoClient

from agora.eventsourcing import ProjectionCatalog
from agora.eventsourcing.readmodel import strip_bookkeeping
from agora.profiles.projection import FOLLOWS_PART
from agora.profiles.rebuild import rebuild
from agora.profiles.settings import ProfilesSettings
from tests.profiles.harness import ProfilesClient

pytestmark = pytest.mark.integration


async def _contents(catalog: ProjectionCatalog, name: str, generation: int) -> list[Any]:
    contents = []
    for part in ("", FOLLOWS_PART):
        cursor = catalog.collection(name, generation, part).find().sort("_id", 1)
        contents.append([strip_bookkeeping(document) async for document in cursor])
    return contents


async def test_a_rebuilt_read_model_equals_the_live_one(
    profiles: ProfilesClient, profiles_settings: ProfilesSettings
) -> None:
    ada = (await profiles.provision("ada", location="Paris"))["id"]
    bob = (await profiles.provision("bob"))["id"]
    await profiles.http.put(
        "/people/me/skills/js", json={"level": 3}, headers=profiles.as_person(ada)
    )
    await profiles.http.put(
        f"/people/{ada}/skills/javascript/endorsements/me", headers=profiles.as_person(bob)
    )
    await profiles.http.put(
        "/people/me/visibility", json={"location": "followed"}, headers=profiles.as_person(ada)
    )
    await profiles.http.put(f"/people/{ada}/followers/me", headers=profiles.as_person(bob))
    await profiles.read_when(bob, lambda p: True)
    await profiles.read_when(ada, lambda p: p["location"] is None, viewer="stranger")

    async def follow_applied() -> bool:
        followers = await profiles.http.get(
            f"/people/{ada}/followers", headers=profiles.as_person(bob)
        )
        return bool(followers.json()["items"] == [bob])

    await profiles.eventually(follow_applied)

    generation = await rebuild(settings=profiles_settings)

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        profiles_settings.mongo_url.get_secret_value()
    )
    try:
        catalog = ProjectionCatalog(database=client[profiles_settings.mongo_database])
        name = profiles_settings.read_model_name
        assert generation == 2
        assert await catalog.active_generation(name) == 2
        live = await _contents(catalog, name, 1)
        rebuilt = await _contents(catalog, name, 2)
    finally:
        await client.close()
    assert rebuilt == live
    assert len(live[0]) == 2
    assert len(live[1]) == 1
    after = await profiles.read(ada, viewer=bob)
    assert after.json()["skills"][0]["endorsement_count"] == 1
