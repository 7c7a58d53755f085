"""Reading profiles through HTTP: visibility settings and filtered lists."""

import pytest

from tests.profiles.harness import ProfilesClient

pytestmark = pytest.mark.integration


async def test_hidden_fields_are_shown_only_to_the_audience_the_owner_chose(
    profiles: ProfilesClient,
) -> None:
    owner = (await profiles.provision("private", location="Nantes", languages=["fr", "en"]))["id"]
    friend = (await profiles.provision("friend"))["id"]
    stranger = (await profiles.provision("stranger"))["id"]
    await profiles.http.put(f"/people/{friend}/followers/me", headers=profiles.as_person(owner))
    settings = await profiles.http.put(
        "/people/me/visibility",
        json={"location": "only_me", "languages": "followed"},
        headers=profiles.as_person(owner),
    )
    assert settings.status_code == 200

    def hidden(person: dict[str, object]) -> bool:
        return person["location"] is None

    as_stranger = await profiles.read_when(owner, hidden, viewer=stranger)
    as_friend = await profiles.read_when(owner, hidden, viewer=friend)
    as_owner = await profiles.read(owner)

    assert as_stranger.json()["languages"] is None
    assert as_friend.json()["languages"] == ["fr", "en"]
    assert as_owner.json()["location"] == "Nantes"
    assert as_owner.json()["visibility"]["location"] == "only_me"
    assert as_stranger.json()["visibility"] is None


async def test_people_are_listed_by_department_location_and_normalised_skill(
    profiles: ProfilesClient,
) -> None:
    department = "Dept-" + (await profiles.provision("marker"))["id"][:8]
    alice = (await profiles.provision("alice", department=department, location="Paris"))["id"]
    bob = (await profiles.provision("bob", department=department, location="Lille"))["id"]
    await profiles.http.put(
        "/people/me/skills/golang", json={"level": 2}, headers=profiles.as_person(bob)
    )
    headers = profiles.as_person(alice)

    async def bob_listed_by_skill() -> bool:
        response = await profiles.http.get(
            "/people", params={"department": department.upper(), "skill": "Go"}, headers=headers
        )
        return [p["id"] for p in response.json()["items"]] == [bob]

    await profiles.eventually(bob_listed_by_skill)
    in_paris = await profiles.http.get(
        "/people", params={"department": department, "location": "paris"}, headers=headers
    )
    assert [p["id"] for p in in_paris.json()["items"]] == [alice]
    first_page = await profiles.http.get(
        "/people", params={"department": department, "limit": 1}, headers=headers
    )
    assert first_page.json()["next_offset"] == 1


async def test_a_hidden_location_cannot_be_found_through_the_location_filter(
    profiles: ProfilesClient,
) -> None:
    hider = (await profiles.provision("hider", location="Brest"))["id"]
    await profiles.http.put(
        "/people/me/visibility", json={"location": "only_me"}, headers=profiles.as_person(hider)
    )
    await profiles.read_when(hider, lambda p: p["location"] is None, viewer="someone")

    response = await profiles.http.get(
        "/people", params={"location": "brest"}, headers=profiles.as_person("someone")
    )

    assert hider not in [p["id"] for p in response.json()["items"]]
