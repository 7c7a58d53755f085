"""The trust rules: k people per group, differences, secret communities, who sees what."""

import pytest

from agora.localinfra import InfraEndpoints
from agora.metrics.readside.trust import difference_reason, small_group_reason
from agora.testing.identity import TestIdentityProvider
from tests.metrics.harness import (
    MetricsApi,
    World,
    at,
    fresh_settings,
    running_metrics,
    values,
)

pytestmark = pytest.mark.integration

DAY = {"from": "2026-11-20", "to": "2026-11-20", "granularity": "day"}


async def test_a_department_under_k_people_is_not_shown(api: MetricsApi, world: World) -> None:
    await world.people(8, "R&D")
    legal = await world.people(4, "Legal")
    await world.visit(legal[0], "2026-11-20")
    await api.settled()

    body = await api.dashboard("/org/activity", department="Legal", **DAY)

    period = body["groups"][0]["periods"][0]
    assert period["values"]["active"] is None
    assert period["group_size"] is None
    assert period["suppressed"] == small_group_reason(5)


async def test_the_k_threshold_is_configurable(
    infra_endpoints: InfraEndpoints, identity: TestIdentityProvider
) -> None:
    settings = fresh_settings(infra_endpoints, identity, k_anonymity=3)
    async with running_metrics(settings, identity) as (api, world):
        await world.people(8, "R&D")
        legal = await world.people(4, "Legal")
        await world.visit(legal[0], "2026-11-20")
        await api.settled()

        body = await api.dashboard("/org/activity", department="Legal", **DAY)

    assert body["k"] == 3
    assert values(body)["active"] == [1]


async def test_small_departments_are_merged_into_other(api: MetricsApi, world: World) -> None:
    await world.people(9, "R&D")
    legal = await world.people(3, "Legal")
    finance = await world.people(3, "Finance")
    for person in [*legal, finance[0]]:
        await world.visit(person, "2026-11-20")
    await api.settled()

    body = await api.dashboard("/org/activity", group_by="department", **DAY)

    groups = {group["group"]: group["periods"][0] for group in body["groups"]}
    assert set(groups) == {"R&D", "other"}
    assert groups["other"]["group_size"] == 6
    assert groups["other"]["values"]["active"] == 4


async def test_the_organisation_minus_the_shown_departments_never_singles_anyone_out(
    api: MetricsApi, world: World
) -> None:
    # R&D 9, Sales 6, Legal 2: showing R&D and Sales would let org - R&D - Sales reveal the
    # two Legal people, so the smallest shown department (Sales) is merged into "other" too.
    await world.people(9, "R&D")
    sales = await world.people(6, "Sales")
    legal = await world.people(2, "Legal")
    for person in [*sales[:2], *legal]:
        await world.visit(person, "2026-11-20")
    await api.settled()

    grouped = await api.dashboard("/org/activity", group_by="department", **DAY)
    whole = values(await api.dashboard("/org/activity", **DAY))

    groups = {group["group"]: group["periods"][0] for group in grouped["groups"]}
    assert set(groups) == {"R&D", "other"}
    assert groups["other"]["group_size"] == 8
    assert groups["other"]["values"]["active"] == 4
    assert whole["active"] == [4]
    shown_sizes = sum(period["group_size"] for period in groups.values())
    assert whole["registered"][0] - shown_sizes == 0


async def test_a_department_whose_complement_is_tiny_is_not_shown_alone(
    api: MetricsApi, world: World
) -> None:
    # The organisation is R&D plus 2 people: R&D's figures would reveal the 2 by difference.
    rnd = await world.people(9, "R&D")
    others = await world.people(2, "Legal")
    await world.visit(rnd[0], "2026-11-20")
    await world.visit(others[0], "2026-11-20")
    await api.settled()

    body = await api.dashboard("/org/activity", department="R&D", **DAY)

    period = body["groups"][0]["periods"][0]
    assert period["values"]["active"] is None
    assert period["suppressed"] == difference_reason(5)


async def test_department_inside_community_against_the_department_alone(
    api: MetricsApi, world: World
) -> None:
    # Department R&D: 12 people; 9 of them are in the community. The cell R&D x community (9)
    # and R&D (12) differ by 3 people: answering both would single those 3 out.
    rnd = await world.people(12, "R&D")
    community = await world.community(rnd[0], members=rnd[1:9])
    await world.people(10, "Sales")
    post = await world.post(rnd[0], community, moment=at("2026-11-20"))
    await world.react(post, rnd[1], moment=at("2026-11-20", 11))
    await api.settled()

    cell = await api.dashboard("/org/activity", department="R&D", community=community, **DAY)
    department = values(await api.dashboard("/org/activity", department="R&D", **DAY))

    period = cell["groups"][0]["periods"][0]
    assert period["values"]["posts"] is None
    assert period["suppressed"] == difference_reason(5)
    assert department["posts"] == [1]


async def test_department_inside_community_when_no_difference_is_small(
    api: MetricsApi, world: World
) -> None:
    rnd = await world.people(14, "R&D")
    sales = await world.people(10, "Sales")
    community = await world.community(rnd[0], members=[*rnd[1:7], *sales[:5]])
    post = await world.post(rnd[0], community, moment=at("2026-11-20"))
    await world.react(post, rnd[1], moment=at("2026-11-20", 11))
    await world.react(post, sales[0], moment=at("2026-11-20", 11))
    await api.settled()

    cell = values(
        await api.dashboard("/org/activity", department="R&D", community=community, **DAY)
    )

    assert cell["members"] == [7]
    assert cell["posts"] == [1]
    assert cell["reactions"] == [1]
    assert cell["contributors"] == [2]


async def test_secret_communities_never_reach_organisation_figures(
    api: MetricsApi, world: World
) -> None:
    people = await world.people(8, "R&D")
    secret = await world.community(people[0], visibility="secret", members=people[1:6])
    post = await world.post(
        people[0],
        secret,
        moment=at("2026-11-20"),
        visibility="secret",
        kind="question",
        tags=["merger"],
    )
    answer = await world.comment(post, people[1], moment=at("2026-11-20", 11))
    await world.react(post, people[2], moment=at("2026-11-20", 12))
    await world.accept(post, answer, people[1], by=people[0], moment=at("2026-11-20", 13))
    await api.settled()

    activity = values(await api.dashboard("/org/activity", **DAY))
    adoption = await api.dashboard("/org/adoption", **DAY)
    recognition = await api.dashboard("/org/recognition", **DAY)
    by_community = await api.dashboard("/org/activity", group_by="community", **DAY)
    filtered = await api.get(
        "/org/activity", roles=("analyst",), params={"community": secret, **DAY}
    )

    assert activity["questions"] == [0]
    assert activity["comments"] == [0]
    assert activity["reactions"] == [0]
    assert activity["contributors"] == [0]
    assert values(adoption)["communities"] == [0]
    assert recognition["tables"]["tags"] == []
    assert by_community["groups"] == []
    assert filtered.status_code == 404


async def test_a_secret_community_s_health_is_for_its_managers_only(
    api: MetricsApi, world: World
) -> None:
    people = await world.people(8, "R&D")
    owner, member = people[0], people[1]
    secret = await world.community(owner, visibility="secret", members=people[1:6])
    await world.post(owner, secret, moment=at("2026-11-20"), visibility="secret")
    await api.settled()

    for caller, roles in (
        (member, ()),
        ("analyst-1", ("analyst",)),
        ("admin", ("platform-admin",)),
    ):
        response = await api.get(
            f"/communities/{secret}/health", person=caller, roles=roles, params=DAY
        )
        assert response.status_code == 404, caller
    own = await api.dashboard(f"/communities/{secret}/health", person=owner, roles=(), **DAY)

    assert values(own)["posts"] == [1]


async def test_organisation_figures_are_for_analysts_and_admins(
    api: MetricsApi, world: World
) -> None:
    await world.people(5, "R&D")
    await api.settled()

    refused = await api.get("/org/activity", person="someone", roles=(), params=DAY)
    analyst = await api.get("/org/activity", person="ana", roles=("analyst",), params=DAY)
    admin = await api.get("/org/engagement", person="root", roles=("platform-admin",), params=DAY)
    anonymous = await api.client.get("/org/activity", params=DAY)

    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/metrics/organisation-figures-forbidden")
    assert analyst.status_code == 200
    assert admin.status_code == 200
    assert anonymous.status_code == 401


async def test_a_community_s_health_for_its_managers_and_analysts(
    api: MetricsApi, world: World
) -> None:
    people = await world.people(8, "R&D")
    owner, manager, member = people[:3]
    community = await world.community(owner, members=people[2:7], managers=[manager])
    await api.settled()

    answers = {
        name: (
            await api.get(
                f"/communities/{community}/health", person=person, roles=roles, params=DAY
            )
        ).status_code
        for name, person, roles in (
            ("owner", owner, ()),
            ("manager", manager, ()),
            ("analyst", "analyst-1", ("analyst",)),
            ("member", member, ()),
            ("stranger", "someone", ()),
        )
    }
    missing = await api.get(
        "/communities/0000000000000000/health", person=owner, roles=(), params=DAY
    )

    assert answers == {
        "owner": 200,
        "manager": 200,
        "analyst": 200,
        "member": 403,
        "stranger": 403,
    }
    assert missing.status_code == 404


async def test_nobody_reads_someone_else_s_contributions(api: MetricsApi, world: World) -> None:
    alice, bob = await world.people(2, "R&D")
    await world.post(alice, None, moment=at("2026-11-20"))
    await api.settled()

    as_bob = values(await api.dashboard("/me/contributions", person=bob, roles=(), **DAY))
    as_alice = values(await api.dashboard("/me/contributions", person=alice, roles=(), **DAY))
    as_admin = values(
        await api.dashboard("/me/contributions", person="root", roles=("platform-admin",), **DAY)
    )

    assert as_alice["posts"] == [1]
    assert as_bob["posts"] == [0]
    assert as_admin["posts"] == [0]


async def test_bad_queries_are_refused_as_problems(api: MetricsApi) -> None:
    backwards = await api.get(
        "/org/activity", roles=("analyst",), params={"from": "2026-11-20", "to": "2026-11-01"}
    )
    too_long = await api.get(
        "/org/activity", roles=("analyst",), params={"from": "2010-01-01", "to": "2026-11-01"}
    )
    mixed = await api.get(
        "/org/activity",
        roles=("analyst",),
        params={"group_by": "department", "department": "R&D"},
    )
    wrong = await api.get("/org/activity", roles=("analyst",), params={"granularity": "hour"})

    assert [response.status_code for response in (backwards, too_long)] == [400, 400]
    assert [response.status_code for response in (mixed, wrong)] == [422, 422]
    for response in (backwards, too_long, mixed, wrong):
        assert response.headers["content-type"].startswith("application/problem+json")
