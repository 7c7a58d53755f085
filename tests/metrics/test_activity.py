"""Activity indicators, each on a hand-built sequence of events.

Definitions (services/metrics/README.md): an *active* person visited (the gateway's signal) or
contributed; a *contributor* posted (any kind), commented or reacted; *readers only* were active
without contributing. Day, week and month figures count each person once per period.
"""

import pytest

from agora.profiles.domain import events as profile_events
from tests.metrics.harness import MetricsApi, World, at, values

pytestmark = pytest.mark.integration


async def test_active_people_contributors_and_readers_of_one_day(
    api: MetricsApi, world: World
) -> None:
    people = await world.people(6, "R&D")
    community = await world.community(people[0], members=people[1:])
    for person in people[:4]:
        await world.visit(person, "2026-11-23")
    post = await world.post(people[0], community, moment=at("2026-11-23"))
    await world.comment(post, people[1], moment=at("2026-11-23", 11))
    await world.react(post, people[2], moment=at("2026-11-23", 12))
    await world.react(post, people[2], moment=at("2026-11-23", 13), reaction="celebrate")
    await world.react(post, people[5], moment=at("2026-11-24", 13))
    await api.settled()

    body = await api.dashboard(
        "/org/activity", **{"from": "2026-11-23", "to": "2026-11-24", "granularity": "day"}
    )

    figures = values(body)
    assert figures["registered"] == [6, 6]
    assert figures["visitors"] == [4, 0]
    assert figures["contributors"] == [3, 1]
    assert figures["active"] == [4, 1]
    assert figures["readers_only"] == [1, 0]
    assert figures["posts"] == [1, 0]
    assert figures["comments"] == [1, 0]
    assert figures["reactions"] == [1, 1], "a changed reaction is the same reaction"
    assert figures["active_share"] == [round(4 / 6, 4), round(1 / 6, 4)]


async def test_weekly_and_monthly_active_people_count_each_person_once(
    api: MetricsApi, world: World
) -> None:
    people = await world.people(5, "R&D")
    for day in ("2026-11-02", "2026-11-03", "2026-11-04"):
        await world.visit(people[0], day)
    await world.visit(people[1], "2026-11-03")
    await world.visit(people[1], "2026-11-10")
    await world.visit(people[2], "2026-11-12")
    await api.settled()

    weekly = values(
        await api.dashboard(
            "/org/activity", **{"from": "2026-11-02", "to": "2026-11-15", "granularity": "week"}
        )
    )
    monthly = values(
        await api.dashboard(
            "/org/activity", **{"from": "2026-11-01", "to": "2026-11-29", "granularity": "month"}
        )
    )
    daily = values(
        await api.dashboard(
            "/org/activity", **{"from": "2026-11-02", "to": "2026-11-04", "granularity": "day"}
        )
    )

    assert daily["active"] == [1, 2, 1]
    assert weekly["active"] == [2, 2]
    assert monthly["active"] == [3]


async def test_every_kind_of_content_is_counted_on_its_day(api: MetricsApi, world: World) -> None:
    people = await world.people(5, "R&D")
    asker, answerer, other = people[:3]
    community = await world.community(asker, members=people[1:])
    day = at("2026-11-18")
    question = await world.post(asker, community, moment=day, kind="question", tags=["k8s"])
    await world.post(asker, community, moment=day, kind="poll")
    await world.post(asker, None, moment=day, kind="praise", praise=[answerer], skill="Helm")
    await world.post(other, community, moment=day, shared=question)
    answer = await world.comment(question, answerer, moment=at("2026-11-18", 11))
    await world.comment(question, asker, moment=at("2026-11-18", 12), parent=answer)
    await world.comment(question, asker, moment=at("2026-11-18", 12, 5))
    await world.accept(question, answer, answerer, by=asker, moment=at("2026-11-19"))
    await api.settled()

    figures = values(
        await api.dashboard(
            "/org/activity", **{"from": "2026-11-18", "to": "2026-11-19", "granularity": "day"}
        )
    )

    assert figures["questions"] == [1, 0]
    assert figures["polls"] == [1, 0]
    assert figures["praise"] == [1, 0]
    assert figures["shares"] == [1, 0]
    assert figures["posts"] == [0, 0]
    assert figures["comments"] == [3, 0]
    assert figures["answers"] == [1, 0], "replies and the asker's own comments are not answers"
    assert figures["accepted"] == [0, 1]


async def test_regular_contributors_need_four_contributing_weeks_of_six(
    api: MetricsApi, world: World
) -> None:
    people = await world.people(5, "R&D")
    regular, irregular = people[:2]
    weeks = ["2026-10-12", "2026-10-19", "2026-10-26", "2026-11-02"]
    for day in weeks:
        await world.post(regular, None, moment=at(day))
    for day in weeks[:3]:
        await world.post(irregular, None, moment=at(day))
    await api.settled()

    figures = values(
        await api.dashboard(
            "/org/activity", **{"from": "2026-10-26", "to": "2026-11-22", "granularity": "week"}
        )
    )

    # Weeks 44, 45, 46, 47: regular from its 4th contributing week (W45) for 6 weeks
    assert figures["regular_contributors"] == [0, 1, 1, 1]


async def test_departments_filter_and_grouping(api: MetricsApi, world: World) -> None:
    sales = await world.people(6, "Sales")
    rnd = await world.people(7, "R&D")
    legal = await world.people(5, "Legal")
    for person in [*sales[:3], *rnd[:5], *legal[:1]]:
        await world.visit(person, "2026-11-20")
    await api.settled()
    day = {"from": "2026-11-20", "to": "2026-11-20", "granularity": "day"}

    sales_only = values(await api.dashboard("/org/activity", department="Sales", **day))
    grouped = await api.dashboard("/org/activity", group_by="department", **day)

    assert sales_only["active"] == [3]
    assert sales_only["registered"] == [6]
    groups = {group["group"]: group["periods"][0] for group in grouped["groups"]}
    assert set(groups) == {"Legal", "R&D", "Sales"}
    assert groups["R&D"]["values"]["active"] == 5
    assert groups["Sales"]["values"]["active"] == 3
    assert groups["Legal"]["values"]["active"] == 1
    assert groups["Legal"]["group_size"] == 5


async def test_skills_do_not_make_anyone_active(api: MetricsApi, world: World) -> None:
    people = await world.people(5, "R&D")
    await world.profile(
        people[0], profile_events.SkillAdded(skill="Kubernetes", level=3), moment=at("2026-11-20")
    )
    await api.settled()

    figures = values(
        await api.dashboard(
            "/org/activity", **{"from": "2026-11-20", "to": "2026-11-20", "granularity": "day"}
        )
    )

    assert figures["active"] == [0]
