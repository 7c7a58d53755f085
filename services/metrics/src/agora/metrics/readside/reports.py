"""The dashboards: indicator series per group, with the trust rules applied.

Each function answers one endpoint; none checks who is asking (``api/access.py`` does that
first). Secret communities never appear in organisation, department, location or tag figures:
the projection never counts their activity there, and they are not listed among communities.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from agora.metrics.calendar import (
    Granularity,
    Period,
    days_between,
    month_key,
    months_between,
    parse_day,
    periods,
    week_key,
    week_sunday,
)
from agora.metrics.engine.activity import CONTRIBUTED, active_days
from agora.metrics.engine.keys import (
    ORG,
    TAGS,
    community_entity,
    community_scope,
    dc_scope,
    dept_scope,
    location_scope,
    month_doc,
    now_doc,
    person_entity,
    person_scope,
    unescape,
)
from agora.metrics.readside.series import Series, median, months_for, ratio
from agora.metrics.readside.store import Document, ReadStore
from agora.metrics.readside.trust import (
    GroupFigures,
    ShownGroup,
    Value,
    communities_view,
    nested_allowed,
    partition_view,
    small_group_reason,
    suppress,
    unassigned_group,
)
from agora.metrics.rules import ALL_PROFILES, PROFILE_OF_CODE, PROFILES

CONTENT_COUNTERS = (
    "posts",
    "questions",
    "praise",
    "polls",
    "shares",
    "comments",
    "answers",
    "accepted",
    "reactions",
    "votes",
)
ACTIVITY_INDICATORS = (
    "registered",
    "active",
    "visitors",
    "contributors",
    "readers_only",
    "regular_contributors",
    "active_share",
    *CONTENT_COUNTERS,
)
COMMUNITY_ACTIVITY_INDICATORS = ("members", "contributors", "active_share", *CONTENT_COUNTERS)
"""Inside a community only contributions are seen: visits are not tied to a community."""
ADOPTION_INDICATORS = (
    "registered",
    "new_registrations",
    "departures",
    "activated",
    "newly_activated",
    "activated_share",
)
COMMUNITY_LEVELS = (
    "communities",
    "communities_interest",
    "communities_project",
    "communities_practice",
    "communities_open",
    "communities_closed",
    "archived",
)
ENGAGEMENT_INDICATORS = ("registered", *ALL_PROFILES, "regular_contributors")
RECOGNITION_INDICATORS = (
    "praise",
    "praised",
    "answers",
    "accepted",
    "cross_department_answers",
    "cross_department_share",
)
HEALTH_INDICATORS = (
    "members",
    "joins",
    "leaves",
    "active_members",
    "active_share",
    "posts",
    "comments",
    "questions",
    "answered_questions",
    "answered_share",
    "median_first_answer_seconds",
    "median_accepted_answer_seconds",
    "reactions",
    "reactions_per_post",
    "join_requests",
    "median_request_wait_seconds",
)
PERSONAL_INDICATORS = (
    "active_days",
    *CONTENT_COUNTERS,
    "reactions_received",
    "praise_received",
    "answers_received",
)
SHARES = {
    "active_share": ("active", "registered"),
    "activated_share": ("activated", "registered"),
}
"""The ratios among the indicators of groups of people (merged groups compute them again)."""
HEALTH_PERSON_FIGURES = ("active_members", "active_share")
"""Figures about people: blanked in a period when the community has fewer than k members."""


@dataclass(frozen=True)
class Partition:
    """A way of dividing people into groups: by department, or by the location they show."""

    name: str
    index: str
    """The set of the group names ever seen, in the organisation's current counts."""
    scope: Callable[[str], str]
    unassigned: str
    """The people who belong to no group of this partition."""


DEPARTMENTS = Partition(
    name="department", index="departments", scope=dept_scope, unassigned="(no department)"
)
LOCATIONS = Partition(
    name="location", index="locations", scope=location_scope, unassigned="(no location)"
)
PARTITIONS = {partition.name: partition for partition in (DEPARTMENTS, LOCATIONS)}


@dataclass(frozen=True)
class Query:
    """A date range and its granularity (already validated)."""

    first: date
    last: date
    granularity: Granularity

    @property
    def periods(self) -> list[Period]:
        """The periods of the range."""
        return periods(self.first, self.last, self.granularity)

    @property
    def months(self) -> list[str]:
        """The month buckets the range needs."""
        return months_for(self.first, self.last)


@dataclass
class Report:
    """Series of indicators by group, and figures that are not series."""

    indicators: tuple[str, ...]
    periods: list[Period]
    groups: list[ShownGroup]
    current: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class Reports:
    """Builds every dashboard from the active read model."""

    def __init__(self, *, store: ReadStore, k: int) -> None:
        self._store = store
        self.k = k

    # --- organisation: activity ---------------------------------------------------------------

    async def activity(
        self,
        query: Query,
        *,
        department: str | None = None,
        location: str | None = None,
        community: str | None = None,
        group_by: str | None = None,
    ) -> Report:
        """Active people, contributors, readers and content counters (a location is never
        combined with a department or a community: there are no such cells)."""
        if group_by in PARTITIONS:
            return await self._by_partition(
                query, PARTITIONS[group_by], ACTIVITY_INDICATORS, self._activity_group
            )
        if group_by == "community":
            return await self._by_community(query, COMMUNITY_ACTIVITY_INDICATORS)
        if community is not None:
            return await self._community_filter(query, community, department)
        if department is not None:
            return await self._one_group(query, dept_scope(department), department)
        if location is not None:
            return await self._one_group(query, location_scope(location), location)
        group = await self._activity_group(query, ORG, "organisation")
        return Report(ACTIVITY_INDICATORS, query.periods, [self._whole(group)])

    async def _one_group(self, query: Query, scope: str, name: str) -> Report:
        """One department's or location's activity, unless it is small or the rest of the
        organisation is."""
        group = await self._activity_group(query, scope, name)
        organisation = await self._population(query, ORG)
        reasons = [
            nested_allowed(size, [outer], self.k)
            for size, outer in zip(group.sizes, organisation, strict=True)
        ]
        return Report(ACTIVITY_INDICATORS, query.periods, [suppress(group, reasons)])

    async def _activity_group(self, query: Query, scope: str, name: str) -> GroupFigures:
        series = Series(
            await self._store.scope(scope, query.months), query.periods, query.granularity
        )
        registered = series.level("registered", minus="departed")
        active = series.distinct("active")
        contributors = series.distinct("contributors")
        values: dict[str, list[Value]] = {
            "registered": list(registered),
            "active": list(active),
            "visitors": list(series.distinct("visitors")),
            "contributors": list(contributors),
            "readers_only": [a - c for a, c in zip(active, contributors, strict=True)],
            "regular_contributors": list(series.weekly_at_end("regular")),
            "active_share": [ratio(a, r) for a, r in zip(active, registered, strict=True)],
        }
        for counter in CONTENT_COUNTERS:
            values[counter] = list(series.total(counter))
        return GroupFigures(name=name, sizes=registered, values=values)

    async def _community_filter(
        self, query: Query, community: str, department: str | None
    ) -> Report:
        community_docs = await self._store.scope(community_scope(community), query.months)
        members = Series(community_docs, query.periods, query.granularity).level("members")
        if department is None:
            group = self._community_activity(community_docs, query, community, members)
            reasons = [None if size >= self.k else small_group_reason(self.k) for size in members]
            return Report(COMMUNITY_ACTIVITY_INDICATORS, query.periods, [suppress(group, reasons)])
        cell_docs = await self._store.scope(dc_scope(department, community), query.months)
        cell_members = Series(cell_docs, query.periods, query.granularity).level("members")
        group = self._community_activity(
            cell_docs, query, f"{department} in {community}", cell_members
        )
        department_sizes = await self._population(query, dept_scope(department))
        reasons = [
            nested_allowed(size, [outer_department, outer_community], self.k)
            for size, outer_department, outer_community in zip(
                cell_members, department_sizes, members, strict=True
            )
        ]
        return Report(COMMUNITY_ACTIVITY_INDICATORS, query.periods, [suppress(group, reasons)])

    def _community_activity(
        self, docs: Any, query: Query, name: str, members: list[int]
    ) -> GroupFigures:
        series = Series(docs, query.periods, query.granularity)
        contributors = series.distinct("contributors")
        values: dict[str, list[Value]] = {
            "members": list(members),
            "contributors": list(contributors),
            "active_share": [ratio(c, m) for c, m in zip(contributors, members, strict=True)],
        }
        for counter in CONTENT_COUNTERS:
            values[counter] = list(series.total(counter))
        return GroupFigures(name=name, sizes=members, values=values)

    # --- organisation: adoption ---------------------------------------------------------------

    async def adoption(self, query: Query, *, group_by: str | None = None) -> Report:
        """Registered and activated people, complete profiles, communities."""
        if group_by in PARTITIONS:
            return await self._by_partition(
                query, PARTITIONS[group_by], ADOPTION_INDICATORS, self._adoption_group
            )
        docs = await self._store.scope(ORG, query.months)
        group = await self._adoption_group(query, ORG, "organisation", docs=docs)
        series = Series(docs, query.periods, query.granularity)
        for counter in COMMUNITY_LEVELS:
            group.values[counter] = list(series.level(counter))
        group.values["new_communities"] = list(series.level_change("communities"))
        indicators = (*ADOPTION_INDICATORS, *COMMUNITY_LEVELS, "new_communities")
        shown = self._whole(group)
        registered_now = series.levels.at("registered", date.max) - series.levels.at(
            "departed", date.max
        )
        complete = int(docs.now.get("complete", 0))
        current = {
            "registered": registered_now if registered_now >= self.k else None,
            "complete_profiles": complete if registered_now >= self.k else None,
            "complete_profiles_share": ratio(complete, registered_now)
            if registered_now >= self.k
            else None,
        }
        return Report(indicators, query.periods, [shown], current=current)

    async def _adoption_group(
        self, query: Query, scope: str, name: str, docs: Any = None
    ) -> GroupFigures:
        docs = docs or await self._store.scope(scope, query.months)
        series = Series(docs, query.periods, query.granularity)
        registered = series.level("registered", minus="departed")
        activated = series.level("activated", minus="activated_departed")
        values: dict[str, list[Value]] = {
            "registered": list(registered),
            "new_registrations": list(series.level_change("registered")),
            "departures": list(series.level_change("departed")),
            "activated": list(activated),
            "newly_activated": list(series.level_change("activated")),
            "activated_share": [ratio(a, r) for a, r in zip(activated, registered, strict=True)],
        }
        return GroupFigures(name=name, sizes=registered, values=values)

    # --- organisation: engagement profiles ----------------------------------------------------

    async def engagement(self, query: Query, *, group_by: str | None = None) -> Report:
        """How many people had each engagement profile, week by week."""
        if group_by in PARTITIONS:
            return await self._by_partition(
                query, PARTITIONS[group_by], ENGAGEMENT_INDICATORS, self._engagement_group
            )
        group = await self._engagement_group(query, ORG, "organisation")
        return Report(ENGAGEMENT_INDICATORS, query.periods, [self._whole(group)])

    async def _engagement_group(self, query: Query, scope: str, name: str) -> GroupFigures:
        series = Series(
            await self._store.scope(scope, query.months), query.periods, query.granularity
        )
        sundays = [week_sunday(week_key(period.end)) for period in query.periods]
        population = [
            series.levels.at("registered", sunday) - series.levels.at("departed", sunday)
            for sunday in sundays
        ]
        values: dict[str, list[Value]] = {"registered": list(population)}
        classified = [0] * len(sundays)
        for profile in PROFILES:
            counts = series.weekly_at_end(f"p_{profile}")
            values[profile] = list(counts)
            classified = [a + b for a, b in zip(classified, counts, strict=True)]
        values["inactive"] = [max(p - c, 0) for p, c in zip(population, classified, strict=True)]
        values["regular_contributors"] = list(series.weekly_at_end("regular"))
        return GroupFigures(name=name, sizes=population, values=values)

    # --- organisation: recognition and knowledge flow ----------------------------------------

    async def recognition(self, query: Query) -> Report:
        """Praise, answers and accepted answers, across departments, by tag and by skill."""
        docs = await self._store.scope(ORG, query.months)
        series = Series(docs, query.periods, query.granularity)
        registered = series.level("registered", minus="departed")
        answers = series.total("answers")
        crossing = series.total("cross_department_answers")
        group = GroupFigures(
            name="organisation",
            sizes=registered,
            values={
                "praise": list(series.total("praise")),
                "praised": list(series.total("praised")),
                "answers": list(answers),
                "accepted": list(series.total("accepted")),
                "cross_department_answers": list(crossing),
                "cross_department_share": [
                    ratio(c, a) for c, a in zip(crossing, answers, strict=True)
                ],
            },
        )
        tags, skills = await self._tag_tables(query)
        return Report(
            RECOGNITION_INDICATORS,
            query.periods,
            [self._whole(group)],
            tables={"tags": tags, "skills": skills},
        )

    async def _tag_tables(self, query: Query) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        months = months_between(query.first, query.last)
        docs = await self._store.buckets(month_doc(TAGS, month) for month in months)
        tables: list[list[dict[str, Any]]] = []
        for kind, counters in (
            ("t", ("posts", "questions", "reactions", "accepted")),
            ("s", ("given", "received")),
        ):
            rows: dict[str, dict[str, Any]] = {}
            for doc in docs.values():
                for escaped, figures in doc.get(kind, {}).items():
                    row = rows.setdefault(
                        unescape(escaped), {"people": 0, **dict.fromkeys(counters, 0)}
                    )
                    row["people"] = max(row["people"], int(figures.get("people", 0)))
                    for counter in counters:
                        row[counter] += int(figures.get(counter, 0))
            shown = [
                {"name": name, **{c: row[c] for c in counters}}
                for name, row in rows.items()
                if row["people"] >= self.k
            ]
            shown.sort(key=lambda row: (-sum(row[c] for c in counters), row["name"]))
            tables.append(shown)
        return tables[0], tables[1]

    # --- communities --------------------------------------------------------------------------

    async def health(
        self, query: Query, community_id: str, community: Document, *, today: date
    ) -> Report:
        """A community's health for its managers (and analysts, unless it is secret)."""
        docs = await self._store.scope(community_scope(community_id), query.months)
        series = Series(docs, query.periods, query.granularity)
        members = series.level("members")
        contributors = series.distinct("contributors")
        posts = [
            sum(values)
            for values in zip(
                *(series.total(c) for c in ("posts", "questions", "praise", "polls", "shares")),
                strict=True,
            )
        ]
        questions = series.total("questions")
        answered = series.total("answered")
        reactions = series.total("reactions")
        values: dict[str, list[Value]] = {
            "members": list(members),
            "joins": list(series.total("joins")),
            "leaves": list(series.total("leaves")),
            "active_members": list(contributors),
            "active_share": [ratio(c, m) for c, m in zip(contributors, members, strict=True)],
            "posts": list(posts),
            "comments": list(series.total("comments")),
            "questions": list(questions),
            "answered_questions": list(answered),
            "answered_share": [ratio(a, q) for a, q in zip(answered, questions, strict=True)],
            "median_first_answer_seconds": [
                median(d) for d in series.durations("first_answer_seconds")
            ],
            "median_accepted_answer_seconds": [
                median(d) for d in series.durations("accepted_seconds")
            ],
            "reactions": list(reactions),
            "reactions_per_post": [ratio(r, p) for r, p in zip(reactions, posts, strict=True)],
            "join_requests": list(series.total("requests")),
            "median_request_wait_seconds": [median(d) for d in series.durations("request_waits")],
        }
        shown = ShownGroup(
            name=community_id,
            sizes=list(members),
            values=values,
            suppressed=[None] * len(members),
        )
        for index, size in enumerate(members):
            if size < self.k:
                shown.suppressed[index] = small_group_reason(self.k) + " (figures about people)"
                for name in HEALTH_PERSON_FIGURES:
                    shown.values[name][index] = None
        pending = community.get("pending", [])
        waits = [(today - parse_day(str(request["at"])[:10])).days for request in pending]
        current = {
            "members": len(community.get("members", [])),
            "managers": len(community.get("managers", [])),
            "pending_join_requests": len(pending),
            "oldest_pending_request_days": max(waits) if waits else None,
            "kind": community.get("kind"),
            "visibility": community.get("visibility"),
            "archived": community.get("archived", False),
        }
        return Report(HEALTH_INDICATORS, query.periods, [shown], current=current)

    # --- the personal view --------------------------------------------------------------------

    async def contributions(self, query: Query, person_id: str) -> Report:
        """The caller's own figures (never anyone else's)."""
        person = await self._store.entity(person_entity(person_id)) or {}
        erased = bool(person.get("erased"))
        docs = await self._store.scope(person_scope(person_id), query.months)
        values: dict[str, list[Value]] = {}
        query_periods = query.periods
        own_days = _own_active_days(person)
        values["active_days"] = [
            sum(1 for day in days_between(p.start, p.end) if day in own_days) for p in query_periods
        ]
        for counter in CONTENT_COUNTERS:
            values[counter] = [
                _own_total(docs.months, "p", counter, p, places=True) for p in query_periods
            ]
        for counter in ("reactions_received", "praise_received", "answers_received"):
            values[counter] = [_own_total(docs.months, "r", counter, p) for p in query_periods]
        shown = ShownGroup(
            name=person_id,
            sizes=[None] * len(query_periods),
            values=values,
            suppressed=[None] * len(query_periods),
        )
        weeks = sorted(person.get("cls", {}).items())
        in_range = [
            {
                "week": week,
                "profile": PROFILE_OF_CODE[code[0]],
                "regular": code.endswith("r"),
            }
            for week, code in weeks
            if week_key(query.first) <= week <= week_key(query.last)
        ]
        current_week = week_key(query.last)
        latest = person.get("cls", {}).get(current_week, "")
        current = {
            "erased": erased,
            "profile": PROFILE_OF_CODE[latest[0]] if latest else "inactive",
            "regular_contributor": latest.endswith("r"),
            "week": current_week,
            "people_helped": len(_helped_ids(docs.months, query.first, query.last)),
            "communities_contributed_to": sum(
                1 for days in person.get("cact", {}).values() if _any_in(days, query)
            ),
        }
        return Report(
            PERSONAL_INDICATORS,
            query_periods,
            [shown],
            current=current,
            tables={"profiles": in_range},
        )

    # --- groups -------------------------------------------------------------------------------

    def _whole(self, group: GroupFigures) -> ShownGroup:
        reasons = [None if size >= self.k else small_group_reason(self.k) for size in group.sizes]
        return suppress(group, reasons)

    async def _population(self, query: Query, scope: str) -> list[int]:
        docs = await self._store.scope(scope, [])
        return Series(docs, query.periods, query.granularity).level("registered", minus="departed")

    async def _by_partition(
        self,
        query: Query,
        partition: Partition,
        indicators: Sequence[str],
        build: Callable[[Query, str, str], Awaitable[GroupFigures]],
    ) -> Report:
        index = await self._store.buckets([now_doc(ORG)])
        names = sorted(index.get(now_doc(ORG), {}).get(partition.index, []))
        groups = [await build(query, partition.scope(name), name) for name in names]
        organisation = await build(query, ORG, "organisation")
        groups.append(unassigned_group(organisation, groups, partition.unassigned, SHARES))
        shown = partition_view(groups, organisation.sizes, self.k, ratios=SHARES)
        return Report(tuple(indicators), query.periods, shown)

    async def _by_community(self, query: Query, indicators: Sequence[str]) -> Report:
        index = await self._store.buckets([now_doc(ORG)])
        community_ids = sorted(index.get(now_doc(ORG), {}).get("communities", []))
        groups: list[GroupFigures] = []
        for community_id in community_ids:
            entity = await self._store.entity(community_entity(community_id))
            if entity is None or entity.get("visibility") == "secret":
                continue
            docs = await self._store.scope(community_scope(community_id), query.months)
            members = Series(docs, query.periods, query.granularity).level("members")
            groups.append(self._community_activity(docs, query, community_id, members))
        return Report(tuple(indicators), query.periods, communities_view(groups, self.k))


def _own_active_days(person: Document) -> set[date]:
    days = {day for day, _ in active_days(person.get("act", {}))}
    for community_days in person.get("cact", {}).values():
        days.update(day for day, bits in active_days(community_days) if bits & CONTRIBUTED)
    return days


def _own_total(
    months: Any, part: str, counter: str, period: Period, *, places: bool = False
) -> int:
    total = 0
    for day in days_between(period.start, period.end):
        doc = months.get(month_key(day), {})
        section = doc.get(part, {})
        day_number = f"{day.day:02d}"
        if places:
            total += sum(
                int(place.get(day_number, {}).get(counter, 0)) for place in section.values()
            )
        else:
            total += int(section.get(day_number, {}).get(counter, 0))
    return total


def _helped_ids(months: Any, first: date, last: date) -> set[str]:
    helped: set[str] = set()
    for month in months_between(first, last):
        helped.update(months.get(month, {}).get("m", {}).get("helped", []))
    return helped


def _any_in(days: dict[str, str], query: Query) -> bool:
    return any(
        query.first <= day <= query.last for day, bits in active_days(days) if bits & CONTRIBUTED
    )
