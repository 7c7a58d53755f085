"""Days, ISO weeks and months as the keys of buckets (all in UTC).

A day is ``2026-11-23``, an ISO week ``2026-W48`` (Monday to Sunday), a month ``2026-11``. A
week belongs to the month of its Thursday (as ISO weeks belong to the year of their Thursday),
so each week's figures live in exactly one month document. The conversions are cached: the
projection calls them millions of times over a small set of days.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Literal

Granularity = Literal["day", "week", "month"]

ONE_DAY = timedelta(days=1)


def day_key(day: date) -> str:
    """``2026-11-23``."""
    return day.isoformat()


@lru_cache(maxsize=65536)
def month_key(day: date) -> str:
    """``2026-11``."""
    return f"{day.year:04d}-{day.month:02d}"


@lru_cache(maxsize=65536)
def week_key(day: date) -> str:
    """The ISO week of a day: ``2026-W48``."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def parse_day(key: str) -> date:
    """The day of a day key."""
    return date.fromisoformat(key)


@lru_cache(maxsize=65536)
def week_monday(key: str) -> date:
    """The Monday starting an ISO week."""
    year, week = key.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


@lru_cache(maxsize=65536)
def week_sunday(key: str) -> date:
    """The Sunday ending an ISO week."""
    return week_monday(key) + timedelta(days=6)


@lru_cache(maxsize=65536)
def week_month(key: str) -> str:
    """The month a week's figures are filed under: its Thursday's."""
    return month_key(week_monday(key) + timedelta(days=3))


@lru_cache(maxsize=65536)
def shift_week(key: str, weeks: int) -> str:
    """The week ``weeks`` after (or before, if negative) ``key``."""
    return week_key(week_monday(key) + timedelta(weeks=weeks))


@lru_cache(maxsize=65536)
def month_first(key: str) -> date:
    """The first day of a month."""
    year, month = key.split("-")
    return date(int(year), int(month), 1)


@lru_cache(maxsize=65536)
def month_last(key: str) -> date:
    """The last day of a month."""
    first = month_first(key)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - ONE_DAY


def day_of(moment: datetime) -> date:
    """The UTC day of a moment (a moment without a time zone is taken as UTC)."""
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(UTC).date()


def days_between(first: date, last: date) -> Iterator[date]:
    """Every day from ``first`` to ``last``, both included."""
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


def months_between(first: date, last: date) -> list[str]:
    """The month keys from ``first``'s to ``last``'s, both included."""
    months: list[str] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = year + month // 12, month % 12 + 1
    return months


@dataclass(frozen=True)
class Period:
    """One point of a time series: a day, an ISO week or a month, cut to the asked range."""

    key: str
    start: date
    end: date


def periods(first: date, last: date, granularity: Granularity) -> list[Period]:
    """The periods covering ``first``..``last``; the first and last are cut to the range."""
    found: list[Period] = []
    day = first
    while day <= last:
        if granularity == "day":
            key, end = day_key(day), day
        elif granularity == "week":
            key = week_key(day)
            end = week_sunday(key)
        else:
            key = month_key(day)
            end = month_last(key)
        end = min(end, last)
        found.append(Period(key=key, start=day, end=end))
        day = end + ONE_DAY
    return found
