"""Notifications never reveal content the recipient cannot read now."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo.asynchronous.collection import AsyncCollection

from agora.communities.domain import events as community_events
from tests.feed.harness import FeedApi, Organisation
from tests.feed.test_notifications import command, comment, inbox, kinds, people, publish, unread

pytestmark = pytest.mark.integration


async def test_secret_community_content_notifies_its_members_only(
    api: FeedApi, org: Organisation
) -> None:
    owner, member, outsider = await people(org, "Owner", "Member", "Outsider")
    secret = await org.community(owner, visibility="secret", members=[member])
    await api.settled()

    post = await publish(
        api,
        member,
        community=secret,
        text="Acquisition plan for @owner and @outsider",
        mentions=[owner, outsider],
    )
    await publish(
        api,
        member,
        community=secret,
        kind="praise",
        text="Thanks @outsider",
        mentions=[outsider],
        praise={"person_ids": [outsider]},
    )
    await comment(api, owner, post, text="Looping @outsider in", mentions=[outsider])

    assert kinds(await inbox(api, owner)) == ["mention"]
    assert await inbox(api, outsider) == []
    assert (await unread(api, outsider))["count"] == 0


async def test_a_removed_member_stops_seeing_the_communitys_notifications(
    api: FeedApi, org: Organisation
) -> None:
    owner, member = await people(org, "Owner", "Member")
    secret = await org.community(owner, visibility="secret", members=[member], name="Merger")
    await api.settled()
    post = await publish(api, member, community=secret, text="Budget draft")
    await comment(api, owner, post, text="Looks right")
    await publish(api, owner, community=secret, text="@member please check", mentions=[member])
    await publish(api, owner, text="Public thanks @member", mentions=[member])
    await command(api, "PUT", f"/me/muted-communities/{secret}", member)
    assert sorted(kinds(await inbox(api, member))) == ["comment", "mention", "mention"]
    assert (await unread(api, member))["count"] == 3

    await org.remove(secret, member)
    await comment(api, owner, post, text="Still there? @member", mentions=[member])

    items = await inbox(api, member)
    assert [i["preview"] for i in items] == ["Public thanks @member"]
    assert (await unread(api, member))["count"] == 1
    preferences = await api.call("GET", "/me/notification-preferences", person=member)
    assert preferences.json()["muted_communities"] == []  # a secret one they left: unknown

    await org.join(secret, member)
    assert len(await inbox(api, member)) == 3  # readable again; nothing was delivered meanwhile


async def test_a_membership_that_arrives_after_the_post_still_brings_its_mention(
    api: FeedApi, org: Organisation
) -> None:
    """Kafka orders the communities and feed topics independently: an invitation accepted just
    before a mention can reach the projection after it. The mention is held, then delivered,
    once; a membership that started after the post does not bring it (as in order)."""
    owner, newcomer, latecomer = await people(org, "Owner", "Newcomer", "Latecomer")
    secret = await org.community(owner, visibility="secret", name="Skunkworks")
    await api.settled()
    accepted_before_the_post = datetime.now(UTC)

    post = await publish(
        api,
        owner,
        community=secret,
        text="Welcome @newcomer, and soon @latecomer",
        mentions=[newcomer, latecomer],
    )
    assert await inbox(api, newcomer) == []  # not a member, as far as the projection knows
    joined = await org.community_events(
        secret,
        community_events.InvitationAccepted(person_id=newcomer),
        actor=newcomer,
        at=accepted_before_the_post,
    )
    await org.join(secret, latecomer)

    items = await inbox(api, newcomer)
    assert kinds(items) == ["mention"]
    assert items[0]["target"]["post_id"] == post
    assert (await unread(api, newcomer))["count"] == 1
    assert await inbox(api, latecomer) == []

    await org.send(org.communities_topic, joined[0])  # a redelivered membership
    assert len(await inbox(api, newcomer)) == 1


async def test_notifications_about_a_deleted_post_disappear(
    api: FeedApi, org: Organisation
) -> None:
    author, reader = await people(org, "Author", "Reader")
    await api.settled()
    post = await publish(api, author, text="Wrong channel, sorry @reader", mentions=[reader])
    assert kinds(await inbox(api, reader)) == ["mention"]

    await command(api, "DELETE", f"/posts/{post}", author)

    assert await inbox(api, reader) == []
    assert (await unread(api, reader))["count"] == 0
    contexts = await api.database.list_collection_names()
    notifications = next(name for name in contexts if name.endswith("_notifications__g1"))
    stored = await api.database[notifications].find_one({"_id": f"#post|{post}"})
    assert stored is not None
    assert stored["excerpt"] == ""


async def test_a_hidden_post_hides_its_notifications_but_not_its_reports(
    api: FeedApi, org: Organisation
) -> None:
    owner, author, reader = await people(org, "Owner", "Author", "Reader")
    community = await org.community(owner, members=[author, reader])
    await api.settled()
    post = await publish(api, author, community=community, text="Spam @reader", mentions=[reader])
    await command(api, "POST", f"/posts/{post}/reports", reader, {"reason": "Spam"}, expected=201)
    assert kinds(await inbox(api, reader)) == ["mention"]

    await command(api, "POST", f"/posts/{post}:hide", owner, {"reason": "Advertising"})

    assert await inbox(api, reader) == []
    reports = await inbox(api, owner)
    assert kinds(reports) == ["report"]
    assert reports[0]["preview"] is None

    await command(api, "POST", f"/posts/{post}:restore", owner)
    assert kinds(await inbox(api, reader)) == ["mention"]


async def test_a_manager_who_steps_down_stops_seeing_requests_and_reports(
    api: FeedApi, org: Organisation
) -> None:
    owner, manager, asker = await people(org, "Owner", "Manager", "Asker")
    community = await org.community(owner, visibility="closed", managers=[manager])
    await api.settled()
    await org.request_to_join(community, asker)
    assert kinds(await inbox(api, manager)) == ["join_request"]

    await org.community_events(
        community,
        community_events.MemberRoleChanged(person_id=manager, role="member"),
        actor=owner,
    )

    assert await inbox(api, manager) == []
    assert (await unread(api, manager))["count"] == 0
    assert kinds(await inbox(api, owner)) == ["join_request"]


async def test_what_was_held_for_a_requester_goes_when_their_request_is_rejected(
    api: FeedApi, org: Organisation
) -> None:
    """A mention of someone who asked to join is held (their membership may be on its way);
    once the request is rejected nothing held can ever be delivered, and nothing is kept."""
    owner, requester = await people(org, "Owner", "Requester")
    closed = await org.community(owner, visibility="closed", name="Comité")
    await org.request_to_join(closed, requester)
    await api.settled()
    await publish(api, owner, community=closed, text="Bientôt @requester", mentions=[requester])
    await api.settled()
    notifications = await _notifications_collection(api)
    held = f"#held|{closed}|{requester}"
    assert await notifications.find_one({"_id": held}) is not None

    await org.community_events(
        closed, community_events.JoinRequestRejected(person_id=requester), actor=owner
    )
    await api.settled()

    assert await notifications.find_one({"_id": held}) is None
    assert await inbox(api, requester) == []


async def _notifications_collection(api: FeedApi) -> AsyncCollection[dict[str, Any]]:
    names = await api.database.list_collection_names()
    name = next(name for name in names if name.endswith("_notifications__g1"))
    collection: AsyncCollection[dict[str, Any]] = api.database[name]
    return collection
