"""CSV exports follow the same rules as the JSON dashboards; the pipeline's own metrics."""

import csv
import io

import pytest

from tests.metrics.harness import MetricsApi, World, values

pytestmark = pytest.mark.integration

DAY = {"from": "2026-11-20", "to": "2026-11-20", "granularity": "day"}


async def test_csv_shows_exactly_what_the_json_shows(api: MetricsApi, world: World) -> None:
    rnd = await world.people(6, "R&D")
    await world.people(5, "=HYPERLINK(1)")
    await world.people(6, "Sales")
    for person in rnd[:4]:
        await world.visit(person, "2026-11-20")
    await api.settled()

    body = await api.dashboard("/org/activity", group_by="department", **DAY)
    by_path = await api.get(
        "/org/activity.csv", roles=("analyst",), params={"group_by": "department", **DAY}
    )
    by_accept = await api.get(
        "/org/activity",
        roles=("analyst",),
        params={"group_by": "department", **DAY},
        headers={"Accept": "text/csv"},
    )

    assert by_path.status_code == 200
    assert by_path.headers["content-type"].startswith("text/csv")
    assert by_accept.text == by_path.text
    rows = list(csv.DictReader(io.StringIO(by_path.text)))
    assert [row["group"] for row in rows] == [
        "'=HYPERLINK(1)",
        "R&D",
        "Sales",
    ], "a cell that a spreadsheet would run as a formula is quoted"
    assert [group["group"] for group in body["groups"]] == ["=HYPERLINK(1)", "R&D", "Sales"]
    rnd_row = next(row for row in rows if row["group"] == "R&D")
    assert rnd_row["active"] == str(values(body, "R&D")["active"][0]) == "4"
    assert rnd_row["group_size"] == "6"


async def test_csv_is_refused_like_the_json(api: MetricsApi) -> None:
    refused = await api.get("/org/activity.csv", person="someone", roles=(), params=DAY)

    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")


async def test_suppressed_values_are_empty_cells(api: MetricsApi, world: World) -> None:
    await world.people(3, "Legal")
    await api.settled()

    response = await api.get(
        "/org/activity.csv", roles=("analyst",), params={"department": "Legal", **DAY}
    )

    row = next(csv.DictReader(io.StringIO(response.text)))
    assert row["active"] == ""
    assert row["suppressed"] == "fewer than 5 people in this group"


async def test_the_pipeline_exports_its_throughput_and_lag(api: MetricsApi, world: World) -> None:
    await world.people(5, "R&D")
    await api.settled()

    metrics = (await api.client.get("/metrics")).text

    assert 'agora_metrics_events_total{outcome="applied"' in metrics
    assert "agora_metrics_events_per_second " in metrics
    assert (
        f'agora_projection_lag_events{{partition="0",projection="{api.settings.projection_name}"'
        in metrics
    )
    assert "agora_metrics_flush_seconds_bucket" in metrics
