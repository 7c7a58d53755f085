"""Who reads what: members, non-members and removed members of open, closed and secret
communities, on every read path (home, community, profile, tag, post, questions, praise)."""

import uuid
from datetime import UTC, datetime

import pytest

from agora.communities.domain import events as community_events
from tests.feed.harness import FeedApi, Organisation
from tests.feed.reading import ids, place, publish

pytestmark = pytest.mark.integration

VISIBILITIES = ("open", "closed", "secret")


async def _readable_everywhere(
    api: FeedApi,
    reader: str,
    *,
    community: str,
    post: str,
    praise: str,
    owner: str,
    tag: str,
    praised: str,
) -> dict[str, bool]:
    """Whether ``reader`` finds the community's post (a question) on each read path."""
    community_page = await api.call("GET", f"/communities/{community}/posts", person=reader)
    single = await api.call("GET", f"/posts/{post}", person=reader)
    assert community_page.status_code in (200, 404)
    assert single.status_code in (200, 404)
    if community_page.status_code == 404:
        assert community_page.json()["type"].endswith("/feed/community-not-found")
    if single.status_code == 404:
        assert single.json()["type"].endswith("/feed/post-not-found")
    in_community = community_page.status_code == 200 and post in [
        item["post_id"] for item in community_page.json()["items"]
    ]
    return {
        "home": post in await ids(api, "/me/timeline", reader),
        "community": in_community,
        "profile": post in await ids(api, f"/people/{owner}/posts", reader),
        "tag": post in await ids(api, f"/tags/{tag}/posts", reader),
        "post": single.status_code == 200,
        "questions": post in await ids(api, "/me/questions", reader),
        "praise": praise in await ids(api, f"/people/{praised}/praise", reader),
    }


@pytest.mark.parametrize("visibility", VISIBILITIES)
async def test_members_read_everything_and_others_only_what_is_open(
    api: FeedApi, org: Organisation, visibility: str
) -> None:
    topic = f"vis{uuid.uuid4().hex[:8]}"
    owner, member, outsider, removed, leaver, praised = [await org.person() for _ in range(6)]
    for person_id in (owner, member, outsider, removed, leaver):
        await org.expertise(person_id, skills=[topic])
    community = await org.community(owner, visibility=visibility, members=[member, removed, leaver])
    await api.settled()
    question = await publish(
        api, owner, place(community), kind="question", text="Who knows?", tags=[topic]
    )
    praise = await publish(
        api,
        owner,
        place(community),
        kind="praise",
        text="Merci !",
        praise={"person_ids": [praised]},
    )
    await api.settled()
    await org.remove(community, removed)
    await org.leave(community, leaver)
    await api.settled()

    seen = {
        reader: await _readable_everywhere(
            api,
            reader,
            community=community,
            post=question,
            praise=praise,
            owner=owner,
            tag=topic,
            praised=praised,
        )
        for reader in (member, outsider, removed, leaver)
    }

    everywhere = dict.fromkeys(("community", "profile", "tag", "post", "questions", "praise"), True)
    assert seen[member] == {"home": True, **everywhere}
    readable_by_all = visibility == "open"
    for reader in (outsider, removed, leaver):
        assert seen[reader] == {
            "home": False,
            **dict.fromkeys(everywhere, readable_by_all),
        }, reader


async def test_a_secret_community_and_a_missing_one_answer_alike(
    api: FeedApi, org: Organisation
) -> None:
    owner, outsider = await org.person(), await org.person()
    secret = await org.community(owner, visibility="secret")
    await api.settled()
    post = await publish(api, owner, place(secret), text="Entre nous")
    await api.settled()

    hidden_post = await api.call("GET", f"/posts/{post}", person=outsider)
    missing_post = await api.call("GET", f"/posts/{uuid.uuid4().hex}", person=outsider)
    hidden_place = await api.call("GET", f"/communities/{secret}/posts", person=outsider)
    missing_place = await api.call("GET", f"/communities/{uuid.uuid4().hex}/posts", person=outsider)

    assert hidden_post.status_code == missing_post.status_code == 404
    assert hidden_post.json()["detail"] == missing_post.json()["detail"]
    assert hidden_place.status_code == missing_place.status_code == 404
    assert hidden_place.json()["title"] == missing_place.json()["title"]


async def test_an_archived_community_stays_readable(api: FeedApi, org: Organisation) -> None:
    owner, member = await org.person(), await org.person()
    community = await org.community(owner, visibility="closed", members=[member])
    await api.settled()
    post = await publish(api, owner, place(community), text="Bilan du projet")
    await api.settled()
    await org.archive(community)
    await api.settled()

    response = await api.call("GET", f"/communities/{community}/posts", person=member)

    assert [item["post_id"] for item in response.json()["items"]] == [post]
    assert response.json()["items"][0]["place"]["archived"] is True
    assert post in await ids(api, "/me/timeline", member)


async def test_a_person_who_joins_later_reads_the_community_but_gets_no_old_copies(
    api: FeedApi, org: Organisation
) -> None:
    owner, newcomer = await org.person(), await org.person()
    community = await org.community(owner, visibility="closed")
    await api.settled()
    before = await publish(api, owner, place(community), text="Avant")
    await api.settled()
    assert (await api.call("GET", f"/posts/{before}", person=newcomer)).status_code == 404

    await org.join(community, newcomer)
    await api.settled()
    after = await publish(api, owner, place(community), text="Après")
    await api.settled()

    assert await ids(api, f"/communities/{community}/posts", newcomer) == [after, before]
    assert (await api.call("GET", f"/posts/{before}", person=newcomer)).status_code == 200
    assert await ids(api, "/me/timeline", newcomer) == [after]


async def test_a_membership_that_arrives_after_a_post_still_brings_it_home(
    api: FeedApi, org: Organisation
) -> None:
    """A membership recorded before a post but applied after it (the communities topic is not
    ordered against the feed's) copies that post into the newcomer's home; posts older than
    the membership stay out, and a redelivered membership adds nothing."""
    owner, newcomer = await org.person(), await org.person()
    community = await org.community(owner, visibility="secret")
    await api.settled()
    older = await publish(api, owner, place(community), text="Avant")
    await api.settled()
    joined_at = datetime.now(UTC)
    later = await publish(api, owner, place(community), text="Bienvenue")
    await api.settled()
    assert await ids(api, "/me/timeline", newcomer) == []

    joined = await org.community_events(
        community, community_events.MemberJoined(person_id=newcomer), at=joined_at
    )
    await api.settled()
    assert await ids(api, "/me/timeline", newcomer) == [later]
    assert await ids(api, f"/communities/{community}/posts", newcomer) == [later, older]

    await org.send(org.communities_topic, joined[0])
    await api.settled()
    assert await ids(api, "/me/timeline", newcomer) == [later]
