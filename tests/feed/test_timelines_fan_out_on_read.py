"""Large communities are merged into home timelines when read: the pages are the same.

The same organisation and the same posts are played into two feeds: one copies every
community's posts into its members' home timelines (fan-out on write), the other treats every
community with more than one member as large (fan-out on read). Each reader's home timeline,
page by page, must read the same in both.
"""

import uuid
from typing import Any

import pytest

from agora.feed.readside.pages import newest_entries
from agora.localinfra import InfraEndpoints
from agora.testing.identity import TestIdentityProvider
from tests.feed.harness import FeedApi, MovableClock, Organisation, fresh_settings, running_feed
from tests.feed.reading import PROFILE, place, publish

pytestmark = pytest.mark.integration


async def _home_texts(api: FeedApi, reader: str, *, limit: int) -> list[list[str]]:
    """Every page of the reader's home timeline, as the texts of its posts."""
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await api.call("GET", "/me/timeline", person=reader, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([item["text"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def _play(api: FeedApi, org: Organisation, people: dict[str, str]) -> list[str]:
    """The scenario; returns the readers whose home timelines are compared."""
    reader, leaver, owner, followee, other = (
        people[name] for name in ("reader", "leaver", "owner", "followee", "other")
    )
    for person_id in people.values():
        await org.card(person_id, person_id)
    await org.follow(reader, followee)
    big = await org.community(owner, members=[reader, leaver, followee], name="Big")
    closed = await org.community(owner, visibility="closed", members=[reader, leaver])
    elsewhere = await org.community(other, members=[followee])
    await api.settled()

    for n in range(12):
        await publish(api, owner, place(big), text=f"big {n}")
        if n % 3 == 0:
            await publish(api, followee, place(big), text=f"followee in big {n}")
            await publish(api, followee, PROFILE, text=f"followee profile {n}")
            await publish(api, other, place(elsewhere), text=f"elsewhere {n}")
        if n % 4 == 0:
            await publish(api, owner, place(closed), text=f"closed {n}")
            await publish(api, other, PROFILE, text=f"mentions {n}", mentions=[reader, leaver])
    await api.settled()
    await org.leave(closed, leaver)
    await api.settled()
    return [reader, leaver, owner, followee, other]


async def test_fan_out_on_read_gives_the_same_home_pages_as_fan_out_on_write(
    infra_endpoints: InfraEndpoints, identity: TestIdentityProvider, clock: MovableClock
) -> None:
    suffix = uuid.uuid4().hex[:8]
    people = {
        name: f"{name}-{suffix}" for name in ("reader", "leaver", "owner", "followee", "other")
    }
    homes: list[dict[str, list[list[str]]]] = []
    for large_community_members in (1000, 1):
        settings = fresh_settings(
            infra_endpoints, identity, large_community_members=large_community_members
        )
        async with running_feed(settings, identity, clock) as (api, org):
            readers = await _play(api, org, people)
            homes.append({r: await _home_texts(api, r, limit=7) for r in readers})
            if large_community_members == 1:
                timelines = api.database[f"{settings.projection_prefix}_timelines__g1"]
                copied = await newest_entries(timelines, f"home:{people['leaver']}", 1000)
                assert copied
                assert {e["community_id"] for e in copied} <= {None}

    on_write, on_read = homes
    assert on_read == on_write
    reader_posts = [text for page in on_write[people["reader"]] for text in page]
    assert len(reader_posts) == 12 + 4 + 4 + 3 + 3
    assert reader_posts[:5] == [
        "big 11",
        "big 10",
        "followee profile 9",
        "followee in big 9",
        "big 9",
    ]
    assert not any(text.startswith("elsewhere") for text in reader_posts)
    leaver_posts = [text for page in on_write[people["leaver"]] for text in page]
    assert not any(text.startswith("closed") for text in leaver_posts)
    assert "mentions 8" in leaver_posts
