"""A secret community does not exist for anyone outside it, on every read path."""

import pytest

from tests.communities.harness import Api, person
from tests.support.kafka_reading import eventually

pytestmark = pytest.mark.integration


async def _secret_community_with_member(api: Api) -> tuple[str, str, str]:
    owner, member = person(), person()
    community = await api.create(owner, visibility="secret", name="Hidden circle", tags=["hush"])
    await api.call(
        "POST", f"/communities/{community}/invitations", person=owner, json={"person_id": member}
    )
    accepted = await api.call(
        "POST", f"/communities/{community}/invitations/me:accept", person=member
    )
    assert accepted.status_code == 200
    await api.wait_for_members(community, owner, {owner, member})
    return community, owner, member


async def test_a_secret_community_is_invisible_to_a_non_member_everywhere(api: Api) -> None:
    community, owner, member = await _secret_community_with_member(api)
    stranger = person()

    detail = await api.call("GET", f"/communities/{community}", person=stranger)
    members = await api.call("GET", f"/communities/{community}/members", person=stranger)
    join = await api.call("POST", f"/communities/{community}/members/me", person=stranger)
    requests = await api.call("GET", f"/communities/{community}/requests", person=stranger)
    directory = await api.call("GET", "/communities?q=hidden", person=stranger)
    by_tag = await api.call("GET", "/communities?tag=hush", person=stranger)
    owners_list = await api.call("GET", f"/people/{owner}/communities", person=stranger)
    members_list = await api.call("GET", f"/people/{member}/communities", person=stranger)

    for response in (detail, members, join, requests):
        assert response.status_code == 404
        assert response.json()["type"].endswith("/communities/community-not-found")
    for listing in (directory, by_tag):
        assert listing.json() == {"items": [], "total": 0, "offset": 0, "limit": 20}
    assert owners_list.json() == {"items": []}
    assert members_list.json() == {"items": []}


async def test_a_secret_community_is_listed_for_its_members(api: Api) -> None:
    community, owner, member = await _secret_community_with_member(api)

    async def listed_for_member() -> bool:
        directory = await api.call("GET", "/communities?tag=hush", person=member)
        return community in [c["id"] for c in directory.json()["items"]]

    await eventually(listed_for_member)
    theirs = await api.call("GET", f"/people/{owner}/communities", person=member)
    mine = await api.call("GET", "/me/communities", person=member)
    assert [c["id"] for c in theirs.json()["items"]] == [community]
    assert [c["id"] for c in mine.json()["items"]] == [community]
    assert mine.json()["items"][0]["member_count"] == 2


async def test_a_non_member_trying_manager_actions_on_a_secret_community_gets_404_not_403(
    api: Api,
) -> None:
    community, _, _ = await _secret_community_with_member(api)
    stranger = person()

    invite = await api.call(
        "POST",
        f"/communities/{community}/invitations",
        person=stranger,
        json={"person_id": person()},
    )
    archive = await api.call("POST", f"/communities/{community}:archive", person=stranger)

    assert invite.status_code == 404
    assert archive.status_code == 404


async def test_an_invited_person_sees_the_secret_community_before_joining(api: Api) -> None:
    owner, guest = person(), person()
    community = await api.create(owner, visibility="secret")
    await api.call(
        "POST", f"/communities/{community}/invitations", person=owner, json={"person_id": guest}
    )

    detail = await api.call("GET", f"/communities/{community}", person=guest)
    joined = await api.call("POST", f"/communities/{community}/members/me", person=guest)

    assert detail.status_code == 200
    assert joined.status_code == 201
    assert joined.json()["outcome"] == "invitation_accepted"


async def test_open_and_closed_communities_show_public_details_and_member_count(
    api: Api,
) -> None:
    owner, stranger = person(), person()
    community = await api.create(owner, visibility="closed", description="About us")

    detail = await api.call("GET", f"/communities/{community}", person=stranger)

    assert detail.status_code == 200
    assert detail.json()["description"] == "About us"
    assert detail.json()["member_count"] == 1
    assert detail.json()["my_role"] is None
