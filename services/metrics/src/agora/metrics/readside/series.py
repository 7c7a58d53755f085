"""Turning one scope's buckets into values per period.

* Counters (posts, comments...) are stored per day and summed over each period's days.
* Distinct counts (active people, contributors) are stored per day, ISO week and month and read
  at the asked granularity: a week's figure covers the whole ISO week, a month's the whole
  calendar month, even where the asked range cuts them.
* Levels (registered people, members, communities) are stored as day-by-day changes; a level
  at a period is its value at the end of the period's last day.
* Durations (time to first answer...) are stored as lists of seconds per day; a period's
  figure is the median of its days' values.
"""

import bisect
import statistics
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from agora.metrics.calendar import (
    Granularity,
    Period,
    days_between,
    month_key,
    months_between,
    parse_day,
    week_key,
    week_month,
)
from agora.metrics.readside.store import ScopeDocs

Document = dict[str, Any]


def months_for(first: date, last: date) -> list[str]:
    """The month buckets a range needs, the months of its cut weeks included."""
    return months_between(first - timedelta(days=6), last + timedelta(days=6))


class Levels:
    """Levels rebuilt from their day-by-day changes."""

    def __init__(self, doc: Document) -> None:
        changes = sorted(doc.get("d", {}).items())
        self._days = [parse_day(key) for key, _ in changes]
        self._totals: dict[str, list[int]] = {}
        running: dict[str, int] = {}
        counters = {name for _, values in changes for name in values}
        for name in counters:
            self._totals[name] = []
        for _, values in changes:
            for name in counters:
                running[name] = running.get(name, 0) + int(values.get(name, 0))
                self._totals[name].append(running[name])

    def at(self, counter: str, day: date) -> int:
        """The level at the end of ``day``."""
        index = bisect.bisect_right(self._days, day)
        totals = self._totals.get(counter)
        return 0 if index == 0 or totals is None else totals[index - 1]

    def change(self, counter: str, period: Period) -> int:
        """How much the level changed during the period (e.g. new registrations)."""
        return self.at(counter, period.end) - self.at(counter, period.start - timedelta(days=1))


class Series:
    """Values of one scope for a list of periods."""

    def __init__(
        self, docs: ScopeDocs, periods: Sequence[Period], granularity: Granularity
    ) -> None:
        self.docs = docs
        self.periods = list(periods)
        self.granularity = granularity
        self.levels = Levels(docs.levels)

    def _day(self, day: date) -> Document:
        month = self.docs.months.get(month_key(day), {})
        value: Document = month.get("d", {}).get(f"{day.day:02d}", {})
        return value

    def total(self, counter: str) -> list[int]:
        """A counter summed over each period's days."""
        return [
            sum(int(self._day(day).get(counter, 0)) for day in days_between(p.start, p.end))
            for p in self.periods
        ]

    def distinct(self, flag: str) -> list[int]:
        """A distinct count at the series' granularity."""
        values: list[int] = []
        for period in self.periods:
            if self.granularity == "day":
                values.append(int(self._day(period.start).get(flag, 0)))
            elif self.granularity == "week":
                month = self.docs.months.get(week_month(period.key), {})
                values.append(int(month.get("w", {}).get(period.key, {}).get(flag, 0)))
            else:
                month = self.docs.months.get(period.key, {})
                values.append(int(month.get("m", {}).get(flag, 0)))
        return values

    def weekly_at_end(self, flag: str) -> list[int]:
        """A weekly figure for each period: the ISO week holding the period's last day."""
        values: list[int] = []
        for period in self.periods:
            week = week_key(period.end)
            month = self.docs.months.get(week_month(week), {})
            values.append(int(month.get("w", {}).get(week, {}).get(flag, 0)))
        return values

    def level(self, counter: str, *, minus: str | None = None) -> list[int]:
        """A level at each period's end (``minus`` another one, e.g. departures)."""
        return [
            self.levels.at(counter, p.end) - (self.levels.at(minus, p.end) if minus else 0)
            for p in self.periods
        ]

    def level_change(self, counter: str) -> list[int]:
        """How much a level rose during each period."""
        return [self.levels.change(counter, p) for p in self.periods]

    def durations(self, name: str) -> list[list[int]]:
        """Each period's durations (seconds)."""
        return [
            [
                int(value)
                for day in days_between(p.start, p.end)
                for value in self._day(day).get(name, [])
            ]
            for p in self.periods
        ]


def median(values: Sequence[int]) -> float | None:
    """The median, or ``None`` without values."""
    return float(statistics.median(values)) if values else None


def ratio(numerator: int | float | None, denominator: int | float | None) -> float | None:
    """A rounded ratio, or ``None`` when it has no meaning."""
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 4)
