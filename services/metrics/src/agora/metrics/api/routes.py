"""The dashboards' routes: JSON by default, CSV with ``Accept: text/csv`` or a ``.csv`` path.

Every route checks who is asking before reading anything (``access.py``); the trust rules are
applied by the reports themselves, so the CSV export shows exactly what the JSON shows.
"""

import csv
import io
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import WithJsonSchema

from agora.metrics.api import examples
from agora.metrics.api.access import community_for_health, known_community, require_analyst
from agora.metrics.api.errors import InvalidDateRangeError, InvalidQueryError
from agora.metrics.api.openapi import CSV_MEDIA_TYPE, dashboard_responses
from agora.metrics.api.schemas import Dashboard
from agora.metrics.readside.reports import Query as RangeQuery
from agora.metrics.readside.reports import Report, Reports
from agora.metrics.readside.store import ReadStore
from agora.metrics.settings import MetricsSettings
from agora.servicekit.identity import CurrentIdentity, Identity

router = APIRouter(tags=["metrics"])

ID_PATTERN = r"^[A-Za-z0-9_-]{1,120}$"
DEPARTMENT_MAX = 200
LOCATION_MAX = 200
DEFAULT_RANGE_DAYS = 84
EARLIEST_DAY = date(2000, 1, 1)
"""No figure can be older: earlier days are typing mistakes (``to=0``), not questions."""
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
DayText = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
"""A day as the client wrote it: read by ``_day``, so that a bad one is a 400 that says why."""
SHOWN_VALUE_MAX = 40
"""How much of a refused value a problem repeats."""

Granularity = Literal["day", "week", "month"]


async def _reports(request: Request) -> Reports:
    built: Reports = request.app.state.reports
    return built


async def _store(request: Request) -> ReadStore:
    store: ReadStore = request.app.state.store
    return store


async def _settings(request: Request) -> MetricsSettings:
    settings: MetricsSettings = request.app.state.settings
    return settings


async def _range(
    request: Request,
    first_text: Annotated[
        DayText | None,
        Query(
            alias="from",
            description="First day (UTC) of the range, `YYYY-MM-DD`, not before "
            f"{EARLIEST_DAY}; 12 weeks before `to` by default.",
            openapi_examples={"autumn": {"value": "2026-09-01"}},
        ),
    ] = None,
    last_text: Annotated[
        DayText | None,
        Query(
            alias="to",
            description="Last day (UTC) of the range, `YYYY-MM-DD`, today by default; later "
            "days are cut.",
            openapi_examples={"today": {"value": "2026-11-23"}},
        ),
    ] = None,
    granularity: Annotated[
        Granularity,
        Query(description="One point per day, ISO week (Monday to Sunday) or calendar month."),
    ] = "week",
) -> RangeQuery:
    settings: MetricsSettings = request.app.state.settings
    today: date = request.app.state.clock().date()
    first = _day(first_text, "from")
    last = min(_day(last_text, "to") or today, today)
    first = first or max(last - timedelta(days=DEFAULT_RANGE_DAYS - 1), EARLIEST_DAY)
    if first > last:
        raise InvalidDateRangeError(f"`from` ({first}) is after `to` ({last}, or today)")
    if (last - first).days + 1 > settings.max_range_days:
        raise InvalidDateRangeError(
            f"a range holds at most {settings.max_range_days} days; this one holds "
            f"{(last - first).days + 1}"
        )
    return RangeQuery(first=first, last=last, granularity=granularity)


def _day(text: str | None, name: str) -> date | None:
    """A day given as ``YYYY-MM-DD`` (and nothing else: no timestamps, no week dates)."""
    if text is None:
        return None
    shown = text if len(text) <= SHOWN_VALUE_MAX else f"{text[:SHOWN_VALUE_MAX]}..."
    if not ISO_DAY.fullmatch(text):
        raise InvalidDateRangeError(f"`{name}` must be a day written YYYY-MM-DD, not {shown!r}")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidDateRangeError(f"`{name}` ({shown}) is not a day of the calendar") from None
    if day < EARLIEST_DAY:
        raise InvalidDateRangeError(f"`{name}` ({day}) is before {EARLIEST_DAY}")
    return day


Range = Annotated[RangeQuery, Depends(_range)]
ReportsDep = Annotated[Reports, Depends(_reports)]
StoreDep = Annotated[ReadStore, Depends(_store)]
SettingsDep = Annotated[MetricsSettings, Depends(_settings)]
DepartmentFilter = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=DEPARTMENT_MAX,
        description="Only this department (as on people's public cards).",
        openapi_examples={"rnd": {"value": "R&D"}},
    ),
]
LocationFilter = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=LOCATION_MAX,
        description="Only the people who show this location to everyone on their public cards "
        "(not combined with a department or a community).",
        openapi_examples={"lyon": {"value": "Lyon"}},
    ),
]
CommunityFilter = Annotated[
    str | None,
    Query(
        pattern=ID_PATTERN,
        description="Only activity inside this community (not a secret one).",
        openapi_examples={"community": {"value": examples.COMMUNITY_ID}},
    ),
]
CommunityPath = Annotated[
    str,
    Path(
        pattern=ID_PATTERN,
        description="The community's id.",
        openapi_examples={"community": {"value": examples.COMMUNITY_ID}},
    ),
]


def wants_csv(request: Request) -> bool:
    """Whether the caller asked for CSV (a ``.csv`` path, or ``Accept: text/csv``)."""
    if request.url.path.endswith(".csv"):
        return True
    accept = request.headers.get("accept", "")
    return CSV_MEDIA_TYPE in accept and "application/json" not in accept


def _answer(request: Request, query: RangeQuery, report: Report, k: int) -> Response:
    # Built as plain JSON (the schema is documented by ``Dashboard``): validating a year of
    # daily periods through pydantic models again would cost more than computing them.
    body = dashboard_body(query, report, k)
    if wants_csv(request):
        return Response(content=to_csv(body), media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8")
    return JSONResponse(body)


def dashboard_body(query: RangeQuery, report: Report, k: int) -> dict[str, Any]:
    """The response body of a report, shaped as ``Dashboard``."""
    indicators = list(report.indicators)
    return {
        "indicators": indicators,
        "from": query.first.isoformat(),
        "to": query.last.isoformat(),
        "granularity": query.granularity,
        "k": k,
        "groups": [
            {
                "group": group.name,
                "periods": [
                    {
                        "period": period.key,
                        "start": period.start.isoformat(),
                        "end": period.end.isoformat(),
                        "group_size": group.sizes[index],
                        "suppressed": group.suppressed[index] if group.suppressed else None,
                        "values": {name: group.values[name][index] for name in indicators},
                    }
                    for index, period in enumerate(report.periods)
                ],
            }
            for group in report.groups
        ],
        "current": report.current,
        "tables": report.tables,
    }


def to_csv(body: dict[str, Any]) -> str:
    """One row per group and period; suppressed values are empty cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    indicators = body["indicators"]
    writer.writerow(["group", "period", "start", "end", "group_size", "suppressed", *indicators])
    for group in body["groups"]:
        for period in group["periods"]:
            writer.writerow(
                [
                    _cell(group["group"]),
                    period["period"],
                    period["start"],
                    period["end"],
                    "" if period["group_size"] is None else period["group_size"],
                    period["suppressed"] or "",
                    *(
                        "" if period["values"][n] is None else period["values"][n]
                        for n in indicators
                    ),
                ]
            )
    return buffer.getvalue()


def _cell(text: str) -> str:
    # A cell starting with = + - @ would be a formula in a spreadsheet (CSV injection).
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _both(
    path: str, *, summary: str, description: str, refusals: tuple[str, ...]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Serve a dashboard at ``path`` (JSON, or CSV when asked) and at ``path.csv`` (CSV)."""

    def register(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        router.add_api_route(
            path,
            endpoint,
            methods=["GET"],
            response_model=Dashboard,
            response_model_by_alias=True,
            operation_id=endpoint.__name__,
            summary=summary,
            description=description,
            responses=dashboard_responses(refusals, csv_only=False),
        )
        router.add_api_route(
            f"{path}.csv",
            endpoint,
            methods=["GET"],
            response_class=Response,
            summary=f"{summary} (CSV)",
            description=f"{description}\n\nThe same figures as CSV: one row per group and "
            "period, suppressed values left empty.",
            operation_id=f"{endpoint.__name__}_csv",
            responses=dashboard_responses(refusals, csv_only=True),
        )
        return endpoint

    return register


def _filters(
    group_by: str | None, department: str | None, location: str | None, community: str | None
) -> None:
    filters = [department, location, community]
    if group_by is not None and any(value is not None for value in filters):
        raise InvalidQueryError(
            "group_by cannot be combined with a department, location or community filter"
        )
    if location is not None and (department is not None or community is not None):
        raise InvalidQueryError(
            "a location cannot be combined with a department or community filter"
        )


GroupByActivity = Annotated[
    Literal["department", "location", "community"] | None,
    Query(
        description="One series per department or per location (small ones merged into "
        "`other`), or per community with enough members."
    ),
]
GroupByPeople = Annotated[
    Literal["department", "location"] | None,
    Query(
        description="One series per department or per location shown on the cards (small ones "
        "merged into `other`)."
    ),
]


def _check(identity: Identity, settings: MetricsSettings) -> None:
    require_analyst(identity, settings.analyst_roles)


@_both(
    "/org/activity",
    summary="Organisation activity: active people, contributors, readers, content",
    description="Daily/weekly/monthly active people (the gateway's once-a-day signal), "
    "contributors and readers-only, regular contributors, and posts, questions, praise, polls, "
    "shares, comments, answers, accepted answers, reactions and votes per period. Filter by "
    "department, community, or both, or by location; or group by department, location or "
    "community. Analysts only; groups under k people are merged or suppressed (see "
    "`suppressed`).",
    refusals=("forbidden", "community-not-found", "invalid-query", "invalid-date-range"),
)
async def org_activity(
    *,
    request: Request,
    identity: CurrentIdentity,
    query: Range,
    dashboards: ReportsDep,
    store: StoreDep,
    settings: SettingsDep,
    department: DepartmentFilter = None,
    location: LocationFilter = None,
    community: CommunityFilter = None,
    group_by: GroupByActivity = None,
) -> Any:
    """Activity indicators of the organisation."""
    _check(identity, settings)
    _filters(group_by, department, location, community)
    if community is not None:
        await known_community(store, community)
    report = await dashboards.activity(
        query, department=department, location=location, community=community, group_by=group_by
    )
    return _answer(request, query, report, settings.k_anonymity)


@_both(
    "/org/adoption",
    summary="Organisation adoption: registered, activated, complete profiles, communities",
    description="Registered people (provisioned, not departed), new registrations and "
    "departures, activated people (registered people who did anything at least once and have "
    "not left), complete public profiles (now), and communities by kind and visibility (secret "
    "ones are never counted here); or group by department or location. Analysts only.",
    refusals=("forbidden", "invalid-query", "invalid-date-range"),
)
async def org_adoption(
    *,
    request: Request,
    identity: CurrentIdentity,
    query: Range,
    dashboards: ReportsDep,
    settings: SettingsDep,
    group_by: GroupByPeople = None,
) -> Any:
    """Adoption indicators of the organisation."""
    _check(identity, settings)
    report = await dashboards.adoption(query, group_by=group_by)
    report.current.setdefault("complete_profile_min_items", settings.complete_profile_min_items)
    return _answer(request, query, report, settings.k_anonymity)


@_both(
    "/org/engagement",
    summary="Engagement profiles over time (the Lecko grid)",
    description="How many people were initiated, assiduous, loyal, compulsive, occasional or "
    "inactive, week by week (for a day or month, the ISO week holding its last day), and the "
    "regular contributors; or group by department or location. The rules are in the service's "
    "README. Analysts only.",
    refusals=("forbidden", "invalid-query", "invalid-date-range"),
)
async def org_engagement(
    *,
    request: Request,
    identity: CurrentIdentity,
    query: Range,
    dashboards: ReportsDep,
    settings: SettingsDep,
    group_by: GroupByPeople = None,
) -> Any:
    """Engagement profile distribution."""
    _check(identity, settings)
    report = await dashboards.engagement(query, group_by=group_by)
    return _answer(request, query, report, settings.k_anonymity)


@_both(
    "/org/recognition",
    summary="Recognition and knowledge flow",
    description="Praise given and received, answers and accepted answers, answers crossing a "
    "department boundary, and tables of tags (posts, questions, reactions, accepted answers) "
    "and praised skills, each shown only when at least k people are involved. Analysts only.",
    refusals=("forbidden", "invalid-query", "invalid-date-range"),
)
async def org_recognition(
    *,
    request: Request,
    identity: CurrentIdentity,
    query: Range,
    dashboards: ReportsDep,
    settings: SettingsDep,
) -> Any:
    """Recognition and knowledge-flow indicators."""
    _check(identity, settings)
    report = await dashboards.recognition(query)
    return _answer(request, query, report, settings.k_anonymity)


@_both(
    "/communities/{community_id}/health",
    summary="A community's health",
    description="Members and growth, active members and their share, posts and comments, "
    "questions asked and the share answered, median time to the first and to the accepted "
    "answer, reactions per post, join requests and their wait, pending requests now. For the "
    "community's owners and managers, and analysts unless the community is secret; figures "
    "about people are blanked while the community has fewer than k members.",
    refusals=(
        "not-a-community-manager",
        "community-not-found",
        "invalid-query",
        "invalid-date-range",
    ),
)
async def community_health(
    *,
    request: Request,
    community_id: CommunityPath,
    identity: CurrentIdentity,
    query: Range,
    dashboards: ReportsDep,
    store: StoreDep,
    settings: SettingsDep,
) -> Any:
    """One community's health."""
    community = await community_for_health(store, community_id, identity, settings.analyst_roles)
    today = request.app.state.clock().date()
    report = await dashboards.health(query, community_id, community, today=today)
    return _answer(request, query, report, settings.k_anonymity)


@_both(
    "/me/contributions",
    summary="My contributions",
    description="The caller's own activity: active days, posts, questions, praise, polls, "
    "shares, comments, answers, accepted answers, reactions and votes; reactions, praise and "
    "answers received; people helped; their engagement profile week by week. Nobody else can "
    "read these figures.",
    refusals=("invalid-query", "invalid-date-range"),
)
async def my_contributions(
    *,
    request: Request,
    identity: CurrentIdentity,
    query: Range,
    dashboards: ReportsDep,
    settings: SettingsDep,
) -> Any:
    """The caller's personal view."""
    report = await dashboards.contributions(query, identity.person_id)
    return _answer(request, query, report, settings.k_anonymity)
