"""A community's health, for its managers: each figure on a hand-built sequence."""

from datetime import timedelta

import pytest

from agora.communities.domain import events as community_events
from tests.metrics.harness import MetricsApi, World, at, values

pytestmark = pytest.mark.integration

WEEK_47 = {"from": "2026-11-16", "to": "2026-11-22", "granularity": "week"}


async def test_members_growth_and_active_members(api: MetricsApi, world: World) -> None:
    people = await world.people(10, "R&D")
    owner = people[0]
    community = await world.community(owner, members=people[1:6], moment=at("2026-11-09"))
    for person in people[6:9]:
        await world.community_events(
            community, community_events.MemberJoined(person_id=person), moment=at("2026-11-17")
        )
    await world.community_events(
        community, community_events.MemberLeft(person_id=people[1]), moment=at("2026-11-18")
    )
    post = await world.post(owner, community, moment=at("2026-11-17"))
    await world.comment(post, people[2], moment=at("2026-11-18"))
    await world.react(post, people[3], moment=at("2026-11-18"))
    await world.react(post, people[4], moment=at("2026-11-19"))
    await api.settled()

    figures = values(
        await api.dashboard(f"/communities/{community}/health", person=owner, roles=(), **WEEK_47)
    )

    assert figures["members"] == [8]
    assert figures["joins"] == [3]
    assert figures["leaves"] == [1]
    assert figures["active_members"] == [4]
    assert figures["active_share"] == [0.5]
    assert figures["posts"] == [1]
    assert figures["comments"] == [1]
    assert figures["reactions"] == [2]
    assert figures["reactions_per_post"] == [2.0]


async def test_questions_answered_and_time_to_answer(api: MetricsApi, world: World) -> None:
    people = await world.people(6, "R&D")
    owner, asker, expert = people[:3]
    community = await world.community(owner, members=people[1:])
    asked = at("2026-11-16", 9)
    quick = await world.post(asker, community, moment=asked, kind="question")
    slow = await world.post(asker, community, moment=asked, kind="question")
    await world.post(asker, community, moment=asked, kind="question")  # never answered
    first = await world.comment(quick, expert, moment=asked + timedelta(minutes=30))
    await world.comment(quick, people[3], moment=asked + timedelta(hours=5))
    await world.accept(quick, first, expert, by=asker, moment=asked + timedelta(hours=2))
    late = await world.comment(slow, expert, moment=asked + timedelta(hours=10))
    await world.accept(slow, late, expert, by=asker, moment=asked + timedelta(hours=20))
    await api.settled()

    figures = values(
        await api.dashboard(f"/communities/{community}/health", person=owner, roles=(), **WEEK_47)
    )

    assert figures["questions"] == [3]
    assert figures["answered_questions"] == [2]
    assert figures["answered_share"] == [round(2 / 3, 4)]
    assert figures["median_first_answer_seconds"] == [(1800 + 36000) / 2]
    assert figures["median_accepted_answer_seconds"] == [(7200 + 72000) / 2]


async def test_join_requests_pending_and_waits(api: MetricsApi, world: World) -> None:
    people = await world.people(9, "R&D")
    owner = people[0]
    community = await world.community(
        owner, visibility="closed", members=people[1:5], moment=at("2026-11-02")
    )
    for person in people[5:8]:
        await world.community_events(
            community, community_events.JoinRequested(person_id=person), moment=at("2026-11-16")
        )
    await world.community_events(
        community,
        community_events.JoinRequestApproved(person_id=people[5]),
        moment=at("2026-11-16", 14),
    )
    await world.community_events(
        community,
        community_events.JoinRequestRejected(person_id=people[6]),
        moment=at("2026-11-17", 10),
    )
    await api.settled()

    body = await api.dashboard(
        f"/communities/{community}/health", person=owner, roles=(), **WEEK_47
    )

    figures = values(body)
    assert figures["join_requests"] == [3]
    assert figures["median_request_wait_seconds"] == [(4 * 3600 + 24 * 3600) / 2]
    assert body["current"]["pending_join_requests"] == 1
    assert body["current"]["oldest_pending_request_days"] == 14, "on 2026-11-30, the tests' now"
    assert figures["members"] == [6]


async def test_figures_about_people_wait_for_k_members(api: MetricsApi, world: World) -> None:
    people = await world.people(5, "R&D")
    owner = people[0]
    community = await world.community(owner, members=people[1:3])
    post = await world.post(owner, community, moment=at("2026-11-17"))
    await world.react(post, people[1], moment=at("2026-11-17"))
    await api.settled()

    body = await api.dashboard(
        f"/communities/{community}/health", person=owner, roles=(), **WEEK_47
    )

    figures = values(body)
    assert figures["members"] == [3]
    assert figures["posts"] == [1]
    assert figures["reactions"] == [1]
    assert figures["active_members"] == [None]
    assert figures["active_share"] == [None]
    assert body["groups"][0]["periods"][0]["suppressed"].startswith("fewer than 5 people")
