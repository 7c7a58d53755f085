"""Endorsing skills and following people through HTTP."""

import pytest

from tests.profiles.harness import ProfilesClient

pytestmark = pytest.mark.integration


async def test_a_colleague_endorses_a_declared_skill_once(profiles: ProfilesClient) -> None:
    expert = (await profiles.provision("expert"))["id"]
    fan = (await profiles.provision("fan"))["id"]
    await profiles.http.put(
        "/people/me/skills/postgres", json={"level": 4}, headers=profiles.as_person(expert)
    )
    url = f"/people/{expert}/skills/PostgreSQL/endorsements/me"

    first = await profiles.http.put(url, headers=profiles.as_person(fan))
    again = await profiles.http.put(url, headers=profiles.as_person(fan))

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["skills"] == [
        {"name": "postgresql", "level": 4, "endorsement_count": 1, "endorsed_by_me": True}
    ]
    withdrawn = await profiles.http.delete(url, headers=profiles.as_person(fan))
    assert withdrawn.json()["skills"][0]["endorsement_count"] == 0


async def test_nobody_can_endorse_their_own_skill(profiles: ProfilesClient) -> None:
    me = (await profiles.provision("vain"))["id"]
    await profiles.http.put(
        "/people/me/skills/go", json={"level": 2}, headers=profiles.as_person(me)
    )

    response = await profiles.http.put(
        f"/people/{me}/skills/go/endorsements/me", headers=profiles.as_person(me)
    )

    assert response.status_code == 422
    assert response.json()["type"].endswith("/self-action")


async def test_only_a_declared_skill_can_be_endorsed(profiles: ProfilesClient) -> None:
    person = (await profiles.provision("plain"))["id"]

    response = await profiles.http.put(
        f"/people/{person}/skills/cobol/endorsements/me", headers=profiles.as_person("fan")
    )

    assert response.status_code == 409
    assert response.json()["type"].endswith("/skill-not-declared")


async def test_following_twice_changes_nothing_and_shows_in_both_lists(
    profiles: ProfilesClient,
) -> None:
    star = (await profiles.provision("star"))["id"]
    fan = (await profiles.provision("follower"))["id"]
    url = f"/people/{star}/followers/me"

    first = await profiles.http.put(url, headers=profiles.as_person(fan))
    again = await profiles.http.put(url, headers=profiles.as_person(fan))

    assert (first.status_code, again.status_code) == (204, 204)

    async def listed() -> bool:
        followers = await profiles.http.get(
            f"/people/{star}/followers", headers=profiles.as_person(fan)
        )
        return bool(followers.json()["items"] == [fan])

    await profiles.eventually(listed)
    following = await profiles.http.get(f"/people/{fan}/following", headers=profiles.as_person(fan))
    assert following.json() == {"items": [star], "next_offset": None}

    await profiles.http.delete(url, headers=profiles.as_person(fan))

    async def unlisted() -> bool:
        followers = await profiles.http.get(
            f"/people/{star}/followers", headers=profiles.as_person(fan)
        )
        return bool(followers.json()["items"] == [])

    await profiles.eventually(unlisted)


async def test_nobody_can_follow_themselves(profiles: ProfilesClient) -> None:
    me = (await profiles.provision("narcissus"))["id"]

    response = await profiles.http.put(f"/people/{me}/followers/me", headers=profiles.as_person(me))

    assert response.status_code == 422


async def test_following_an_unknown_person_is_not_found(profiles: ProfilesClient) -> None:
    me = (await profiles.provision("lost"))["id"]

    response = await profiles.http.put(
        "/people/ghost-person/followers/me", headers=profiles.as_person(me)
    )

    assert response.status_code == 404
