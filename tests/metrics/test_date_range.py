"""Date ranges are checked at the edge: a day is `YYYY-MM-DD` from 2000-01-01, a range runs
forwards and holds at most `max_range_days` days; anything else is a 400 problem that says
why (never a 500, never figures for a nonsense range)."""

import pytest

from tests.metrics.harness import MetricsApi, World

pytestmark = pytest.mark.integration

PROBLEM_TYPE = "https://agora.example/problems/metrics/invalid-date-range"


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"to": "0"}, "`to` must be a day written YYYY-MM-DD, not '0'"),
        ({"from": "0"}, "`from` must be a day written YYYY-MM-DD, not '0'"),
        ({"to": "1700000000"}, "`to` must be a day written YYYY-MM-DD"),
        ({"to": "2026-11-20T10:00:00"}, "`to` must be a day written YYYY-MM-DD"),
        ({"to": "2026-W47"}, "`to` must be a day written YYYY-MM-DD"),
        ({"from": "2026-02-30"}, "`from` (2026-02-30) is not a day of the calendar"),
        ({"to": "0001-01-01"}, "`to` (0001-01-01) is before 2000-01-01"),
        ({"from": "1999-12-31", "to": "2000-01-02"}, "`from` (1999-12-31) is before 2000-01-01"),
        (
            {"from": "2026-11-20", "to": "2026-11-01"},
            "`from` (2026-11-20) is after `to` (2026-11-01, or today)",
        ),
        ({"from": "2027-01-01"}, "`from` (2027-01-01) is after `to` (2026-11-30, or today)"),
        ({"from": "2010-01-01", "to": "2026-11-01"}, "a range holds at most 1830 days"),
        ({"to": "x" * 5000}, "`to` must be a day written YYYY-MM-DD, not 'xxxxxxxx"),
    ],
)
async def test_a_bad_date_range_is_a_400_problem_saying_why(
    api: MetricsApi, params: dict[str, str], detail: str
) -> None:
    response = await api.get("/org/activity", roles=("analyst",), params=params)

    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == PROBLEM_TYPE
    assert problem["detail"].startswith(detail)
    assert len(problem["detail"]) < 200


async def test_every_dashboard_checks_its_range(api: MetricsApi, world: World) -> None:
    owner = (await world.people(1, "R&D"))[0]
    community = await world.community(owner)
    await api.settled()

    answers = [
        (await api.get(path, person=owner, roles=("analyst",), params={"to": "0"})).status_code
        for path in (
            "/org/activity",
            "/org/adoption",
            "/org/engagement",
            "/org/recognition",
            f"/communities/{community}/health",
            "/me/contributions",
            "/org/activity.csv",
        )
    ]

    assert answers == [400] * 7


async def test_a_good_range_is_answered(api: MetricsApi) -> None:
    earliest = await api.dashboard("/org/activity", to="2000-01-01", granularity="month")
    default = await api.dashboard("/org/activity")
    later_days_cut = await api.dashboard(
        "/org/activity", **{"from": "2026-11-01", "to": "2099-12-31"}
    )

    assert earliest["from"] == "2000-01-01"
    assert earliest["to"] == "2000-01-01"
    assert (default["from"], default["to"]) == ("2026-09-08", "2026-11-30")
    assert later_days_cut["to"] == "2026-11-30"
