"""Distinct counts (active people, contributors) from each person's day-by-day activity bits.

A person's activity is kept as one string per month, one character per day holding bits:
1 = visited (the gateway's signal), 2 = contributed. A group's "active people this week" is then
the number of people whose bits are non-zero on some day of the week; when one person's day
changes, the change of every day, week and month figure follows from that person's bits alone,
whatever order events came in. The same function computes a person's whole share (moving them
to another department, or erasing them) and the change made by one event, so both agree.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from agora.metrics.calendar import (
    month_first,
    month_key,
    month_last,
    months_between,
    week_key,
    week_monday,
)
from agora.metrics.engine.keys import day_target, month_target, week_target
from agora.metrics.engine.workspace import Workspace

VISITED = 1
CONTRIBUTED = 2
PERSON_FLAGS: tuple[tuple[str, int], ...] = (
    ("visitors", VISITED),
    ("contributors", CONTRIBUTED),
    ("active", VISITED | CONTRIBUTED),
)
"""Distinct counts kept for groups of people: who visited, who contributed, who did either."""
CONTRIBUTOR_FLAGS: tuple[tuple[str, int], ...] = (("contributors", CONTRIBUTED),)
"""Inside a community only contributions are seen (a visit is not tied to a community)."""

DayBits = dict[str, str]
"""Month key -> one digit per day of the month."""


def bits_on(days: DayBits, day: date) -> int:
    """The bits of one day."""
    month = days.get(month_key(day))
    return 0 if month is None else int(month[day.day - 1])


def set_bits(days: DayBits, day: date, bits: int) -> None:
    """Store the bits of one day."""
    key = month_key(day)
    month = days.get(key) or "0" * month_last(key).day
    days[key] = f"{month[: day.day - 1]}{bits}{month[day.day :]}"


def active_days(days: DayBits) -> Iterator[tuple[date, int]]:
    """Every day with non-zero bits, and its bits."""
    for key in sorted(days):
        first = month_first(key)
        for index, digit in enumerate(days[key]):
            if digit != "0":
                yield first + timedelta(days=index), int(digit)


@dataclass(frozen=True)
class Count:
    """One distinct count of one period changing by ``delta``."""

    level: str
    """``day``, ``week`` or ``month``."""
    period: date | str
    """The day, or the week or month key."""
    flag: str
    delta: int


def changes_of_day(
    days: DayBits, day: date, old: int, new: int, flags: tuple[tuple[str, int], ...]
) -> list[Count]:
    """How the day's, week's and month's distinct counts change when ``day`` goes from
    ``old`` to ``new`` bits (``days`` already holds ``new``)."""
    if old == new:
        return []
    week = week_key(day)
    monday = week_monday(week)
    week_others = or_between(days, monday, monday + timedelta(days=6), skip=day)
    month = month_key(day)
    month_others = or_between(days, month_first(month), month_last(month), skip=day)
    counts: list[Count] = []
    for level, period, others in (
        ("day", day, 0),
        ("week", week, week_others),
        ("month", month, month_others),
    ):
        for flag, mask in flags:
            before = bool((old | others) & mask)
            after = bool((new | others) & mask)
            if before != after:
                counts.append(Count(level, period, flag, 1 if after else -1))
    return counts


def or_between(days: DayBits, first: date, last: date, *, skip: date | None = None) -> int:
    """The bits of every day from ``first`` to ``last`` combined (``skip`` left out)."""
    combined = 0
    for month, start, end in _month_slices(first, last):
        text = days.get(month)
        if text is None:
            continue
        part = text[start:end]
        if skip is not None and month_key(skip) == month and start <= skip.day - 1 < end:
            index = skip.day - 1 - start
            part = part[:index] + part[index + 1 :]
        for digit in set(part):
            combined |= int(digit)
    return combined


def count_between(days: DayBits, first: date, last: date) -> int:
    """How many days from ``first`` to ``last`` have any bit."""
    total = 0
    for month, start, end in _month_slices(first, last):
        text = days.get(month)
        if text is not None:
            part = text[start:end]
            total += len(part) - part.count("0")
    return total


def _month_slices(first: date, last: date) -> list[tuple[str, int, int]]:
    """The month keys and string slices covering ``first``..``last``."""
    if first.year == last.year and first.month == last.month:
        return [(month_key(first), first.day - 1, last.day)]
    slices = [(month_key(first), first.day - 1, month_last(month_key(first)).day)]
    for month in months_between(first, last)[1:-1]:
        slices.append((month, 0, month_last(month).day))
    slices.append((month_key(last), 0, last.day))
    return slices


def whole_share(days: DayBits, flags: tuple[tuple[str, int], ...]) -> list[Count]:
    """Every distinct count one person adds to a group (each period counts them once)."""
    weeks: defaultdict[str, int] = defaultdict(int)
    months: defaultdict[str, int] = defaultdict(int)
    counts: list[Count] = []
    for day, bits in active_days(days):
        weeks[week_key(day)] |= bits
        months[month_key(day)] |= bits
        counts.extend(Count("day", day, flag, 1) for flag, mask in flags if bits & mask)
    for level, periods in (("week", weeks), ("month", months)):
        for period, bits in periods.items():
            counts.extend(Count(level, period, flag, 1) for flag, mask in flags if bits & mask)
    return counts


def emit_counts(workspace: Workspace, scope: str, counts: Iterable[Count], sign: int = 1) -> None:
    """Add distinct-count changes to a scope's buckets (``sign`` -1 takes them away)."""
    for count in counts:
        if count.level == "day":
            assert isinstance(count.period, date)
            doc_id, prefix = day_target(scope, count.period)
        elif count.level == "week":
            assert isinstance(count.period, str)
            doc_id, prefix = week_target(scope, count.period)
        else:
            assert isinstance(count.period, str)
            doc_id, prefix = month_target(scope, count.period)
        workspace.inc(doc_id, f"{prefix}.{count.flag}", sign * count.delta)
