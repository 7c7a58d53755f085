"""People: what the projection keeps of each person and every figure that depends on them.

A person's entity holds only what the rules need: registration and departure days, current
department and location, whether the public profile is complete, day-by-day activity bits
(overall and per community), weekly contribution figures, the weekly profile and regularity
already counted, and membership and management intervals. Groups' person-based figures are
functions of these facts:

* **Current department and location.** Department and location figures describe today's
  groups: when a card names a new department (or location, or no longer shows one), the
  person's whole share (registrations, activity, profiles, counters) moves from the old group's
  buckets to the new one's. Whatever order cards and activity arrive in, every group ends up
  with the figures of its current members (replays agree). Locations are not crossed with
  communities (there is no location-in-community scope).
* **Registered people only.** Someone who acts without ever being provisioned (a service
  account) is never counted among active, visiting, contributing or activated people: their
  activity bits are kept, and counted in every group from the moment their provisioning is
  applied, so a provisioning that arrives after their activity gives what a replay that
  applies it first gives. Content counters (posts, comments...) count every act.
* **Erasure.** An erased person leaves every person-based figure (registered, active,
  contributors, profiles, members, tag contributors), past periods included, and every
  department and location figure, and their own buckets are deleted; what they contributed
  keeps counting, anonymously, in the organisation's and communities' content counters (posts,
  comments...). Their later events, if any, only add to those content counters.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from agora.metrics.calendar import (
    day_key,
    month_key,
    parse_day,
    shift_week,
    week_key,
    week_monday,
    week_sunday,
)
from agora.metrics.engine.activity import (
    CONTRIBUTED,
    CONTRIBUTOR_FLAGS,
    PERSON_FLAGS,
    VISITED,
    active_days,
    bits_on,
    changes_of_day,
    count_between,
    emit_counts,
    set_bits,
    whole_share,
)
from agora.metrics.engine.keys import (
    ORG,
    PROFILE_PLACE,
    TAGS,
    community_entity,
    community_scope,
    day_counter,
    dc_scope,
    dept_scope,
    escape,
    levels_doc,
    location_scope,
    month_doc,
    now_doc,
    person_entity,
    person_scope,
    place_key,
    unescape,
    week_target,
)
from agora.metrics.engine.workspace import Entity, Workspace
from agora.metrics.rules import PROFILE_CODES, PROFILE_OF_CODE, EngagementRules, WeekFigures

Interval = dict[str, Any]
"""``{"community": id, "from": first day, "to": last day or None}`` (FerretDB stores no
arrays inside arrays)."""
REGULAR_MARK = "r"


def new_person(person_id: str) -> dict[str, Any]:
    """The entity of a person the projection has not heard of before."""
    return {
        "pid": person_id,
        "v": 0,
        "cv": 0,
        "erased": False,
        "registered": None,
        "left": None,
        "dept": None,
        "loc": None,
        "card": {"title": False, "photo": False},
        "skills": [],
        "interests": False,
        "help": False,
        "complete": False,
        "first": None,
        "act": {},
        "weeks": {},
        "cls": {},
        "cact": {},
        "tm": {},
        "py": [],
        "memberships": [],
        "manages": [],
    }


def tombstone(person: Entity) -> dict[str, Any]:
    """What is kept of an erased person: that they were erased, and the versions applied."""
    return {
        "pid": person.doc["pid"],
        "v": person.doc["v"],
        "cv": person.doc["cv"],
        "erased": True,
    }


class People:
    """Changes people and every figure that follows from them."""

    def __init__(self, workspace: Workspace, rules: EngagementRules) -> None:
        self._ws = workspace
        self._rules = rules
        self._reclassify: dict[str, tuple[str, str | None]] = {}
        """Person entity id -> (first week, last week or None: as far as needed)."""

    async def get(self, person_id: str) -> Entity:
        """The person's entity, created if new."""
        entity_id = person_entity(person_id)
        person = await self._ws.entity(entity_id)
        if person is None:
            person = self._ws.create(entity_id, new_person(person_id))
        return person

    # --- content counters ---------------------------------------------------------------------

    def record(
        self,
        person: Entity,
        day: date,
        community_id: str | None,
        *,
        secret: bool,
        counter: str,
        amount: int = 1,
    ) -> None:
        """Count something a person did in a place, in every scope it belongs to.

        Secret communities' activity reaches only the community's own buckets and the person's.
        """
        if not secret:
            self._ws.inc(*day_counter(ORG, day, counter), amount)
        if community_id is not None:
            self._ws.inc(*day_counter(community_scope(community_id), day, counter), amount)
        if person.doc["erased"]:
            return
        if not secret:
            for scope in self._groups(person):
                self._ws.inc(*day_counter(scope, day, counter), amount)
            department = person.doc["dept"]
            if department is not None and community_id is not None:
                scope = dc_scope(department, community_id)
                self._ws.inc(*day_counter(scope, day, counter), amount)
        own = f"p.{place_key(community_id)}.{day.month:02d}.{day.day:02d}.{counter}"
        self._ws.inc(self._own(person, day), own, amount)

    def received(self, person: Entity, day: date, counter: str, amount: int = 1) -> None:
        """Count something a person received (only their own view shows it)."""
        if person.doc["erased"]:
            return
        path = f"r.{day.month:02d}.{day.day:02d}.{counter}"
        self._ws.inc(self._own(person, day), path, amount)

    def helped(self, person: Entity, day: date, helped_id: str) -> None:
        """Remember that ``person`` answered a question of ``helped_id`` this month."""
        if person.doc["erased"] or helped_id == person.doc["pid"]:
            return
        self._ws.add(self._own(person, day), f"m.{day.month:02d}.helped", helped_id)

    def answered(self, answerer: Entity, asker: Entity, day: date, *, secret: bool) -> None:
        """An answer to someone else's question: remembered on both sides (so that a change of
        department can recount it) and counted if it crosses a department boundary."""
        if secret or answerer.doc["erased"] or asker.doc["erased"]:
            return
        for person, other, part in ((answerer, asker, "ag"), (asker, answerer, "ar")):
            path = f"{part}.{day.month:02d}.{day.day:02d}"
            self._ws.push(self._own(person, day), path, other.doc["pid"])
        if _crosses(answerer.doc["dept"], asker.doc["dept"]):
            self._ws.inc(*day_counter(ORG, day, "cross_department_answers"))

    async def _recount_crossings(self, person: Entity, department: str | None) -> None:
        """Recount the answers the person gave and received as if they belonged to
        ``department`` instead of their current one."""
        old = person.doc["dept"]
        for year, own in await self._own_buckets(person):
            for part in ("ag", "ar"):
                for day, others in _days_of(year, own.get(part, {})):
                    for other_id in others:
                        other = await self._ws.entity(person_entity(other_id))
                        other_department = None if other is None else other.doc.get("dept")
                        change = int(_crosses(department, other_department)) - int(
                            _crosses(old, other_department)
                        )
                        self._ws.inc(*day_counter(ORG, day, "cross_department_answers"), change)

    def _own(self, person: Entity, day: date) -> str:
        """The person's own bucket of ``day``'s year (remembered, for moves and erasure)."""
        year = f"{day.year:04d}"
        if year not in person.doc["py"]:
            person.doc["py"].append(year)
            self._ws.changed(person, "py")
        return f"{person_scope(person.doc['pid'])}|{year}"

    async def _own_buckets(self, person: Entity) -> list[tuple[str, dict[str, Any]]]:
        """The person's own buckets as they will be after the next flush, by year."""
        scope = person_scope(person.doc["pid"])
        return [(year, await self._ws.bucket(f"{scope}|{year}")) for year in person.doc["py"]]

    # --- activity bits ------------------------------------------------------------------------

    def visited(self, person: Entity, day: date) -> None:
        """The person used Agora on ``day``."""
        if not person.doc["erased"]:
            self._set_activity(person, day, VISITED)

    def contributed(
        self,
        person: Entity,
        day: date,
        community_id: str | None,
        *,
        secret: bool,
        significant: int = 0,
    ) -> None:
        """The person posted, commented or reacted on ``day``."""
        if person.doc["erased"]:
            return
        if community_id is not None:
            self._set_community_activity(person, day, community_id, secret=secret)
        if secret:
            return
        self._set_activity(person, day, CONTRIBUTED)
        self._add_week_figures(person, day, contributions=1, significant=significant)

    def significant(self, person: Entity, day: date, *, secret: bool) -> None:
        """Something of the person's proved significant (an answer accepted, a post liked)."""
        if not person.doc["erased"] and not secret:
            self._add_week_figures(person, day, contributions=0, significant=1)

    def tagged(self, person: Entity, day: date, key: str) -> None:
        """The person took part in a tag or skill this month (``t|<tag>``, ``s|<skill>``)."""
        if person.doc["erased"]:
            return
        month = month_key(day)
        keys = person.doc["tm"].setdefault(month, [])
        if key not in keys:
            keys.append(key)
            self._ws.changed(person, "tm")
            kind, name = key.split("|", 1)
            self._ws.inc(month_doc(TAGS, month), f"{kind}.{escape(name)}.people")

    def _set_activity(self, person: Entity, day: date, bit: int) -> None:
        days = person.doc["act"]
        old = bits_on(days, day)
        new = old | bit
        if new == old:
            return
        set_bits(days, day, new)
        self._ws.changed(person, "act")
        counted = person.doc["registered"] is not None
        if counted:
            counts = changes_of_day(days, day, old, new, PERSON_FLAGS)
            for scope in (ORG, *self._groups(person)):
                emit_counts(self._ws, scope, counts)
        if old == 0:
            self._week_changed(person, day)
            first = person.doc["first"]
            if first is None or day < parse_day(first):
                before = activation_marks(person.doc)
                person.doc["first"] = day_key(day)
                self._ws.changed(person, "first")
                self._move_marks(person, before)

    def _set_community_activity(
        self, person: Entity, day: date, community_id: str, *, secret: bool
    ) -> None:
        by_community = person.doc["cact"]
        days = by_community.setdefault(escape(community_id), {})
        old = bits_on(days, day)
        if old & CONTRIBUTED:
            return
        set_bits(days, day, old | CONTRIBUTED)
        self._ws.changed(person, "cact")
        counts = changes_of_day(days, day, old, old | CONTRIBUTED, CONTRIBUTOR_FLAGS)
        emit_counts(self._ws, community_scope(community_id), counts)
        department = person.doc["dept"]
        if department is not None and not secret:
            emit_counts(self._ws, dc_scope(department, community_id), counts)

    def _add_week_figures(
        self, person: Entity, day: date, *, contributions: int, significant: int
    ) -> None:
        week = week_key(day)
        figures = person.doc["weeks"].setdefault(week, [0, 0])
        figures[0] += contributions
        figures[1] += significant
        self._ws.changed(person, "weeks")
        self._week_changed(person, day)

    def _week_changed(self, person: Entity, day: date) -> None:
        week = week_key(day)
        self._mark(person, week, shift_week(week, self._rules.reach_weeks - 1))

    def _mark(self, person: Entity, first: str, last: str | None) -> None:
        current = self._reclassify.get(person.id)
        if current is not None:
            first = min(first, current[0])
            last = None if last is None or current[1] is None else max(last, current[1])
        self._reclassify[person.id] = (first, last)

    def _level(self, person: Entity, counter: str, day: date, amount: int) -> None:
        path = f"d.{day_key(day)}.{counter}"
        for scope in (ORG, *self._groups(person)):
            self._ws.inc(levels_doc(scope), path, amount)

    def _groups(self, person: Entity) -> list[str]:
        """The scopes of the groups the person is counted in besides the organisation: their
        department's and their location's."""
        scopes: list[str] = []
        if person.doc["dept"] is not None:
            scopes.append(dept_scope(person.doc["dept"]))
        if person.doc.get("loc") is not None:
            scopes.append(location_scope(person.doc["loc"]))
        return scopes

    def _activity_share(self, person: Entity, scope: str, sign: int) -> None:
        """Add (or take away) the person among a scope's active and activated people: only
        ever while they are registered."""
        doc = person.doc
        if doc["registered"] is None:
            return
        for day, counter in activation_marks(doc):
            self._ws.inc(levels_doc(scope), f"d.{day}.{counter}", sign)
        emit_counts(self._ws, scope, whole_share(doc["act"], PERSON_FLAGS), sign)

    def _move_marks(self, person: Entity, before: list[tuple[str, str]]) -> None:
        """Replace the activation marks ``before`` a change of first activity or departure
        with the person's marks now, in every scope they count in."""
        after = activation_marks(person.doc)
        changes = [(mark, -1) for mark in before if mark not in after]
        changes.extend((mark, 1) for mark in after if mark not in before)
        for scope in (ORG, *self._groups(person)):
            for (day, counter), amount in changes:
                self._ws.inc(levels_doc(scope), f"d.{day}.{counter}", amount)

    # --- registration, departure, profile completeness ---------------------------------------

    def registered(self, person: Entity, day: date) -> None:
        """The person was provisioned on ``day``."""
        if person.doc["erased"] or person.doc["registered"] is not None:
            return
        person.doc["registered"] = day_key(day)
        self._ws.changed(person, "registered")
        self._level(person, "registered", day, 1)
        for scope in (ORG, *self._groups(person)):
            self._activity_share(person, scope, 1)
        self.refresh_completeness(person)
        self._mark_everything(person)

    def departed(self, person: Entity, day: date) -> None:
        """The person left the company on ``day``."""
        if person.doc["erased"] or person.doc["left"] is not None:
            return
        before = activation_marks(person.doc)
        person.doc["left"] = day_key(day)
        self._ws.changed(person, "left")
        self._level(person, "departed", day, 1)
        self._move_marks(person, before)
        self.refresh_completeness(person)
        self._mark_everything(person)

    def in_population(self, person: Entity) -> bool:
        """Registered, not departed, not erased: counted among today's people."""
        doc = person.doc
        return not doc["erased"] and doc["registered"] is not None and doc["left"] is None

    def refresh_completeness(self, person: Entity) -> None:
        """Recount the person among complete profiles if their public items changed."""
        doc = person.doc
        complete = self.in_population(person) and self._rules.complete(
            has_job_title=doc["card"]["title"],
            has_department=doc["dept"] is not None,
            has_photo=doc["card"]["photo"],
            skills=len(doc["skills"]),
            has_interests=doc["interests"],
            has_help_topics=doc["help"],
        )
        if complete == doc["complete"]:
            return
        doc["complete"] = complete
        self._ws.changed(person, "complete")
        amount = 1 if complete else -1
        for scope in (ORG, *self._groups(person)):
            self._ws.inc(now_doc(scope), "complete", amount)

    # --- memberships and animation ------------------------------------------------------------

    def joined(self, person: Entity, community_id: str, day: date, *, secret: bool) -> None:
        """The person became a member (the community's own counters are the caller's)."""
        person.doc["memberships"].append(_interval(community_id, day))
        self._ws.changed(person, "memberships")
        department = person.doc["dept"]
        if department is not None and not secret:
            path = f"d.{day_key(day)}.members"
            self._ws.inc(levels_doc(dc_scope(department, community_id)), path, 1)

    def left_community(self, person: Entity, community_id: str, day: date, *, secret: bool) -> None:
        """The person stopped being a member (and so a manager)."""
        for interval in person.doc["memberships"]:
            if interval["community"] == community_id and interval["to"] is None:
                interval["to"] = day_key(day)
                self._ws.changed(person, "memberships")
                department = person.doc["dept"]
                if department is not None and not secret:
                    path = f"d.{day_key(day)}.members"
                    self._ws.inc(levels_doc(dc_scope(department, community_id)), path, -1)
        self.stops_managing(person, community_id, day)

    def starts_managing(self, person: Entity, community_id: str, day: date) -> None:
        """The person became an owner or manager of the community."""
        if any(i["community"] == community_id and i["to"] is None for i in person.doc["manages"]):
            return
        person.doc["manages"].append(_interval(community_id, day))
        self._ws.changed(person, "manages")
        self._mark(person, week_key(day), None)

    def stops_managing(self, person: Entity, community_id: str, day: date) -> None:
        """The person is no longer an owner or manager of the community."""
        for interval in person.doc["manages"]:
            if interval["community"] == community_id and interval["to"] is None:
                interval["to"] = day_key(day)
                self._ws.changed(person, "manages")
                self._mark(person, week_key(day), None)

    # --- weekly profiles ----------------------------------------------------------------------

    def _mark_everything(self, person: Entity) -> None:
        weeks = [*person.doc["weeks"], *person.doc["cls"]]
        weeks.extend(week_key(day) for day in _days_with_bits(person.doc["act"]))
        if weeks:
            self._mark(person, min(weeks), None)

    async def classify_pending(self) -> None:
        """Recompute the weekly profile and regularity of everyone whose figures changed."""
        pending, self._reclassify = self._reclassify, {}
        for entity_id, (first, last) in pending.items():
            person = await self._ws.entity(entity_id)
            if person is None or person.doc["erased"]:
                continue
            self._classify(person, first, last)

    def _classify(self, person: Entity, first: str, last: str | None) -> None:
        doc = person.doc
        if last is None:
            known = [*doc["weeks"], *doc["cls"]]
            known.extend(week_key(day) for day in _days_with_bits(doc["act"]))
            last = shift_week(max([first, *known]), self._rules.reach_weeks - 1)
        window = self._rules.reach_weeks
        figures: dict[str, WeekFigures] = {}
        week = shift_week(first, 1 - window)
        while week <= last:
            figures[week] = self._figures(doc, week)
            week = shift_week(week, 1)
        week = first
        while week <= last:
            code = self._code(person, week, window, figures)
            stored = doc["cls"].get(week, "")
            if code != stored:
                self._count_code(person, week, stored, -1)
                self._count_code(person, week, code, 1)
                if code:
                    doc["cls"][week] = code
                else:
                    del doc["cls"][week]
                self._ws.changed(person, "cls")
            week = shift_week(week, 1)

    def _code(self, person: Entity, week: str, window: int, figures: dict[str, WeekFigures]) -> str:
        doc = person.doc
        sunday = week_sunday(week)
        registered = doc["registered"]
        if registered is None or parse_day(registered) > sunday:
            return ""
        if doc["left"] is not None and parse_day(doc["left"]) <= sunday:
            return ""
        weeks = [figures[shift_week(week, offset)] for offset in range(1 - window, 1)]
        profile = self._rules.profile(weeks, animator=_animates(doc["manages"], week))
        if profile is None:
            return ""
        return PROFILE_CODES[profile] + (REGULAR_MARK if self._rules.regular(weeks) else "")

    @staticmethod
    def _figures(doc: dict[str, Any], week: str) -> WeekFigures:
        contributions, significant = doc["weeks"].get(week, (0, 0))
        monday = week_monday(week)
        days = count_between(doc["act"], monday, monday + timedelta(days=6))
        return WeekFigures(contributions=contributions, significant=significant, active_days=days)

    def _count_code(self, person: Entity, week: str, code: str, amount: int) -> None:
        if not code:
            return
        for scope in (ORG, *self._groups(person)):
            _emit_code(self._ws, scope, week, code, amount)

    # --- moving between departments and locations, erasure -----------------------------------

    async def change_department(self, person: Entity, department: str | None) -> None:
        """Move the person's whole share from their department to ``department``."""
        old = person.doc["dept"]
        if old == department or person.doc["erased"]:
            return
        await self._recount_crossings(person, department)
        if old is not None:
            await self._group_share(person, dept_scope(old), -1, department=old)
        person.doc["dept"] = department
        self._ws.changed(person, "dept")
        if department is not None:
            self._ws.add(now_doc(ORG), "departments", department)
            await self._group_share(person, dept_scope(department), 1, department=department)
        self.refresh_completeness(person)

    async def change_location(self, person: Entity, location: str | None) -> None:
        """Move the person's whole share from the location they showed to ``location`` (``None``:
        they show none to everyone any more)."""
        old = person.doc.get("loc")
        if old == location or person.doc["erased"]:
            return
        if old is not None:
            await self._group_share(person, location_scope(old), -1)
        person.doc["loc"] = location
        self._ws.changed(person, "loc")
        if location is not None:
            self._ws.add(now_doc(ORG), "locations", location)
            await self._group_share(person, location_scope(location), 1)

    async def _group_share(
        self, person: Entity, scope: str, sign: int, *, department: str | None = None
    ) -> None:
        """Add (or with ``sign`` -1, take away) everything ``person`` counts for in a group's
        ``scope`` (their department's or location's): the same figures the live path adds while
        they belong to it. For a department, also its department-in-community cells."""
        doc = person.doc
        levels = levels_doc(scope)
        for counter, day in (("registered", doc["registered"]), ("departed", doc["left"])):
            if day is not None:
                self._ws.inc(levels, f"d.{day}.{counter}", sign)
        if doc["complete"]:
            self._ws.inc(now_doc(scope), "complete", sign)
        self._activity_share(person, scope, sign)
        for week, code in doc["cls"].items():
            _emit_code(self._ws, scope, week, code, sign)
        secret = await self._secret_communities(person)
        if department is not None:
            self._cells_share(person, department, secret, sign)
        await self._counters_share(person, scope, department, secret, sign)

    def _cells_share(
        self, person: Entity, department: str, secret: "SecretPlaces", sign: int
    ) -> None:
        """The person's contributors and members figures in their department's cells."""
        doc = person.doc
        for escaped_id, days in doc["cact"].items():
            if escaped_id in secret:
                continue
            community_id = secret.raw_of(escaped_id)
            emit_counts(
                self._ws,
                dc_scope(department, community_id),
                whole_share(days, CONTRIBUTOR_FLAGS),
                sign,
            )
        for interval in doc["memberships"]:
            if escape(interval["community"]) in secret:
                continue
            members = levels_doc(dc_scope(department, interval["community"]))
            self._ws.inc(members, f"d.{interval['from']}.members", sign)
            if interval["to"] is not None:
                self._ws.inc(members, f"d.{interval['to']}.members", -sign)

    async def _counters_share(
        self,
        person: Entity,
        scope: str,
        department: str | None,
        secret: "SecretPlaces",
        sign: int,
    ) -> None:
        for year, own in await self._own_buckets(person):
            for place, months in own.get("p", {}).items():
                if place in secret:
                    continue
                dc = (
                    None
                    if department is None or place == PROFILE_PLACE
                    else dc_scope(department, secret.raw_of(place))
                )
                for day, counters in _days_of(year, months):
                    for counter, amount in counters.items():
                        self._ws.inc(*day_counter(scope, day, counter), sign * amount)
                        if dc is not None:
                            self._ws.inc(*day_counter(dc, day, counter), sign * amount)

    async def _secret_communities(self, person: Entity) -> "SecretPlaces":
        doc = person.doc
        places = SecretPlaces()
        community_ids = {interval["community"] for interval in doc["memberships"]}
        community_ids.update(places.raw_of(escaped) for escaped in doc["cact"])
        for _, own in await self._own_buckets(person):
            community_ids.update(
                places.raw_of(place) for place in own.get("p", {}) if place != PROFILE_PLACE
            )
        for community_id in community_ids:
            community = await self._ws.entity(community_entity(community_id))
            places.remember(community_id, secret=community is None or _secret(community))
        return places

    async def erase(self, person: Entity) -> None:
        """Take the person out of every person-based figure and delete their own buckets."""
        if person.doc["erased"]:
            return
        doc = person.doc
        await self._recount_crossings(person, None)
        if doc["dept"] is not None:
            await self._group_share(person, dept_scope(doc["dept"]), -1, department=doc["dept"])
        if doc.get("loc") is not None:
            await self._group_share(person, location_scope(doc["loc"]), -1)
        for counter, day in (("registered", doc["registered"]), ("departed", doc["left"])):
            if day is not None:
                self._ws.inc(levels_doc(ORG), f"d.{day}.{counter}", -1)
        if doc["complete"]:
            self._ws.inc(now_doc(ORG), "complete", -1)
        self._activity_share(person, ORG, -1)
        for week, code in doc["cls"].items():
            _emit_code(self._ws, ORG, week, code, -1)
        places = SecretPlaces()
        for escaped_id, days in doc["cact"].items():
            community_id = places.raw_of(escaped_id)
            emit_counts(
                self._ws, community_scope(community_id), whole_share(days, CONTRIBUTOR_FLAGS), -1
            )
        for month, keys in doc["tm"].items():
            for key in keys:
                kind, name = key.split("|", 1)
                self._ws.inc(month_doc(TAGS, month), f"{kind}.{escape(name)}.people", -1)
        await self._leave_communities(person)
        for year in doc["py"]:
            self._ws.delete_bucket(f"{person_scope(doc['pid'])}|{year}")
        self._reclassify.pop(person.id, None)
        self._ws.replace(person, tombstone(person))

    async def _leave_communities(self, person: Entity) -> None:
        person_id = person.doc["pid"]
        for interval in person.doc["memberships"]:
            community_id = interval["community"]
            members = levels_doc(community_scope(community_id))
            self._ws.inc(members, f"d.{interval['from']}.members", -1)
            if interval["to"] is not None:
                self._ws.inc(members, f"d.{interval['to']}.members", 1)
            community = await self._ws.entity(community_entity(community_id))
            if community is None:
                continue
            for field in ("members", "managers"):
                if person_id in community.doc[field]:
                    community.doc[field].remove(person_id)
                    self._ws.changed(community, field)
            pending = [r for r in community.doc["pending"] if r["person"] != person_id]
            if len(pending) != len(community.doc["pending"]):
                community.doc["pending"] = pending
                self._ws.changed(community, "pending")


def activation_marks(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """Where a person changes the ``activated`` level (on their first activity) and the
    ``activated_departed`` one (when they leave, or on that first activity if it came after
    they left): activated people at a day are the first minus the second, and a function of
    these two days alone whatever order they became known in. Only registered people count."""
    first, left = doc["first"], doc["left"]
    if doc["registered"] is None or first is None:
        return []
    marks = [(first, "activated")]
    if left is not None:
        marks.append((max(first, left), "activated_departed"))
    return marks


class SecretPlaces:
    """Which of a person's places are secret communities, by escaped id."""

    def __init__(self) -> None:
        self._secret: set[str] = set()
        self._raw: dict[str, str] = {}

    def remember(self, community_id: str, *, secret: bool) -> None:
        """Note a community and whether it is secret."""
        self._raw[escape(community_id)] = community_id
        if secret:
            self._secret.add(escape(community_id))

    def raw_of(self, escaped_id: str) -> str:
        """The community id an escaped one stands for."""
        return self._raw.get(escaped_id) or unescape(escaped_id)

    def __contains__(self, escaped_id: object) -> bool:
        return escaped_id in self._secret


def _crosses(department: str | None, other: str | None) -> bool:
    """Whether an answer between these departments crosses a boundary (both must be known)."""
    return department is not None and other is not None and department != other


def _secret(community: Entity) -> bool:
    return bool(community.doc.get("visibility") == "secret")


def _animates(manages: Iterable[Interval], week: str) -> bool:
    monday, sunday = week_monday(week), week_sunday(week)
    for interval in manages:
        last = interval["to"]
        if parse_day(interval["from"]) <= sunday and (last is None or parse_day(last) >= monday):
            return True
    return False


def _interval(community_id: str, day: date) -> Interval:
    return {"community": community_id, "from": day_key(day), "to": None}


def _emit_code(workspace: Workspace, scope: str, week: str, code: str, amount: int) -> None:
    profile = PROFILE_OF_CODE[code[0]]
    target, prefix = week_target(scope, week)
    workspace.inc(target, f"{prefix}.p_{profile}", amount)
    if code.endswith(REGULAR_MARK):
        workspace.inc(target, f"{prefix}.regular", amount)


def _days_of(year: str, months: dict[str, dict[str, Any]]) -> Iterable[tuple[date, Any]]:
    """The values of a year bucket's ``<mm>.<dd>`` section, by day."""
    for month, days in months.items():
        for day_number, value in days.items():
            yield date(int(year), int(month), int(day_number)), value


def _days_with_bits(days: dict[str, str]) -> Iterable[date]:
    return (day for day, _ in active_days(days))
