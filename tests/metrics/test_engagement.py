"""Engagement profiles (the Lecko grid), on hand-built weeks of contributions.

Defaults: an 8-week window; loyal = contributions in at least 6 of its weeks; assiduous =
loyal with at least 3 significant contributions; compulsive = at least 15 contributions in
fewer weeks; initiated = animates a community and contributed; occasional = any visit or
contribution; inactive = registered and nothing in the window.
"""

from datetime import date, timedelta

import pytest

from agora.localinfra import InfraEndpoints
from agora.testing.identity import TestIdentityProvider
from tests.metrics.harness import MetricsApi, World, at, fresh_settings, running_metrics, values

pytestmark = pytest.mark.integration

MONDAYS = [date(2026, 10, 12) + timedelta(weeks=n) for n in range(6)]
"""ISO weeks 42 to 47 of 2026."""
WEEKS_46_47 = {"from": "2026-11-09", "to": "2026-11-22", "granularity": "week"}


async def build_cast(world: World) -> dict[str, str]:
    """One person per profile, and four who do nothing."""
    cast = {
        name: await world.person("R&D")
        for name in ("loyal", "assiduous", "asker", "compulsive", "initiated", "occasional")
    }
    await world.people(4, "R&D")
    for monday in MONDAYS:
        await world.post(cast["loyal"], None, moment=at(monday))
        await world.post(cast["assiduous"], None, moment=at(monday))
    for monday in MONDAYS[3:]:
        question = await world.post(cast["asker"], None, moment=at(monday, 9), kind="question")
        await world.comment(question, cast["assiduous"], moment=at(monday, 15))
    target = await world.post(cast["loyal"], None, moment=at(MONDAYS[4], 8))
    for minute in range(16):
        await world.comment(target, cast["compulsive"], moment=at(MONDAYS[4], 16, minute))
    await world.community(cast["initiated"], moment=at("2026-10-05"))
    await world.post(cast["initiated"], None, moment=at(MONDAYS[5]))
    await world.visit(cast["occasional"], MONDAYS[3])
    return cast


async def test_profiles_of_a_week(api: MetricsApi, world: World) -> None:
    await build_cast(world)
    await api.settled()

    figures = values(await api.dashboard("/org/engagement", **WEEKS_46_47))

    assert figures["registered"] == [10, 10]
    assert figures["initiated"] == [0, 1]
    assert figures["assiduous"] == [0, 1]
    assert figures["loyal"] == [0, 1], "loyal from the sixth contributing week"
    assert figures["compulsive"] == [1, 1]
    assert figures["occasional"] == [4, 2]
    assert figures["inactive"] == [5, 4]
    assert figures["regular_contributors"] == [2, 2]


async def test_profiles_are_shown_to_the_person_alone(api: MetricsApi, world: World) -> None:
    cast = await build_cast(world)
    await api.settled()

    mine = await api.dashboard(
        "/me/contributions", person=cast["assiduous"], roles=(), **WEEKS_46_47
    )
    someone = await api.dashboard(
        "/me/contributions", person=cast["loyal"], roles=(), **WEEKS_46_47
    )

    assert mine["current"]["profile"] == "assiduous"
    assert mine["current"]["regular_contributor"] is True
    assert [row["profile"] for row in mine["tables"]["profiles"]] == ["occasional", "assiduous"]
    assert someone["current"]["profile"] == "loyal"


async def test_profile_thresholds_are_configurable(
    infra_endpoints: InfraEndpoints, identity: TestIdentityProvider
) -> None:
    settings = fresh_settings(
        infra_endpoints, identity, loyal_min_weeks=3, compulsive_min_contributions=40
    )
    async with running_metrics(settings, identity) as (api, world):
        await build_cast(world)
        await api.settled()

        figures = values(await api.dashboard("/org/engagement", **WEEKS_46_47))

    # The asker's three weeks of questions now make them loyal; 16 comments are not compulsive.
    assert figures["loyal"] == [2, 2]
    assert figures["compulsive"] == [0, 0]
