"""Provisioning people through HTTP: roles, idempotency on email, bulk imports."""

from typing import Any

import pytest
from pymongo import AsyncMongoClient

from agora.eventsourcing import EventEnvelope
from agora.eventsourcing.mongo_store import COMMITS_COLLECTION
from agora.profiles.settings import ProfilesSettings
from tests.profiles.harness import ProfilesClient, new_email

pytestmark = pytest.mark.integration


async def test_provisioning_creates_a_person_readable_by_colleagues(
    profiles: ProfilesClient,
) -> None:
    person = await profiles.provision("ada", department="R&D", job_title="Engineer")

    response = await profiles.read_when(person["id"], lambda p: True, viewer="someone-else")

    assert response.json()["display_name"] == "Ada"
    assert response.json()["department"] == "R&D"
    assert response.headers["etag"] == '"1"'


async def test_provisioning_an_existing_email_returns_the_existing_person(
    profiles: ProfilesClient,
) -> None:
    body = {"display_name": "Grace", "email": new_email("grace")}
    first = await profiles.http.post("/people", json=body, headers=profiles.as_admin())
    again = await profiles.http.post(
        "/people",
        json={**body, "email": body["email"].upper(), "display_name": "Other"},
        headers=profiles.as_admin(),
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["display_name"] == "Grace"


async def test_bulk_provisioning_reports_each_person(profiles: ProfilesClient) -> None:
    existing = await profiles.provision("linus")
    people = [
        {"display_name": "New One", "email": new_email("one")},
        {"display_name": "Linus", "email": existing["email"]},
    ]

    response = await profiles.http.post(
        "/people:bulk", json={"people": people}, headers=profiles.as_admin()
    )

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [result["status"] for result in results] == [201, 200]
    assert results[1]["person"]["id"] == existing["id"]


async def test_provisioning_needs_the_platform_admin_role(profiles: ProfilesClient) -> None:
    response = await profiles.http.post(
        "/people",
        json={"display_name": "Eve", "email": new_email("eve")},
        headers=profiles.as_person("not-an-admin"),
    )

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


async def test_requests_without_a_token_are_refused(profiles: ProfilesClient) -> None:
    response = await profiles.http.get("/people/anyone")

    assert response.status_code == 401


async def test_an_unknown_person_is_not_found(profiles: ProfilesClient) -> None:
    response = await profiles.read("nobody-at-all", viewer="someone")

    assert response.status_code == 404
    assert response.json()["type"].endswith("/person-not-found")


async def test_deactivating_a_person_keeps_the_profile_and_says_they_left(
    profiles: ProfilesClient,
) -> None:
    person = await profiles.provision("leaver")

    response = await profiles.http.post(
        f"/people/{person['id']}/deactivate", headers=profiles.as_admin()
    )

    assert response.status_code == 200
    seen = await profiles.read_when(person["id"], lambda p: p["left_company"], viewer="colleague")
    assert seen.json()["display_name"] == "Leaver"


async def test_a_migrated_person_keeps_their_registration_day_in_the_event(
    profiles: ProfilesClient, profiles_settings: ProfilesSettings
) -> None:
    person = await profiles.provision("migrated", registered_on="2021-03-15")

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        profiles_settings.mongo_url.get_secret_value()
    )
    try:
        commits = client[profiles_settings.mongo_database][COMMITS_COLLECTION]
        commit = await commits.find_one({"stream_id": f"profile-{person['id']}"})
    finally:
        await client.close()

    assert commit is not None
    envelope = EventEnvelope.model_validate_json(commit["events"][0])
    assert envelope.schemaversion == 2
    assert envelope.data["registered_on"] == "2021-03-15"


@pytest.mark.parametrize("day", ["2099-01-01", "1999-12-31", "yesterday"])
async def test_a_registration_day_in_the_future_or_before_2000_is_refused(
    profiles: ProfilesClient, day: str
) -> None:
    response = await profiles.http.post(
        "/people",
        json={"display_name": "Zed", "email": new_email("zed"), "registered_on": day},
        headers=profiles.as_admin(),
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
