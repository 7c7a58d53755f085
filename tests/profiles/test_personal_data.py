"""Personal data: export for the person, and erasure by crypto-shredding."""

import uuid
from typing import Any

import pytest
from bson import json_util
from pymongo import AsyncMongoClient

from agora.eventsourcing.mongo_store import COMMITS_COLLECTION
from agora.profiles.settings import ProfilesSettings
from tests.profiles.harness import ProfilesClient
from tests.support.kafka_reading import read_topic

pytestmark = pytest.mark.integration


async def _stored_text(settings: ProfilesSettings) -> str:
    """Every document of every collection of the service's database, as one text."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_url.get_secret_value()
    )
    try:
        database = client[settings.mongo_database]
        texts = []
        for name in await database.list_collection_names():
            texts += [json_util.dumps(doc) async for doc in database[name].find()]
    finally:
        await client.close()
    return "\n".join(texts)


async def _published_event_count(settings: ProfilesSettings) -> int:
    """How many events the relay has published so far."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_url.get_secret_value()
    )
    try:
        commits = client[settings.mongo_database][COMMITS_COLLECTION]
        return sum([len(commit["events"]) async for commit in commits.find({"published": True})])
    finally:
        await client.close()


async def test_a_person_exports_everything_the_service_holds_about_them(
    profiles: ProfilesClient,
) -> None:
    me = (await profiles.provision("exporter", location="Metz"))["id"]
    fan = (await profiles.provision("exporters-fan"))["id"]
    await profiles.http.put(f"/people/{me}/followers/me", headers=profiles.as_person(fan))

    async def follower_listed() -> bool:
        response = await profiles.http.get("/people/me/export", headers=profiles.as_person(me))
        return bool(response.json()["followers"] == [fan])

    await profiles.eventually(follower_listed)
    export = (await profiles.http.get("/people/me/export", headers=profiles.as_person(me))).json()
    assert export["profile"]["location"] == "Metz"
    assert export["profile"]["email"].startswith("exporter.")


async def test_erased_personal_data_cannot_be_read_back_from_the_store_the_topic_or_read_models(
    profiles: ProfilesClient, profiles_settings: ProfilesSettings
) -> None:
    marker = uuid.uuid4().hex
    name, email, bio = f"Name{marker}", f"mail{marker}@example.com", f"Bio{marker}"
    created = await profiles.http.post(
        "/people",
        json={"display_name": name, "email": email, "location": f"Town{marker}"},
        headers=profiles.as_admin(**{"Idempotency-Key": str(uuid.uuid4())}),
    )
    person = created.json()["id"]
    retryable = {"If-Match": '"1"', "Idempotency-Key": str(uuid.uuid4())}
    await profiles.http.patch(
        "/people/me", json={"bio": bio}, headers=profiles.as_person(person, **retryable)
    )
    await profiles.http.put(
        "/people/me/skills/go", json={"level": 2}, headers=profiles.as_person(person)
    )
    await profiles.read_when(person, lambda p: p["bio"] == bio and p["skills"], viewer="colleague")
    assert marker in await _stored_text(profiles_settings)  # readable while the person is here

    erased = await profiles.http.delete(
        f"/people/{person}/personal-data", headers=profiles.as_person(person)
    )

    assert erased.status_code == 204

    async def gone() -> bool:
        response = await profiles.read(person, viewer="colleague")
        return response.status_code == 404

    await profiles.eventually(gone)
    assert marker not in await _stored_text(profiles_settings)
    records = await read_topic(
        profiles_settings.kafka_bootstrap_servers,
        profiles_settings.events_topic,
        expected=await _published_event_count(profiles_settings),
    )
    published = [record.value or b"" for record in records]
    stream_key = f"profile-{person}".encode()
    assert len({record.offset for record in records if record.key == stream_key}) >= 4
    assert not any(marker.encode() in value for value in published)
    listed = await profiles.http.get(
        "/people", params={"skill": "go"}, headers=profiles.as_person("colleague")
    )
    assert person not in [p["id"] for p in listed.json()["items"]]
    again = await profiles.http.post(
        "/people", json={"display_name": "Back", "email": email}, headers=profiles.as_admin()
    )
    assert again.status_code == 201
    assert again.json()["id"] != person


async def test_only_the_person_or_an_admin_may_erase_a_person(profiles: ProfilesClient) -> None:
    person = (await profiles.provision("kept"))["id"]

    response = await profiles.http.delete(
        f"/people/{person}/personal-data", headers=profiles.as_person("someone-else")
    )

    assert response.status_code == 403
