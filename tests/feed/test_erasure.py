"""An erased person leaves the feed: follows, memberships, home timeline and notifications.

Against the real stack: the facts arrive on the profiles and communities topics, posts and
notifications through the feed's own API and topic, and what is left is read both through
HTTP and straight from the read model's documents (an erasure must leave no copy anywhere).
"""

from typing import Any

import pytest
from pymongo.asynchronous.collection import AsyncCollection

from agora.eventsourcing import ProjectionCatalog
from agora.profiles.domain import events as profile_events
from tests.feed.harness import FeedApi, Organisation
from tests.feed.reading import PROFILE, command, ids, place, publish
from tests.feed.test_notifications import inbox
from tests.feed.test_redelivery import replay_every_topic, snapshot

pytestmark = pytest.mark.integration

Document = dict[str, Any]
POSTS_BY_A_COLLEAGUE = 5


async def _collection(api: FeedApi, name: str) -> AsyncCollection[Document]:
    catalog = ProjectionCatalog(database=api.database)
    prefix = api.settings.projection_prefix
    return catalog.collection(prefix, await catalog.active_generation(prefix), name)


async def _ids_starting_with(collection: AsyncCollection[Document], prefix: str) -> list[str]:
    found = [str(document["_id"]) async for document in collection.find({}, projection={"_id": 1})]
    return sorted(key for key in found if key.startswith(prefix))


async def _facts(api: FeedApi, person_id: str) -> Document:
    document = await (await _collection(api, "people")).find_one({"_id": person_id})
    assert document is not None
    return document


async def test_an_erased_person_leaves_follows_memberships_home_and_notifications(
    api: FeedApi, org: Organisation
) -> None:
    leaving, colleague, follower = [await org.person() for _ in range(3)]
    await org.follow(leaving, colleague)
    await org.follow(follower, leaving)
    team = await org.community(colleague, members=[leaving], managers=[leaving])
    private = await org.community(colleague, visibility="closed")
    await api.settled()
    own_post = await publish(api, leaving, PROFILE, text="Mon dernier billet")
    for n in range(POSTS_BY_A_COLLEAGUE):
        await publish(api, colleague, PROFILE, text=f"Billet {n}")
    mention = await publish(api, colleague, place(team), text="@leaving", mentions=[leaving])
    await publish(api, colleague, place(private), text="Pas encore", mentions=[leaving])
    await command(api, "PUT", f"/posts/{own_post}/reactions/me", follower, reaction="like")
    await api.settled()
    assert (await ids(api, "/me/timeline", leaving))[0] == mention
    assert len(await inbox(api, leaving)) == 2  # the mention and the reaction
    timelines = await _collection(api, "timelines")
    home_entries = await _ids_starting_with(timelines, f"home:{leaving}|")
    assert len(home_entries) == 2 + POSTS_BY_A_COLLEAGUE  # their own, followed, mentioned
    notifications = await _collection(api, "notifications")
    assert await _ids_starting_with(notifications, f"#held|{private}|{leaving}")
    assert await _ids_starting_with(timelines, f"~joined:{leaving}|") == [
        f"~joined:{leaving}|{team}"
    ]

    await org.profile_events(leaving, profile_events.PersonErased())
    await api.settled()

    facts = await _facts(api, leaving)
    relations = {name: facts[name] for name in ("following", "followers", "communities")}
    assert relations == {"following": [], "followers": [], "communities": []}
    assert facts["managed"] == []
    assert leaving not in (await _facts(api, colleague))["followers"]
    assert leaving not in (await _facts(api, follower))["following"]
    community = await (await _collection(api, "communities")).find_one({"_id": team})
    assert community is not None
    assert leaving not in community["members"]
    assert leaving not in community["managers"]
    assert await _ids_starting_with(timelines, f"home:{leaving}") == [f"home:{leaving}|~closed"]
    assert await _ids_starting_with(timelines, f"~joined:{leaving}|") == []
    assert await ids(api, "/me/timeline", leaving) == []
    assert await _ids_starting_with(notifications, f"{leaving}|") == []
    assert await _ids_starting_with(notifications, f"#held|{private}|{leaving}") == []
    inboxes = await _collection(api, "inboxes")
    assert await _ids_starting_with(inboxes, leaving) == [leaving]
    assert await inboxes.find_one({"_id": leaving}, projection={"_id": 0}) == {"erased": True}
    assert await inbox(api, leaving) == []
    # Their post stays where it was written, but no longer reaches the follower's home.
    assert await ids(api, f"/people/{leaving}/posts", follower) == [own_post]
    assert own_post not in await ids(api, "/me/timeline", follower, limit=100)

    later = await publish(api, colleague, place(team), text="@leaving ?", mentions=[leaving])
    await command(api, "POST", f"/posts/{own_post}/comments", colleague, text="Bonne route")
    await command(api, "PUT", f"/posts/{own_post}/reactions/me", colleague, reaction="support")
    await api.settled()

    assert later in await ids(api, "/me/timeline", colleague)
    assert await ids(api, "/me/timeline", leaving) == []
    assert await _ids_starting_with(timelines, f"home:{leaving}") == [f"home:{leaving}|~closed"]
    assert await _ids_starting_with(notifications, f"{leaving}|") == []
    assert await _ids_starting_with(inboxes, leaving) == [leaving]


async def test_follows_and_memberships_applied_after_the_erasure_are_refused(
    api: FeedApi, org: Organisation
) -> None:
    """Kafka orders the profiles and communities topics only within a partition: a follow or
    an invitation accepted just before the erasure can reach the projection after it."""
    leaving, colleague = await org.person(), await org.person()
    await org.profile_events(leaving, profile_events.PersonErased())
    await api.settled()

    await org.follow(colleague, leaving)
    community = await org.community(colleague, members=[leaving], managers=[leaving])
    await api.settled()

    assert (await _facts(api, leaving))["followers"] == []
    assert leaving not in (await _facts(api, colleague)).get("following", [])
    assert (await _facts(api, leaving))["communities"] == []
    stored = await (await _collection(api, "communities")).find_one({"_id": community})
    assert stored is not None
    assert stored["members"] == [colleague]
    assert stored["managers"] == [colleague]


async def test_replaying_every_topic_after_an_erasure_changes_no_document(
    api: FeedApi, org: Organisation
) -> None:
    """A rebuild applies the topics in another order than they were applied live: here the
    erasure first, then every follow, membership, post, reaction and preference that came
    before it. The erasure must come out the same: nothing of the person comes back."""
    leaving, colleague, follower = [await org.person() for _ in range(3)]
    await org.follow(leaving, colleague)
    await org.follow(follower, leaving)
    team = await org.community(colleague, members=[leaving, follower])
    private = await org.community(colleague, visibility="secret")
    await api.settled()
    own_post = await publish(api, leaving, place(team), text="Au revoir")
    await publish(api, colleague, place(team), text="@leaving", mentions=[leaving])
    await publish(api, colleague, place(private), text="Secret", mentions=[leaving])
    await command(api, "PUT", f"/posts/{own_post}/reactions/me", follower, reaction="like")
    await command(api, "PUT", "/me/notification-preferences", leaving, disabled_kinds=["comment"])
    await api.settled()
    await org.profile_events(leaving, profile_events.PersonErased())
    await api.settled()
    before = await snapshot(api)

    await replay_every_topic(api, first=api.settings.profiles_topic)

    assert await snapshot(api) == before
