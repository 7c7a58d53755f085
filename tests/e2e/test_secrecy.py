"""A secret community exists only for its members: an outsider never meets it anywhere.

Every read an employee can make is asked as an outsider once the same read side shows the
secret content to a member (or, for metrics, to the community's owner), so "not there" means
"filtered", not "not yet projected".
"""

from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.client import Agora, Json, Person, until, word

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class SecretWorld:
    owner: Person
    member: Person
    outsider: Person
    analyst: Person
    secret: str
    open: str
    secret_post: str
    open_post: str
    word: str
    secret_tag: str
    secret_name: str


@pytest.fixture(scope="module")
async def world(agora: Agora) -> SecretWorld:
    """A secret and an open community sharing a word; the secret post mentions the outsider."""
    owner = await agora.person("Noémie")
    member = await agora.person("Siobhan")
    outsider = await agora.person("Seán")
    for name in ("Zoë", "François"):  # metrics show figures about five people or more
        await agora.person(name)
    analyst = await agora.caller(f"analyst-{word()}", ("analyst",))
    shared = word()
    secret_name = f"Comité {shared}"
    secret = await agora.community(owner, visibility="secret", name=secret_name)
    open_community = await agora.community(owner, visibility="open", name=f"Club {shared}")
    await agora.invite(owner, secret, member)
    secret_tag = word("tag")
    secret_post = await agora.publish(
        owner,
        community_id=secret,
        text=f"Réorganisation {shared}, à garder pour nous",
        tags=[secret_tag],
        mentions=[member.id, outsider.id],
    )
    open_post = await agora.publish(owner, community_id=open_community, text=f"Apéro {shared}")
    return SecretWorld(
        owner=owner,
        member=member,
        outsider=outsider,
        analyst=analyst,
        secret=secret,
        open=open_community,
        secret_post=secret_post,
        open_post=open_post,
        word=shared,
        secret_tag=secret_tag,
        secret_name=secret_name,
    )


async def test_an_outsider_gets_404_on_everything_about_it(
    agora: Agora, world: SecretWorld
) -> None:
    await until(
        lambda: agora.shows(
            f"/feed/communities/{world.secret}/posts", world.member, world.secret_post
        ),
        what="the member sees the secret post",
    )
    paths = [
        f"/communities/communities/{world.secret}",
        f"/communities/communities/{world.secret}/members",
        f"/communities/communities/{world.secret}/members/me",
        f"/feed/communities/{world.secret}/posts",
        f"/feed/posts/{world.secret_post}",
        f"/metrics/communities/{world.secret}/health",
    ]

    answers = {path: await agora.call("GET", path, world.outsider) for path in paths}
    joining = await agora.call(
        "POST", f"/communities/communities/{world.secret}/members/me", world.outsider
    )
    commenting = await agora.call(
        "POST", f"/feed/posts/{world.secret_post}/comments", world.outsider, json={"text": "?"}
    )

    for path, response in answers.items():
        assert response.status_code == 404, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert world.secret_name not in response.text
        assert response.json()["instance"] == f"/api/v1{path}"  # the path the client used
    assert joining.status_code == 404, joining.text
    assert commenting.status_code == 404, commenting.text


async def test_no_community_listing_shows_it_to_an_outsider(
    agora: Agora, world: SecretWorld
) -> None:
    async def member_lists_it() -> bool | None:
        page = await agora.ok("/communities/communities", world.member, q=world.word)
        return True if world.secret in _ids(page["items"], "id") else None

    await until(member_lists_it, what="the member finds the secret community in the directory")

    directory = await agora.ok("/communities/communities", world.outsider, q=world.word)
    owners_communities = await agora.ok(
        f"/communities/people/{world.owner.id}/communities", world.outsider
    )
    members_communities = await agora.ok(
        f"/communities/people/{world.member.id}/communities", world.outsider
    )
    own = await agora.ok("/communities/me/communities", world.outsider)

    assert _ids(directory["items"], "id") == {world.open}
    assert directory["total"] == 1
    for page in (owners_communities, members_communities, own):
        assert world.secret not in str(page)
        assert world.secret_name not in str(page)


async def test_search_and_autocomplete_never_show_it_to_an_outsider(
    agora: Agora, world: SecretWorld
) -> None:
    async def member_finds_both_posts() -> Json | None:
        page: Json = await agora.ok("/search/posts", world.member, q=world.word)
        found = _ids(page["results"], "post_id")
        return page if {world.secret_post, world.open_post} <= found else None

    async def member_finds_both_communities() -> Json | None:
        # Communities and posts come from different topics and indices: one being searchable
        # says nothing about the other.
        page: Json = await agora.ok("/search/communities", world.member, q=world.word)
        found = _ids(page["results"], "community_id")
        return page if {world.secret, world.open} <= found else None

    members_page = await until(member_finds_both_posts, what="search indexed both posts")
    members_communities = await until(
        member_finds_both_communities, what="search indexed both communities"
    )
    members_suggestions = await agora.ok("/search/autocomplete", world.member, q=world.word[:6])
    members_tags = await agora.ok("/search/autocomplete", world.member, q=world.secret_tag)

    posts = await agora.ok("/search/posts", world.outsider, q=world.word)
    tagged = await agora.ok("/search/posts", world.outsider, tag=world.secret_tag)
    in_secret = await agora.ok("/search/posts", world.outsider, community=world.secret)
    communities = await agora.ok("/search/communities", world.outsider, q=world.word)
    suggestions = await agora.ok("/search/autocomplete", world.outsider, q=world.word[:6])
    tags = await agora.ok("/search/autocomplete", world.outsider, q=world.secret_tag)
    suggested = await agora.ok("/search/suggestions/communities", world.outsider)

    assert world.secret in _ids(members_page["facets"]["communities"], "community_id")
    assert world.secret in _ids(members_communities["results"], "community_id")
    assert world.secret in _ids(members_suggestions["communities"], "community_id")
    assert world.secret_tag in _ids(members_tags["tags"], "tag")

    assert _ids(posts["results"], "post_id") == {world.open_post}
    assert posts["total"] == members_page["total"] - 1
    assert world.secret not in _ids(posts["facets"]["communities"], "community_id")
    assert world.secret_tag not in _ids(posts["facets"]["tags"], "value")
    assert tagged["total"] == 0
    assert in_secret["total"] == 0
    assert _ids(communities["results"], "community_id") == {world.open}
    assert world.secret not in _ids(suggestions["communities"], "community_id")
    assert tags["tags"] == []
    for answer in (posts, tagged, in_secret, communities, suggestions, tags, suggested):
        assert world.secret not in str(answer)
        assert world.secret_name not in str(answer)


async def test_timelines_and_notifications_never_show_its_posts_to_an_outsider(
    agora: Agora, world: SecretWorld
) -> None:
    async def member_notified() -> bool | None:
        notes = await agora.notifications(world.member)
        return True if world.secret_post in _targets(notes) else None

    # The same event notifies the member and (were it not secret) the outsider, both mentioned.
    await until(member_notified, what="the member is notified of the mention")
    await until(
        lambda: agora.shows("/feed/me/timeline", world.member, world.secret_post),
        what="the secret post reaches the member's timeline",
    )
    await until(
        lambda: agora.shows(
            f"/feed/people/{world.owner.id}/posts", world.outsider, world.open_post
        ),
        what="the outsider sees the owner's open post",
    )

    outsider_reads = {
        "timeline": await agora.ok("/feed/me/timeline", world.outsider, limit=100),
        "owner's posts": await agora.ok(f"/feed/people/{world.owner.id}/posts", world.outsider),
        "tag": await agora.ok(f"/feed/tags/{world.secret_tag}/posts", world.outsider),
        "questions": await agora.ok("/feed/me/questions", world.outsider),
        "notifications": await agora.ok("/feed/me/notifications", world.outsider, limit=100),
    }
    unread = await agora.ok("/feed/me/notifications/unread-count", world.outsider)

    for name, page in outsider_reads.items():
        assert world.secret_post not in str(page), name
        assert world.secret not in str(page), name
    assert outsider_reads["tag"]["items"] == []
    assert world.secret_post not in _targets(outsider_reads["notifications"]["items"])
    assert unread["count"] == 0


async def test_metrics_never_count_it_for_an_outsider(agora: Agora, world: SecretWorld) -> None:
    async def projected(community: str, posts: int) -> bool | None:
        health = await agora.ok(
            f"/metrics/communities/{community}/health", world.owner, granularity="month"
        )
        latest = health["groups"][0]["periods"][-1]["values"]
        return True if latest["posts"] == posts else None

    await until(lambda: projected(world.secret, 1), what="metrics counted the secret post")
    await until(lambda: projected(world.open, 1), what="metrics counted the open post")

    async def organisation_matches_directory() -> tuple[Json, Json] | None:
        directory = await agora.ok("/communities/communities", world.analyst, limit=1)
        adoption = await agora.ok("/metrics/org/adoption", world.analyst, granularity="month")
        figures: Json = adoption["groups"][0]["periods"][-1]["values"]
        return (figures, adoption) if figures["communities"] == directory["total"] else None

    # Every community the outsider may know of is counted, and nothing more: a secret one
    # counted would keep the figure one above the directory's total.
    figures, adoption = await until(
        organisation_matches_directory, what="metrics count the communities of the directory"
    )
    activity = await agora.ok(
        "/metrics/org/activity", world.analyst, granularity="month", group_by="community"
    )
    recognition = await agora.ok("/metrics/org/recognition", world.analyst, granularity="month")

    assert figures["communities"] == figures["communities_open"] + figures["communities_closed"]
    for answer in (adoption, activity, recognition):
        assert world.secret not in str(answer)
        assert world.secret_tag not in str(answer)


def _ids(items: list[Any], key: str) -> set[str]:
    return {str(item[key]) for item in items}


def _targets(notifications: list[Json]) -> set[str]:
    return {str(n["target"]["post_id"]) for n in notifications if n["target"]["post_id"]}
