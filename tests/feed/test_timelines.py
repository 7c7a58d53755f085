"""Home, community, profile and tag timelines through HTTP, against the real stack."""

import uuid

import pytest

from agora.eventsourcing import ProjectionCatalog
from agora.profiles.domain import events as profile_events
from tests.feed.harness import FeedApi, Organisation
from tests.feed.reading import PROFILE, command, every_id, ids, page, place, publish

pytestmark = pytest.mark.integration


async def test_a_post_reaches_the_author_followers_members_and_mentioned_people(
    api: FeedApi, org: Organisation
) -> None:
    author, follower, member, mentioned, stranger = [await org.person() for _ in range(5)]
    await org.follow(follower, author)
    community = await org.community(author, members=[member], name="Plateforme")
    await api.settled()

    post = await publish(
        api, author, place(community), text="Hello @someone", mentions=[mentioned], tags=["ops"]
    )
    await api.settled()

    for reader in (author, follower, member, mentioned):
        assert await ids(api, "/me/timeline", reader) == [post], reader
    assert await ids(api, "/me/timeline", stranger) == []
    assert await ids(api, f"/communities/{community}/posts", stranger) == [post]
    assert await ids(api, f"/people/{author}/posts", stranger) == [post]
    assert await ids(api, "/tags/ops/posts", stranger) == [post]
    assert await ids(api, "/tags/%23OPS/posts", stranger) == [post]


async def test_a_timeline_item_is_shaped_for_front_ends(api: FeedApi, org: Organisation) -> None:
    author = await org.person("Chloé Martin")
    reader = await org.person("Karim Benali")
    community = await org.community(author, members=[reader], name="Communauté Kubernetes")
    await api.settled()
    post = await publish(
        api,
        author,
        place(community),
        kind="question",
        text="Comment **migrer** ? Voir https://wiki.example.com/k8s @Karim",
        tags=["kubernetes"],
        mentions=[reader],
    )
    await command(api, "PUT", f"/posts/{post}/reactions/me", reader, reaction="insightful")
    await command(api, "POST", f"/posts/{post}/comments", reader, text="Avec cert-manager.")
    await api.settled()

    items, cursor = await page(api, "/me/timeline", reader)

    assert cursor is None
    item = items[0]
    assert item["author"] == {"person_id": author, "display_name": "Chloé Martin"}
    assert item["place"] == {
        "kind": "community",
        "id": community,
        "name": "Communauté Kubernetes",
        "archived": False,
    }
    assert item["mentions"] == [{"person_id": reader, "display_name": "Karim Benali"}]
    assert item["html"].startswith("<p>Comment <strong>migrer</strong> ?")
    assert item["links"] == ["https://wiki.example.com/k8s"]
    assert item["counts"] == {
        "comments": 1,
        "reactions": {"like": 0, "celebrate": 0, "insightful": 1, "support": 0},
        "shares": 0,
    }
    assert item["my_reaction"] == "insightful"
    assert item["answered"] is False
    assert item["edited"] is False
    assert item["hidden"] is None
    items_for_author, _ = await page(api, "/me/timeline", author)
    assert items_for_author[0]["my_reaction"] is None


async def test_a_profile_post_is_named_after_its_author(api: FeedApi, org: Organisation) -> None:
    author = await org.person("Ana Lopez")
    await api.settled()
    post = await publish(api, author, PROFILE, text="Mon premier billet")
    await api.settled()

    items, _ = await page(api, f"/people/{author}/posts", await org.person())

    assert [item["post_id"] for item in items] == [post]
    assert items[0]["place"] == {
        "kind": "profile",
        "id": author,
        "name": "Ana Lopez",
        "archived": False,
    }


async def test_pages_follow_cursors_without_duplicates_or_gaps_across_buckets(
    api: FeedApi, org: Organisation
) -> None:
    author = await org.person()
    await api.settled()
    posted = [await publish(api, author, PROFILE, text=f"Billet {n}") for n in range(130)]
    await api.settled()

    newest_first = list(reversed(posted))
    assert await every_id(api, f"/people/{author}/posts", author, limit=30) == newest_first
    assert await every_id(api, "/me/timeline", author, limit=7) == newest_first

    first, cursor = await page(api, "/me/timeline", author, limit=10)
    newer = await publish(api, author, PROFILE, text="Plus récent")
    await api.settled()
    rest, _ = await page(api, "/me/timeline", author, limit=100, cursor=cursor)
    assert [i["post_id"] for i in first + rest] == newest_first[:110]
    assert (await ids(api, "/me/timeline", author, limit=1)) == [newer]


async def test_a_follower_who_unfollowed_no_longer_sees_the_posts_that_reached_them_so(
    api: FeedApi, org: Organisation
) -> None:
    author, follower = await org.person(), await org.person()
    await org.follow(follower, author)
    await api.settled()
    post = await publish(api, author, PROFILE)
    await api.settled()
    assert await ids(api, "/me/timeline", follower) == [post]

    await org.unfollow(follower, author)
    await api.settled()

    assert await ids(api, "/me/timeline", follower) == []


async def test_follows_memberships_and_skills_changed_between_two_posts_reach_the_second(
    api: FeedApi, org: Organisation
) -> None:
    """The projection remembers the facts it looked up for a post (the author's followers,
    the community's members, the known topics) until a fact event changes any."""
    author, follower, member, expert = [await org.person() for _ in range(4)]
    community = await org.community(author, name="Mémoire")
    topic = f"t{uuid.uuid4().hex[:8]}"
    await api.settled()
    first = await publish(api, author, place(community), kind="question", text=f"{topic}?")
    await api.settled()
    assert await ids(api, "/me/timeline", follower) == []
    assert await ids(api, "/me/questions", expert) == []

    await org.follow(follower, author)
    await org.join(community, member)
    await org.expertise(expert, skills=[topic])
    await api.settled()
    second = await publish(api, author, place(community), kind="question", text=f"{topic}!")
    profile_post = await publish(api, author, PROFILE, text="Sur mon profil")
    await api.settled()

    assert await ids(api, "/me/timeline", follower) == [profile_post, second]
    assert await ids(api, "/me/timeline", member) == [second]
    assert await ids(api, "/me/questions", expert) == [second]
    assert first not in await ids(api, "/me/timeline", member)


async def test_an_invalid_cursor_or_limit_is_a_422_problem(api: FeedApi, org: Organisation) -> None:
    reader = await org.person()

    for params in ({"cursor": "not-a-cursor"}, {"cursor": "e30"}, {"limit": 0}, {"limit": 101}):
        response = await api.call("GET", "/me/timeline", person=reader, params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    bad_tag = await api.call("GET", "/tags/no%20spaces/posts", person=reader)
    assert bad_tag.status_code == 422


async def test_an_erased_author_has_no_name_any_more(api: FeedApi, org: Organisation) -> None:
    author, reader = await org.person("Bientôt Parti"), await org.person()
    await api.settled()
    post = await publish(api, author, PROFILE, text="Au revoir")
    await org.profile_events(author, profile_events.PersonErased())
    await api.settled()

    items, _ = await page(api, f"/people/{author}/posts", reader)

    assert [item["post_id"] for item in items] == [post]
    assert items[0]["author"] == {"person_id": author, "display_name": None}
    assert items[0]["place"]["name"] is None


async def test_an_erased_persons_profile_data_is_gone_from_the_feeds_facts(
    api: FeedApi, org: Organisation
) -> None:
    """Issue #3: an erased person's data cannot be read back from any read model."""
    person = await org.person("Bientôt Partie")
    await org.expertise(person, skills=["Kubernetes"], help_topics=["SRE"])
    await org.profile_events(person, profile_events.InterestsSet(topics=["Escalade"]))
    await org.profile_events(person, profile_events.PersonErased())
    await api.settled()

    catalog = ProjectionCatalog(database=api.database)
    prefix = api.settings.projection_prefix
    people = catalog.collection(prefix, await catalog.active_generation(prefix), "people")
    facts = await people.find_one({"_id": person})

    assert facts is not None
    assert facts["erased"] is True
    profile_data = ["display_name", "job_title", "department", "photo_url"]
    profile_data += ["skills", "help_topics", "interests"]
    assert {key: facts[key] for key in profile_data if facts.get(key)} == {}
