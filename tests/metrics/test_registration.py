"""Only registered (provisioned) people count among active and activated people.

Someone who acts without a provisioning event (a service account, or a person whose
provisioning has not arrived yet: it travels on another topic than their activity) is not
counted among active, visiting, contributing or activated people; their acts still count in
content counters. Once the provisioning is applied, all their activity counts, exactly as when
the provisioning comes first (a replay applies people's topics before activity).
"""

from datetime import date

import pytest

from agora.metrics.app import pipeline_config
from agora.metrics.rebuild import replay
from agora.profiles.domain import events as profile_events
from tests.metrics.harness import (
    MetricsApi,
    World,
    at,
    differing,
    new_id,
    normalised,
    values,
)

pytestmark = pytest.mark.integration

DAY = {"from": "2026-11-20", "to": "2026-11-20", "granularity": "day"}
WEEK = {"from": "2026-11-16", "to": "2026-11-22", "granularity": "week"}


async def test_an_account_never_provisioned_is_not_an_active_or_activated_person(
    api: MetricsApi, world: World
) -> None:
    people = await world.people(5, "R&D")
    robot = new_id("service")
    await world.visit(people[0], "2026-11-20")
    for day in ("2026-11-18", "2026-11-20"):
        await world.visit(robot, day)
    post = await world.post(robot, None, moment=at("2026-11-20"))
    await world.react(post, people[1], moment=at("2026-11-20", 11))
    await world.react(post, robot, moment=at("2026-11-20", 12), comment=None)
    await api.settled()

    activity = values(await api.dashboard("/org/activity", **DAY))
    adoption = values(await api.dashboard("/org/adoption", **WEEK))

    assert activity["registered"] == [5]
    assert activity["active"] == [2]
    assert activity["visitors"] == [1]
    assert activity["contributors"] == [1]
    assert activity["active_share"] == [round(2 / 5, 4)]
    assert activity["posts"] == [1], "what it did still counts as content"
    assert adoption["activated"] == [2]
    assert adoption["activated_share"] == [round(2 / 5, 4)]


async def activity_then_provisioning(api: MetricsApi, world: World, late: str) -> None:
    """Five people, and ``late``: their card, their activity, then their provisioning."""
    await world.people(5, "R&D", location="Lyon")
    await world.card(late, "R&D", location="Lyon", edited=False, version=1)
    await api.settled()
    await world.visit(late, "2026-11-18")
    await world.post(late, None, moment=at("2026-11-20"))
    await api.settled()


async def test_activity_before_the_provisioning_counts_from_when_it_arrives(
    api: MetricsApi, world: World
) -> None:
    late = new_id("person")
    await activity_then_provisioning(api, world, late)
    before = values(await api.dashboard("/org/adoption", **WEEK))
    in_lyon_before = values(await api.dashboard("/org/activity", location="Lyon", **WEEK))

    await world.provision(late, moment=at("2026-11-19"))
    await api.settled()

    after = values(await api.dashboard("/org/adoption", **WEEK))
    in_lyon = values(await api.dashboard("/org/activity", location="Lyon", **WEEK))
    in_rnd = values(await api.dashboard("/org/activity", group_by="department", **WEEK))
    assert before["activated"] == [0]
    assert in_lyon_before["active"] == [0]
    assert in_lyon_before["posts"] == [1]
    assert after["registered"] == [6]
    assert after["activated"] == [1]
    assert after["newly_activated"] == [1]
    assert in_lyon["registered"] == [6]
    assert in_lyon["active"] == [1]
    assert in_lyon["visitors"] == [1]
    assert in_lyon["contributors"] == [1]
    assert in_rnd["active"] == [1]

    live = await api.documents()
    generation = await replay(
        config=pipeline_config(api.settings), database=api.database, activate=False
    )
    rebuilt = await api.documents(generation)
    assert normalised(rebuilt) == normalised(live), differing(rebuilt, live)


async def test_activity_after_the_provisioning_counts_the_same(
    api: MetricsApi, world: World
) -> None:
    late = new_id("person")
    await world.people(5, "R&D", location="Lyon")
    await world.provision(late, moment=at("2026-11-19"))
    await world.card(late, "R&D", location="Lyon", edited=False)
    await api.settled()
    await world.visit(late, "2026-11-18")
    await world.post(late, None, moment=at("2026-11-20"))
    await api.settled()

    adoption = values(await api.dashboard("/org/adoption", **WEEK))
    in_lyon = values(await api.dashboard("/org/activity", location="Lyon", **WEEK))

    assert adoption["registered"] == [6]
    assert adoption["activated"] == [1]
    assert adoption["newly_activated"] == [1]
    assert in_lyon["active"] == [1]
    assert in_lyon["visitors"] == [1]
    assert in_lyon["contributors"] == [1]


async def test_people_who_left_leave_the_activated_people_too(
    api: MetricsApi, world: World
) -> None:
    people = await world.people(8, "R&D")
    leaver, late_news = people[0], people[1]
    await world.visit(leaver, "2026-11-03")
    await world.visit(people[2], "2026-11-03")
    await world.profile(
        leaver,
        profile_events.PersonDeactivated(left_on=date(2026, 11, 10)),
        moment=at("2026-11-10"),
    )
    await world.profile(
        late_news,
        profile_events.PersonDeactivated(left_on=date(2026, 11, 10)),
        moment=at("2026-11-10"),
    )
    await api.settled()
    await world.visit(late_news, "2026-11-04")  # known after their departure
    await api.settled()

    weeks = values(
        await api.dashboard(
            "/org/adoption", **{"from": "2026-11-02", "to": "2026-11-22", "granularity": "week"}
        )
    )

    assert weeks["registered"] == [8, 6, 6]
    assert weeks["activated"] == [3, 1, 1]
    assert weeks["newly_activated"] == [3, 0, 0]
    assert weeks["activated_share"] == [round(3 / 8, 4), round(1 / 6, 4), round(1 / 6, 4)]
