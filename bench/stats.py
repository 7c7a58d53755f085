"""Percentiles and rates, kept free of I/O so they are easy to check by hand."""

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Distribution:
    """Latency percentiles in milliseconds (nearest-rank)."""

    count: int
    p50: float
    p95: float
    p99: float
    max: float

    def as_dict(self) -> dict[str, float | None]:
        """The percentiles for the JSON line, rounded to 0.1 ms (``None``: never finished)."""
        return {
            "count": self.count,
            "p50_ms": finite_or_none(self.p50),
            "p95_ms": finite_or_none(self.p95),
            "p99_ms": finite_or_none(self.p99),
            "max_ms": finite_or_none(self.max),
        }


def finite_or_none(value: float) -> float | None:
    """A value for JSON: rounded to 0.1, or ``None`` for infinity (JSON has no infinity)."""
    return round(value, 1) if math.isfinite(value) else None


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values (``fraction`` in 0..1)."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def distribution(seconds: Sequence[float]) -> Distribution:
    """Percentiles of durations given in seconds, reported in milliseconds.

    An infinite duration stands for work that never finished; it sorts last, so percentiles
    that fall on it are infinite too instead of quietly dropping the slowest events.
    """
    values = sorted(value * 1000.0 for value in seconds)
    return Distribution(
        count=len(values),
        p50=percentile(values, 0.50),
        p95=percentile(values, 0.95),
        p99=percentile(values, 0.99),
        max=values[-1],
    )


def rate(count: int, seconds: float) -> float:
    """Items per second; infinite for a zero duration is never useful, so it raises."""
    if seconds <= 0:
        raise ValueError(f"a rate needs a positive duration, got {seconds}")
    return count / seconds


def serial_rate(*rates: float) -> float:
    """The rate of doing each stage one after the other for every item (harmonic sum)."""
    return 1.0 / sum(1.0 / value for value in rates)
