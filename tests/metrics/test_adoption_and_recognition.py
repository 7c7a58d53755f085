"""Adoption, recognition and knowledge-flow indicators, and the personal view."""

from datetime import date

import pytest

from agora.profiles.domain import events as profile_events
from tests.metrics.harness import MetricsApi, World, at, values

pytestmark = pytest.mark.integration

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30", "granularity": "month"}


async def test_registrations_departures_and_activation(api: MetricsApi, world: World) -> None:
    early = await world.people(6, "R&D", registered=at("2026-10-05"))
    late = await world.people(3, "R&D", registered=at("2026-11-10"))
    await world.profile(
        early[0],
        profile_events.PersonDeactivated(left_on=date(2026, 11, 20)),
        moment=at("2026-11-20"),
    )
    await world.visit(early[1], "2026-10-20")
    await world.visit(early[1], "2026-11-03")
    await world.visit(late[0], "2026-11-12")
    await api.settled()

    figures = values(
        await api.dashboard(
            "/org/adoption", **{"from": "2026-10-01", "to": "2026-11-30", "granularity": "month"}
        )
    )

    assert figures["registered"] == [6, 8]
    assert figures["new_registrations"] == [6, 3]
    assert figures["departures"] == [0, 1]
    assert figures["activated"] == [1, 2]
    assert figures["newly_activated"] == [1, 1]


async def test_people_migrated_with_their_history_count_from_their_registration_day(
    api: MetricsApi, world: World
) -> None:
    migrated = await world.people(
        5, "R&D", registered=at("2026-11-10"), registered_on=date(2026, 9, 15)
    )
    await world.people(5, "R&D", registered=at("2026-11-10"))
    await world.visit(migrated[0], "2026-10-14")
    await api.settled()

    figures = values(
        await api.dashboard(
            "/org/adoption", **{"from": "2026-09-01", "to": "2026-11-30", "granularity": "month"}
        )
    )

    assert figures["registered"] == [5, 5, 10]
    assert figures["new_registrations"] == [5, 0, 5]
    assert figures["activated"] == [0, 1, 1]


async def test_complete_profiles_use_the_public_items_only(api: MetricsApi, world: World) -> None:
    people = await world.people(5, "R&D", photo=True)
    for person in people[:3]:
        await world.profile(
            person,
            *(profile_events.SkillAdded(skill=s, level=2) for s in ("Go", "Helm", "Kafka")),
            profile_events.InterestsSet(topics=["cloud"]),
            moment=at("2026-11-02"),
        )
    await world.profile(
        people[3], profile_events.SkillAdded(skill="Go", level=2), moment=at("2026-11-02")
    )
    await api.settled()

    body = await api.dashboard("/org/adoption", **NOVEMBER)

    # title, department, photo, 3 skills and interests: 5 of 6 items for three people
    assert body["current"]["complete_profiles"] == 3
    assert body["current"]["complete_profiles_share"] == 0.6
    assert body["current"]["complete_profile_min_items"] == 5


async def test_communities_by_kind_and_visibility(api: MetricsApi, world: World) -> None:
    people = await world.people(5, "R&D")
    await world.community(people[0], kind="project", moment=at("2026-10-10"))
    await world.community(people[0], kind="practice", visibility="closed", moment=at("2026-11-10"))
    await world.community(people[1], kind="interest", visibility="secret", moment=at("2026-11-11"))
    await api.settled()

    figures = values(
        await api.dashboard(
            "/org/adoption", **{"from": "2026-10-01", "to": "2026-11-30", "granularity": "month"}
        )
    )

    assert figures["communities"] == [1, 2]
    assert figures["new_communities"] == [1, 1]
    assert figures["communities_project"] == [1, 1]
    assert figures["communities_practice"] == [0, 1]
    assert figures["communities_closed"] == [0, 1]
    assert figures["communities_interest"] == [0, 0], "a secret community is never counted"


async def test_praise_answers_across_departments_and_tags(api: MetricsApi, world: World) -> None:
    rnd = await world.people(6, "R&D")
    sales = await world.people(6, "Sales")
    community = await world.community(rnd[0], members=[*rnd[1:], *sales])
    day = at("2026-11-17")
    for asker in sales[:5]:
        question = await world.post(asker, community, moment=day, kind="question", tags=["helm"])
        answer = await world.comment(question, rnd[1], moment=at("2026-11-17", 11))
        await world.comment(question, sales[5], moment=at("2026-11-17", 12))
        await world.accept(question, answer, rnd[1], by=asker, moment=at("2026-11-17", 13))
        await world.react(question, rnd[2], moment=at("2026-11-17", 14))
    lonely = await world.post(rnd[3], community, moment=day, tags=["secret-project"])
    await world.react(lonely, rnd[4], moment=at("2026-11-17", 15))
    await world.post(sales[0], None, moment=day, kind="praise", praise=[rnd[1]], skill="Helm")
    await api.settled()

    body = await api.dashboard("/org/recognition", **NOVEMBER)

    figures = values(body)
    assert figures["praise"] == [1]
    assert figures["praised"] == [1]
    assert figures["answers"] == [10]
    assert figures["accepted"] == [5]
    assert figures["cross_department_answers"] == [5]
    assert figures["cross_department_share"] == [0.5]
    assert body["tables"]["tags"] == [
        {"name": "helm", "posts": 0, "questions": 5, "reactions": 5, "accepted": 5}
    ], "a tag used by fewer than k people is not listed"
    assert body["tables"]["skills"] == [], "a skill praised between two people is not listed"


async def test_my_contributions(api: MetricsApi, world: World) -> None:
    people = await world.people(5, "R&D")
    me, asker, fan = people[:3]
    community = await world.community(asker, members=people[:3])
    secret = await world.community(asker, visibility="secret", members=[me])
    question = await world.post(asker, community, moment=at("2026-11-16"), kind="question")
    answer = await world.comment(question, me, moment=at("2026-11-16", 11))
    await world.accept(question, answer, me, by=asker, moment=at("2026-11-16", 12))
    mine = await world.post(me, community, moment=at("2026-11-18"))
    await world.react(mine, fan, moment=at("2026-11-18", 11))
    await world.react(question, me, moment=at("2026-11-18", 12))
    await world.post(me, secret, moment=at("2026-11-19"), visibility="secret")
    await world.post(fan, None, moment=at("2026-11-19"), kind="praise", praise=[me])
    await world.visit(me, "2026-11-20")
    await api.settled()

    body = await api.dashboard(
        "/me/contributions",
        person=me,
        roles=(),
        **{"from": "2026-11-16", "to": "2026-11-22", "granularity": "week"},
    )

    figures = values(body)
    assert figures["active_days"] == [4]
    assert figures["posts"] == [2], "my own view includes my posts in secret communities"
    assert figures["comments"] == [1]
    assert figures["answers"] == [1]
    assert figures["accepted"] == [1]
    assert figures["reactions"] == [1]
    assert figures["reactions_received"] == [1]
    assert figures["praise_received"] == [1]
    assert body["current"]["people_helped"] == 1
    assert body["current"]["communities_contributed_to"] == 2
