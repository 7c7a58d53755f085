"""Notifications through the feed's HTTP API: every kind, grouping, preferences and read marks.

People, communities and memberships come from the organisation's events (profiles and
communities topics); posts, comments and reactions are the feed's own commands.
"""

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from agora.communities.domain import events as community_events
from tests.feed.harness import FeedApi, Organisation

pytestmark = pytest.mark.integration


# --- steps shared with the other notification tests -------------------------------------------


async def publish(
    api: FeedApi,
    author: str,
    *,
    community: str | None = None,
    text: str = "Hello colleagues",
    mentions: Sequence[str] = (),
    kind: str = "post",
    praise: dict[str, Any] | None = None,
) -> str:
    """Publish a post (on the author's profile unless ``community``); returns its id."""
    place = {"kind": "community", "id": community} if community else {"kind": "profile"}
    body: dict[str, Any] = {"place": place, "kind": kind, "text": text, "mentions": [*mentions]}
    if praise is not None:
        body["praise"] = praise
    response = await api.call("POST", "/posts", person=author, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def comment(
    api: FeedApi,
    author: str,
    post_id: str,
    *,
    text: str = "Good point",
    mentions: Sequence[str] = (),
    parent: str | None = None,
) -> str:
    """Comment on a post (or reply to ``parent``); returns the comment's id."""
    body: dict[str, Any] = {"text": text, "mentions": [*mentions]}
    if parent is not None:
        body["parent_comment_id"] = parent
    response = await api.call("POST", f"/posts/{post_id}/comments", person=author, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def react(
    api: FeedApi,
    person: str,
    post_id: str,
    *,
    comment_id: str | None = None,
    reaction: str = "like",
) -> None:
    """Set the person's reaction to a post or comment."""
    path = f"/posts/{post_id}" + (f"/comments/{comment_id}" if comment_id else "")
    response = await api.call(
        "PUT", f"{path}/reactions/me", person=person, json={"reaction": reaction}
    )
    assert response.status_code == 200, response.text


async def unreact(api: FeedApi, person: str, post_id: str) -> None:
    """Take back the person's reaction to a post."""
    response = await api.call("DELETE", f"/posts/{post_id}/reactions/me", person=person)
    assert response.status_code == 200, response.text


async def command(
    api: FeedApi, method: str, path: str, person: str, body: Any = None, expected: int = 200
) -> None:
    """Send a command, check its status and wait until it is applied (so that what follows
    is applied after it, whatever partitions the events travel on)."""
    response = await api.call(method, path, person=person, json=body)
    assert response.status_code == expected, response.text
    await api.settled()


async def inbox(api: FeedApi, person: str) -> list[dict[str, Any]]:
    """The person's notifications, newest first, once every event is applied."""
    await api.settled()
    response = await api.call("GET", "/me/notifications", person=person, params={"limit": 100})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def unread(api: FeedApi, person: str) -> dict[str, Any]:
    """The person's unread count, once every event is applied."""
    await api.settled()
    response = await api.call("GET", "/me/notifications/unread-count", person=person)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def mark_read(
    api: FeedApi, person: str, *, ids: Sequence[str] = (), up_to: datetime | None = None
) -> None:
    """Mark notifications read by id or up to a time."""
    body: dict[str, Any] = {"notification_ids": [*ids]} if ids else {}
    if up_to is not None:
        body["up_to"] = up_to.isoformat()
    await command(api, "POST", "/me/notifications/read", person, body)


def kinds(items: Sequence[dict[str, Any]]) -> list[str]:
    """The kinds of notifications, in order."""
    return [item["kind"] for item in items]


async def people(org: Organisation, *names: str) -> list[str]:
    """New people with these display names."""
    return [await org.person(name) for name in names]


# --- each kind ----------------------------------------------------------------------------------


async def test_mentions_in_a_post_and_a_comment_notify_the_person_mentioned(
    api: FeedApi, org: Organisation
) -> None:
    ana, bruno, chloe = await people(org, "Ana Silva", "Bruno Diaz", "Chloé Martin")
    await api.settled()

    post = await publish(api, ana, text="Release notes are out, thanks @bruno", mentions=[bruno])
    reply = await comment(api, chloe, post, text="Bruno, see the last part", mentions=[bruno])

    items = await inbox(api, bruno)
    assert kinds(items) == ["mention", "mention"]
    in_comment, in_post = items
    assert in_post["actors"] == [{"person_id": ana, "display_name": "Ana Silva"}]
    assert in_post["target"] == {"post_id": post, "comment_id": None, "community_id": None}
    assert in_post["text"] == "Ana Silva mentioned you in a post"
    assert in_post["preview"] == "Release notes are out, thanks @bruno"
    assert in_post["read"] is False
    assert in_comment["target"]["comment_id"] == reply
    assert in_comment["text"] == "Chloé Martin mentioned you in a comment"
    assert (await unread(api, bruno)) == {"count": 2, "capped": False, "label": "2"}


async def test_an_edit_notifies_only_the_people_newly_mentioned(
    api: FeedApi, org: Organisation
) -> None:
    ana, bruno, chloe = await people(org, "Ana", "Bruno", "Chloé")
    await api.settled()
    post = await publish(api, ana, text="Ping @bruno", mentions=[bruno])

    await command(
        api,
        "PATCH",
        f"/posts/{post}",
        ana,
        {"text": "Ping @bruno and @chloe", "mentions": [bruno, chloe]},
    )

    assert kinds(await inbox(api, bruno)) == ["mention"]
    chloes = await inbox(api, chloe)
    assert kinds(chloes) == ["mention"]
    assert chloes[0]["preview"] == "Ping @bruno and @chloe"


async def test_comments_notify_subscribers_but_never_the_commenter(
    api: FeedApi, org: Organisation
) -> None:
    ana, bruno, chloe, dan = await people(org, "Ana", "Bruno", "Chloé", "Dan")
    await api.settled()
    post = await publish(api, ana)

    first = await comment(api, bruno, post, text="First!")
    assert [i["text"] for i in await inbox(api, ana)] == ["Bruno commented on your post"]
    assert await inbox(api, bruno) == []

    await command(api, "PUT", f"/posts/{post}/subscription", dan)
    await comment(api, chloe, post, text="Second")
    await comment(api, ana, post, text="Thanks both", parent=first)

    assert [i["text"] for i in await inbox(api, bruno)] == [
        "Ana replied to your comment",
        "Chloé commented on a post you follow",
    ]
    assert [i["text"] for i in await inbox(api, dan)] == [
        "Ana commented on a post you follow",
        "Chloé commented on a post you follow",
    ]
    assert [i["text"] for i in await inbox(api, chloe)] == ["Ana commented on a post you follow"]
    assert len(await inbox(api, ana)) == 2  # Bruno's and Chloé's, not her own reply


async def test_unsubscribing_stops_comment_and_reaction_notifications_about_the_post(
    api: FeedApi, org: Organisation
) -> None:
    ana, bruno, chloe = await people(org, "Ana", "Bruno", "Chloé")
    await api.settled()
    post = await publish(api, ana)
    answer = await comment(api, bruno, post)

    await command(api, "DELETE", f"/posts/{post}/subscription", bruno)
    await comment(api, chloe, post)
    await react(api, chloe, post, comment_id=answer)
    await command(api, "DELETE", f"/posts/{post}/subscription", ana)
    await react(api, chloe, post)
    await comment(api, chloe, post, text="Anyone?")

    assert await inbox(api, bruno) == []
    assert kinds(await inbox(api, ana)) == ["comment", "comment"]  # Bruno's and Chloé's first


async def test_an_accepted_answer_notifies_its_author(api: FeedApi, org: Organisation) -> None:
    ana, bruno = await people(org, "Ana", "Bruno")
    await api.settled()
    question = await publish(api, ana, kind="question", text="How do we rotate TLS certs?")
    answer = await comment(api, bruno, question, text="cert-manager, in stages")
    mine = await comment(api, ana, question, text="Found it myself too")

    await command(api, "PUT", f"/posts/{question}/accepted-answer", ana, {"comment_id": mine})
    await command(api, "PUT", f"/posts/{question}/accepted-answer", ana, {"comment_id": answer})

    items = await inbox(api, bruno)
    assert kinds(items) == ["answer_accepted", "comment"]
    assert items[0]["text"] == "Ana accepted your answer"
    assert items[0]["target"]["comment_id"] == answer
    assert items[0]["preview"] == "cert-manager, in stages"
    assert kinds(await inbox(api, ana)) == ["comment"]  # accepting her own answer: nothing


async def test_a_praise_notifies_the_people_praised_once_each(
    api: FeedApi, org: Organisation
) -> None:
    ana, bruno, chloe = await people(org, "Ana", "Bruno", "Chloé")
    await api.settled()

    await publish(
        api,
        ana,
        kind="praise",
        text="Huge thanks @bruno and @chloe for the release",
        mentions=[bruno, chloe],
        praise={"person_ids": [bruno, chloe], "skill": "kubernetes"},
    )

    for person in (bruno, chloe):
        items = await inbox(api, person)
        assert kinds(items) == ["praise"]
        assert items[0]["text"] == "Ana praised you for kubernetes"


# --- grouped reactions --------------------------------------------------------------------------


async def test_reactions_are_grouped_while_unread_and_start_a_new_group_once_read(
    api: FeedApi, org: Organisation
) -> None:
    ana, *reactors = await people(org, "Ana", "Bruno", "Chloé", "Dan", "Eve")
    bruno, chloe, dan, eve = reactors
    await api.settled()
    post = await publish(api, ana, text="We shipped!")

    for person in (bruno, chloe, dan):
        await react(api, person, post)
    await react(api, bruno, post, reaction="celebrate")  # a change is not news
    await react(api, ana, post)  # her own post

    items = await inbox(api, ana)
    assert kinds(items) == ["reaction"]
    group = items[0]
    assert group["actor_count"] == 3
    assert [a["person_id"] for a in group["actors"]] == [dan, chloe, bruno]
    assert group["text"] == "Dan and 2 others reacted to your post"
    assert group["preview"] == "We shipped!"
    assert (await unread(api, ana))["count"] == 1

    await mark_read(api, ana, ids=[group["id"]])
    await react(api, eve, post)
    await unreact(api, chloe, post)  # the read group keeps her

    items = await inbox(api, ana)
    assert [(i["kind"], i["actor_count"], i["read"]) for i in items] == [
        ("reaction", 1, False),
        ("reaction", 3, True),
    ]
    assert items[0]["text"] == "Eve reacted to your post"
    assert items[0]["id"] != group["id"]

    await unreact(api, eve, post)  # the unread group loses its only reactor
    assert [i["id"] for i in await inbox(api, ana)] == [group["id"]]
    assert (await unread(api, ana))["count"] == 0


async def test_reactions_on_a_comment_notify_the_comment_author(
    api: FeedApi, org: Organisation
) -> None:
    ana, bruno, chloe = await people(org, "Ana", "Bruno", "Chloé")
    await api.settled()
    post = await publish(api, ana)
    remark = await comment(api, bruno, post, text="Nice")

    await react(api, ana, post, comment_id=remark, reaction="insightful")
    await react(api, chloe, post, comment_id=remark)

    items = await inbox(api, bruno)
    assert kinds(items) == ["reaction"]
    assert items[0]["text"] == "Chloé and Ana reacted to your comment"
    assert items[0]["target"]["comment_id"] == remark


# --- preferences --------------------------------------------------------------------------------


async def test_a_disabled_kind_is_not_delivered(api: FeedApi, org: Organisation) -> None:
    ana, bruno = await people(org, "Ana", "Bruno")
    await api.settled()
    await command(api, "PUT", "/me/notification-preferences", ana, {"disabled_kinds": ["reaction"]})
    post = await publish(api, ana)

    await react(api, bruno, post)
    await comment(api, bruno, post)

    assert kinds(await inbox(api, ana)) == ["comment"]
    preferences = await api.call("GET", "/me/notification-preferences", person=ana)
    assert preferences.json() == {"disabled_kinds": ["reaction"], "muted_communities": []}


async def test_a_muted_community_delivers_only_mentions_and_praise(
    api: FeedApi, org: Organisation
) -> None:
    ana, bruno = await people(org, "Ana", "Bruno")
    community = await org.community(ana, members=[bruno], name="Platform guild")
    await api.settled()
    post = await publish(api, ana, community=community)
    await command(api, "PUT", f"/me/muted-communities/{community}", ana)

    await comment(api, bruno, post)
    await react(api, bruno, post)
    await publish(api, bruno, community=community, text="cc @ana", mentions=[ana])

    assert kinds(await inbox(api, ana)) == ["mention"]
    preferences = await api.call("GET", "/me/notification-preferences", person=ana)
    assert preferences.json() == {
        "disabled_kinds": [],
        "muted_communities": [{"id": community, "name": "Platform guild"}],
    }

    await command(api, "DELETE", f"/me/muted-communities/{community}", ana)
    await comment(api, bruno, post, text="Now you hear me")
    assert kinds(await inbox(api, ana)) == ["comment", "mention"]


# --- community managers -------------------------------------------------------------------------


async def test_join_requests_notify_managers_and_are_resolved_by_the_decision(
    api: FeedApi, org: Organisation
) -> None:
    owner, manager, member, asker, other = await people(
        org, "Owner", "Manager", "Member", "Asker", "Other"
    )
    community = await org.community(
        owner, visibility="closed", members=[member], managers=[manager], name="Security"
    )
    await api.settled()

    await org.request_to_join(community, asker)
    await org.request_to_join(community, other)
    for person in (owner, manager):
        items = await inbox(api, person)
        assert kinds(items) == ["join_request", "join_request"]
        assert items[1]["text"] == "Asker asked to join Security"
        assert items[1]["target"] == {
            "post_id": None,
            "comment_id": None,
            "community_id": community,
        }
        assert items[1]["resolution"] is None
        assert (await unread(api, person))["count"] == 2
    assert await inbox(api, member) == []

    await org.community_events(
        community, community_events.JoinRequestApproved(person_id=asker), actor=manager
    )
    await org.community_events(
        community, community_events.JoinRequestRejected(person_id=other), actor=manager
    )

    items = await inbox(api, owner)
    assert [i["resolution"] for i in items] == ["rejected", "approved"]
    assert items[1]["text"] == "Asker asked to join Security (approved)"
    assert (await unread(api, owner))["count"] == 0


async def test_reports_notify_the_community_managers(api: FeedApi, org: Organisation) -> None:
    owner, manager, author, reporter = await people(org, "Owner", "Manager", "Author", "Reporter")
    community = await org.community(
        owner, members=[author, reporter], managers=[manager], name="Ops"
    )
    await api.settled()
    post = await publish(api, author, community=community, text="Customer list attached")

    await command(
        api,
        "POST",
        f"/posts/{post}/reports",
        reporter,
        {"reason": "Personal data of customers"},
        expected=201,
    )

    for person in (owner, manager):
        items = await inbox(api, person)
        assert kinds(items) == ["report"]
        assert items[0]["text"] == "Reporter reported a post in Ops: Personal data of customers"
        assert items[0]["preview"] == "Customer list attached"
    assert await inbox(api, author) == []
    assert await inbox(api, reporter) == []


# --- read marks and counts ----------------------------------------------------------------------


async def test_mark_read_by_ids_and_up_to_a_time(api: FeedApi, org: Organisation) -> None:
    ana, bruno = await people(org, "Ana", "Bruno")
    await api.settled()
    for number in range(4):
        await publish(api, bruno, text=f"Note {number} for @ana", mentions=[ana])
    items = await inbox(api, ana)
    assert (await unread(api, ana))["count"] == 4

    await mark_read(api, ana, ids=[items[0]["id"], items[2]["id"]])
    assert [i["read"] for i in await inbox(api, ana)] == [True, False, True, False]
    assert (await unread(api, ana))["count"] == 2

    await mark_read(api, ana, ids=["no-such-notification"])
    await mark_read(api, ana, up_to=datetime.now(UTC))
    assert all(i["read"] for i in await inbox(api, ana))
    assert (await unread(api, ana)) == {"count": 0, "capped": False, "label": "0"}

    await publish(api, bruno, text="One more @ana", mentions=[ana])
    assert [i["read"] for i in await inbox(api, ana)][:2] == [False, True]
    assert (await unread(api, ana))["count"] == 1


async def test_a_large_inbox_pages_across_buckets_and_counts_99_plus(
    api: FeedApi, org: Organisation
) -> None:
    ana, bruno = await people(org, "Ana", "Bruno")
    await api.settled()
    total = 105
    for start in range(0, total, 15):
        await asyncio.gather(
            *(
                publish(api, bruno, text=f"Item {number} @ana", mentions=[ana])
                for number in range(start, min(start + 15, total))
            )
        )
    await api.settled()

    assert (await unread(api, ana)) == {"count": 99, "capped": True, "label": "99+"}
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 40} | ({"cursor": cursor} if cursor else {})
        response = await api.call("GET", "/me/notifications", person=ana, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == total
    assert len(set(seen)) == total
    previews = [int(text.split()[1]) for text in await _previews(api, ana)]
    assert sorted(previews) == list(range(total))


async def _previews(api: FeedApi, person: str) -> list[str]:
    previews: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100} | ({"cursor": cursor} if cursor else {})
        page = (await api.call("GET", "/me/notifications", person=person, params=params)).json()
        previews += [item["preview"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return previews


async def test_the_inbox_is_only_the_callers_own_and_bad_cursors_are_refused(
    api: FeedApi, org: Organisation
) -> None:
    ana = await org.person("Ana")
    await api.settled()

    anonymous = await api.client.get("/me/notifications")
    bad_cursor = await api.call("GET", "/me/notifications", person=ana, params={"cursor": "../etc"})
    bad_limit = await api.call("GET", "/me/notifications", person=ana, params={"limit": 1000})

    assert anonymous.status_code == 401
    assert bad_cursor.status_code == 422
    assert bad_limit.status_code == 422
    assert (await api.call("GET", "/me/notifications", person=ana)).json() == {
        "items": [],
        "next_cursor": None,
    }
