"""Visibility is enforced inside every query: members, non-members, removed members, secret
communities, in results, totals, facets, highlights, suggestions, autocomplete and reasons.

One organisation for the module: an owner, a member, an outsider and a member who is removed;
an open, a closed and a secret community, each with a post and with answers by one expert.
"""

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests.search.harness import Organisation, SearchApi

pytestmark = pytest.mark.integration


@dataclass
class World:
    mark: str
    topic: str
    owner: str
    member: str
    outsider: str
    removed: str
    expert: str
    secret_only_expert: str
    open_community: str
    closed_community: str
    secret_community: str
    open_post: str
    closed_post: str
    secret_post: str


@pytest.fixture(scope="module")
async def world(api: SearchApi, org: Organisation) -> World:
    mark = f"m{uuid.uuid4().hex[:8]}"
    topic = f"q{mark}"
    shared_skill = f"s{mark}"
    owner = await org.person("Owner")
    member = await org.person("Member", skills={shared_skill: 2})
    outsider = await org.person("Outsider", skills={shared_skill: 2})
    removed = await org.person("Removed")
    expert = await org.person("Expert")
    secret_only = await org.person("Secret expert")
    everyone = [member, removed, expert, secret_only]
    open_community = await org.community(owner, members=everyone, name=f"Ouverte {mark}")
    closed_community = await org.community(
        owner, visibility="closed", members=everyone, name=f"Fermée {mark}"
    )
    secret_community = await org.community(
        owner, visibility="secret", members=everyone, name=f"Secrète {mark}"
    )
    posts = {}
    for community, visibility in (
        (open_community, "open"),
        (closed_community, "closed"),
        (secret_community, "secret"),
    ):
        posts[visibility] = await org.post(
            owner,
            f"{mark} le réseau {visibility}",
            community=community,
            visibility=visibility,
            tags=[f"{visibility}-{mark}"],
        )
        await org.answered_question(
            owner, expert, topic, community=community, visibility=visibility
        )
    for _ in range(2):
        await org.answered_question(
            owner, secret_only, topic, community=secret_community, visibility="secret"
        )
    await org.remove(secret_community, removed)
    await org.remove(closed_community, removed)
    await api.settled()
    return World(
        mark=mark,
        topic=topic,
        owner=owner,
        member=member,
        outsider=outsider,
        removed=removed,
        expert=expert,
        secret_only_expert=secret_only,
        open_community=open_community,
        closed_community=closed_community,
        secret_community=secret_community,
        open_post=posts["open"],
        closed_post=posts["closed"],
        secret_post=posts["secret"],
    )


def post_ids(page: dict[str, Any]) -> set[str]:
    return {result["post_id"] for result in page["results"]}


async def test_posts_totals_facets_and_highlights_come_only_from_readable_posts(
    api: SearchApi, world: World
) -> None:
    for person in (world.outsider, world.removed):
        page = await api.ok("/posts", person=person, q=f"{world.mark} réseau")
        assert post_ids(page) == {world.open_post}
        assert page["total"] == 1
        assert page["facets"]["tags"] == [{"value": f"open-{world.mark}", "count": 1}]
        assert [f["community_id"] for f in page["facets"]["communities"]] == [world.open_community]
        assert all("secret" not in h and "closed" not in h for h in _highlights(page))

    page = await api.ok("/posts", person=world.member, q=f"{world.mark} réseau")
    assert post_ids(page) == {world.open_post, world.closed_post, world.secret_post}
    assert page["total"] == 3
    assert len(page["facets"]["communities"]) == 3
    names = {f["name"] for f in page["facets"]["communities"]}
    assert f"Secrète {world.mark}" in names


async def test_filtering_on_an_unreadable_community_finds_nothing(
    api: SearchApi, world: World
) -> None:
    for community in (world.secret_community, world.closed_community):
        page = await api.ok("/posts", person=world.outsider, community=community)
        assert page == {
            "total": 0,
            "results": [],
            "facets": {"tags": [], "communities": [], "kinds": []},
        }
    page = await api.ok("/posts", person=world.member, community=world.secret_community)
    assert world.secret_post in post_ids(page)


async def test_a_secret_community_is_found_only_by_its_members(
    api: SearchApi, world: World
) -> None:
    for person in (world.outsider, world.removed):
        page = await api.ok("/communities", person=person, q=world.mark)
        found = {c["community_id"] for c in page["results"]}
        assert found == {world.open_community, world.closed_community}
        assert page["total"] == 2
        by_name = await api.ok("/communities", person=person, q=f"Secrète {world.mark}")
        assert world.secret_community not in {c["community_id"] for c in by_name["results"]}
    page = await api.ok("/communities", person=world.member, q=world.mark)
    assert page["total"] == 3
    secret = next(c for c in page["results"] if c["community_id"] == world.secret_community)
    assert secret["member"] is True
    assert secret["visibility"] == "secret"


async def test_expert_reasons_and_totals_count_only_visible_evidence(
    api: SearchApi, world: World
) -> None:
    outsider = await api.ok("/experts", person=world.outsider, skills=world.topic)
    assert [r["person"]["person_id"] for r in outsider["results"]] == [world.expert]
    assert outsider["total"] == 1
    assert outsider["results"][0]["why"] == [
        f"1 accepted answer on {world.topic}",
        f"1 question answered on {world.topic}",
    ]

    removed = await api.ok("/experts", person=world.removed, skills=world.topic)
    assert removed["total"] == 1
    assert removed["results"][0]["evidence"][0]["accepted_answers"] == 1

    member = await api.ok("/experts", person=world.member, skills=world.topic)
    assert [r["person"]["person_id"] for r in member["results"]] == [
        world.expert,
        world.secret_only_expert,
    ]
    assert member["results"][0]["evidence"][0]["accepted_answers"] == 3
    assert member["results"][1]["evidence"][0]["accepted_answers"] == 2


async def test_suggestions_never_propose_a_secret_community(api: SearchApi, world: World) -> None:
    # The outsider shares a skill with the member, who belongs to all three communities.
    page = await api.ok("/suggestions/communities", person=world.outsider)
    suggested = {s["community"]["community_id"] for s in page["results"]}
    assert world.secret_community not in suggested
    assert {world.open_community, world.closed_community} <= suggested
    member = await api.ok("/suggestions/communities", person=world.member)
    assert all(
        s["community"]["community_id"]
        not in {world.open_community, world.closed_community, world.secret_community}
        for s in member["results"]
    )


async def test_people_suggestions_count_only_what_is_shared(api: SearchApi, world: World) -> None:
    page = await api.ok("/suggestions/people", person=world.outsider)
    member = next(s for s in page["results"] if s["person"]["person_id"] == world.member)
    assert member["why"] == [f"also knows s{world.mark}"]
    page = await api.ok("/suggestions/people", person=world.member, limit=50)
    expert = next(s for s in page["results"] if s["person"]["person_id"] == world.expert)
    assert expert["why"] == ["3 communities in common"]


async def test_autocomplete_hides_secret_communities_and_their_tags(
    api: SearchApi, world: World
) -> None:
    outsider = await api.ok("/autocomplete", person=world.outsider, q="secr")
    assert all(c["community_id"] != world.secret_community for c in outsider["communities"])
    tags = await api.ok("/autocomplete", person=world.outsider, q=f"secret-{world.mark[:4]}")
    assert tags["tags"] == []
    member = await api.ok("/autocomplete", person=world.member, q=f"secret-{world.mark}")
    assert member["tags"] == [{"tag": f"secret-{world.mark}", "posts": 1}]
    member = await api.ok("/autocomplete", person=world.member, q=f"Secrète {world.mark}")
    assert [c["community_id"] for c in member["communities"]] == [world.secret_community]


def _highlights(page: dict[str, Any]) -> list[str]:
    return [h for result in page["results"] for h in result["highlights"]]
