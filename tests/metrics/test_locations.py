"""Figures by location: the location people show to everyone on their cards (issue #7).

Rules (services/metrics/README.md): a location's figures are those of the people who show it
today (a new location, or hiding it, moves their whole share); the k rules of departments apply
(small locations merged into `other`, differences that would single someone out suppressed);
secret communities never count; locations are not crossed with communities.
"""

import pytest

from agora.profiles.domain import events as profile_events
from tests.metrics.harness import Document, MetricsApi, World, at, values

pytestmark = pytest.mark.integration

DAY = {"from": "2026-11-20", "to": "2026-11-20", "granularity": "day"}
WEEK = {"from": "2026-11-16", "to": "2026-11-22", "granularity": "week"}


def by_group(body: Document) -> dict[str, Document]:
    """The first period of every group of a grouped dashboard, by group name."""
    return {group["group"]: group["periods"][0] for group in body["groups"]}


async def test_a_location_has_the_figures_of_the_people_who_show_it(
    api: MetricsApi, world: World
) -> None:
    lyon = await world.people(6, "R&D", location="Lyon")
    paris = await world.people(5, "Sales", location="Paris")
    hidden = await world.people(5, "R&D")
    community = await world.community(lyon[0], members=[*lyon[1:], *paris])
    for person in [*lyon[:3], paris[0], hidden[0]]:
        await world.visit(person, "2026-11-20")
    post = await world.post(lyon[0], community, moment=at("2026-11-20"), kind="question")
    await world.comment(post, paris[1], moment=at("2026-11-20", 11))
    await world.react(post, lyon[4], moment=at("2026-11-20", 12))
    await api.settled()

    in_lyon = values(await api.dashboard("/org/activity", location="Lyon", **DAY))
    in_paris = values(await api.dashboard("/org/activity", location="Paris", **DAY))

    assert in_lyon["registered"] == [6]
    assert in_lyon["active"] == [4]
    assert in_lyon["visitors"] == [3]
    assert in_lyon["contributors"] == [2]
    assert in_lyon["questions"] == [1]
    assert in_lyon["reactions"] == [1]
    assert in_lyon["comments"] == [0]
    assert in_paris["registered"] == [5]
    assert in_paris["active"] == [2]
    assert in_paris["comments"] == [1]


async def test_adoption_and_engagement_are_grouped_by_location(
    api: MetricsApi, world: World
) -> None:
    lyon = await world.people(6, "R&D", location="Lyon", photo=True)
    await world.people(5, "R&D", location="Paris")
    await world.people(5, "R&D")
    for person in lyon[:2]:
        await world.visit(person, "2026-11-18")
    await api.settled()

    adoption = by_group(await api.dashboard("/org/adoption", group_by="location", **WEEK))
    engagement = by_group(await api.dashboard("/org/engagement", group_by="location", **WEEK))

    assert set(adoption) == {"Lyon", "Paris", "(no location)"}
    assert adoption["Lyon"]["values"]["registered"] == 6
    assert adoption["Lyon"]["values"]["activated"] == 2
    assert adoption["Lyon"]["values"]["activated_share"] == round(2 / 6, 4)
    assert adoption["Paris"]["values"]["activated"] == 0
    assert adoption["(no location)"]["group_size"] == 5
    assert engagement["Lyon"]["values"]["occasional"] == 2
    assert engagement["Lyon"]["values"]["inactive"] == 4
    assert engagement["Paris"]["values"]["inactive"] == 5


async def test_a_person_who_moves_takes_their_whole_share_with_them(
    api: MetricsApi, world: World
) -> None:
    lyon = await world.people(6, "R&D", location="Lyon")
    await world.people(6, "R&D", location="Paris")
    mover = lyon[0]
    await world.visit(mover, "2026-11-18")
    await world.post(mover, None, moment=at("2026-11-18"))
    await api.settled()
    before = values(await api.dashboard("/org/activity", location="Lyon", **WEEK))

    await world.card(mover, "R&D", location="Paris", moment=at("2026-11-25"))
    await api.settled()

    in_lyon = values(await api.dashboard("/org/activity", location="Lyon", **WEEK))
    in_paris = values(await api.dashboard("/org/activity", location="Paris", **WEEK))
    assert before["active"] == [1]
    assert before["posts"] == [1]
    assert in_lyon["registered"] == [5]
    assert in_lyon["active"] == [0]
    assert in_lyon["posts"] == [0]
    assert in_paris["registered"] == [7]
    assert in_paris["active"] == [1]
    assert in_paris["posts"] == [1]


async def test_a_person_who_hides_their_location_leaves_its_figures(
    api: MetricsApi, world: World
) -> None:
    lyon = await world.people(7, "R&D", location="Lyon")
    await world.people(6, "R&D")
    await world.visit(lyon[0], "2026-11-20")
    await api.settled()

    await world.card(lyon[0], "R&D", location=None, moment=at("2026-11-25"))
    await api.settled()

    in_lyon = values(await api.dashboard("/org/activity", location="Lyon", **DAY))
    grouped = by_group(await api.dashboard("/org/activity", group_by="location", **DAY))
    assert in_lyon["registered"] == [6]
    assert in_lyon["active"] == [0]
    assert grouped["(no location)"]["group_size"] == 7
    assert values(await api.dashboard("/org/activity", **DAY))["active"] == [1]


async def test_location_names_are_read_with_white_space_collapsed(
    api: MetricsApi, world: World
) -> None:
    await world.people(3, "R&D", location="Lyon  Part-Dieu")
    await world.people(3, "R&D", location=" Lyon Part-Dieu\t")
    await world.people(5, "R&D", location="Paris")
    await api.settled()

    grouped = by_group(await api.dashboard("/org/adoption", group_by="location", **DAY))

    assert grouped["Lyon Part-Dieu"]["group_size"] == 6


async def test_small_locations_are_merged_and_differences_suppressed(
    api: MetricsApi, world: World
) -> None:
    # Lyon 9, Paris 6, Nantes 3, Lille 2, nobody without a location: Nantes and Lille (5) make
    # `other`. Showing Lyon alone would leave 11 people, so Lyon's own figures are fine; but a
    # location whose complement is 2 people is not.
    lyon = await world.people(9, "R&D", location="Lyon")
    paris = await world.people(6, "R&D", location="Paris")
    nantes = await world.people(3, "R&D", location="Nantes")
    lille = await world.people(2, "R&D", location="Lille")
    for person in [lyon[0], paris[0], *nantes, lille[0]]:
        await world.visit(person, "2026-11-20")
    await api.settled()

    grouped = by_group(await api.dashboard("/org/activity", group_by="location", **DAY))
    small = await api.dashboard("/org/activity", location="Lille", **DAY)

    assert set(grouped) == {"Lyon", "Paris", "other"}
    assert grouped["other"]["group_size"] == 5
    assert grouped["other"]["values"]["active"] == 4
    assert grouped["Paris"]["values"]["active"] == 1
    assert small["groups"][0]["periods"][0]["values"]["active"] is None
    assert small["groups"][0]["periods"][0]["suppressed"] == "fewer than 5 people in this group"


async def test_a_location_whose_complement_is_tiny_is_not_shown(
    api: MetricsApi, world: World
) -> None:
    # Everyone but 2 people shows Lyon: Lyon's figures would reveal those 2 by difference,
    # alone and in the grouped view (where Lyon is then merged into `other`).
    lyon = await world.people(9, "R&D", location="Lyon")
    others = await world.people(2, "R&D")
    await world.visit(lyon[0], "2026-11-20")
    await world.visit(others[0], "2026-11-20")
    await api.settled()

    alone = await api.dashboard("/org/activity", location="Lyon", **DAY)
    grouped = by_group(await api.dashboard("/org/activity", group_by="location", **DAY))

    period = alone["groups"][0]["periods"][0]
    assert period["values"]["active"] is None
    assert period["suppressed"] == (
        "it would single out fewer than 5 people by difference with a larger group"
    )
    assert set(grouped) == {"other"}
    assert grouped["other"]["group_size"] == 11
    assert grouped["other"]["values"]["active"] == 2, "the people who hide it are in `other`"


async def test_secret_communities_and_erased_people_never_count_in_a_location(
    api: MetricsApi, world: World
) -> None:
    lyon = await world.people(7, "R&D", location="Lyon")
    await world.people(6, "R&D", location="Paris")
    secret = await world.community(lyon[0], visibility="secret", members=lyon[1:4])
    await world.post(lyon[1], secret, moment=at("2026-11-20"), visibility="secret")
    await world.post(lyon[2], None, moment=at("2026-11-20"))
    await world.visit(lyon[3], "2026-11-20")
    await api.settled()
    await world.erase(lyon[3], moment=at("2026-11-25"))
    await api.settled()

    in_lyon = values(await api.dashboard("/org/activity", location="Lyon", **DAY))

    assert in_lyon["registered"] == [6]
    assert in_lyon["posts"] == [1]
    assert in_lyon["contributors"] == [1]
    assert in_lyon["active"] == [1]


async def test_a_departed_person_leaves_the_location_s_registered_people(
    api: MetricsApi, world: World
) -> None:
    lyon = await world.people(7, "R&D", location="Lyon")
    await world.people(6, "R&D", location="Paris")
    await world.profile(
        lyon[0],
        profile_events.PersonDeactivated(left_on=at("2026-11-10").date()),
        moment=at("2026-11-10"),
    )
    await api.settled()

    in_lyon = values(await api.dashboard("/org/adoption", group_by="location", **DAY), "Lyon")

    assert in_lyon["registered"] == [6]
    assert in_lyon["departures"] == [0]


async def test_figures_by_location_export_as_csv(api: MetricsApi, world: World) -> None:
    await world.people(6, "R&D", location="Lyon")
    await world.people(5, "R&D", location="=cmd|' /C calc'!A0")
    await api.settled()

    response = await api.get(
        "/org/activity.csv", roles=("analyst",), params={"group_by": "location", **DAY}
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = response.text.splitlines()
    assert rows[0].startswith("group,period,start,end,group_size,suppressed,registered,")
    assert any(row.startswith("'=cmd|' /C calc'!A0,2026-11-20,") for row in rows), rows
    assert any(row.startswith("Lyon,2026-11-20,2026-11-20,2026-11-20,6,,6,") for row in rows)


async def test_a_location_is_not_combined_with_other_filters(api: MetricsApi, world: World) -> None:
    people = await world.people(5, "R&D", location="Lyon")
    community = await world.community(people[0], members=people[1:])
    await api.settled()

    answers = [
        await api.get("/org/activity", roles=("analyst",), params=params)
        for params in (
            {"location": "Lyon", "department": "R&D"},
            {"location": "Lyon", "community": community},
            {"location": "Lyon", "group_by": "department"},
        )
    ]
    analyst_only = await api.get("/org/activity", roles=(), params={"location": "Lyon"})

    assert [answer.status_code for answer in answers] == [422, 422, 422]
    for answer in answers:
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert analyst_only.status_code == 403
