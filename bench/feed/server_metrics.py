"""Server-side latency from the service's Prometheus histogram (``/metrics``).

The service times every request in ``http_request_duration_seconds`` (servicekit's default
buckets: 5, 10, 25, 50, 75, 100, 250 ms...). Two scrapes around a phase give that phase's
histogram; a percentile is interpolated linearly inside the bucket it falls in, so it is an
estimate whose precision is the bucket's width.
"""

import math
from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

HISTOGRAM = "http_request_duration_seconds"
Buckets = dict[float, float]
"""Cumulative counts by upper bound in seconds (``inf`` included)."""


async def scrape(client: httpx.AsyncClient, *, route: str, method: str = "GET") -> Buckets:
    """The cumulative buckets of successful requests to ``route`` so far."""
    response = await client.get("/metrics")
    response.raise_for_status()
    buckets: Buckets = {}
    for family in text_string_to_metric_families(response.text):
        if family.name != HISTOGRAM:
            continue
        for sample in family.samples:
            labels = sample.labels
            if (
                sample.name == f"{HISTOGRAM}_bucket"
                and labels.get("route") == route
                and labels.get("method") == method
                and labels.get("status") == "200"
            ):
                bound = float(labels["le"])
                buckets[bound] = buckets.get(bound, 0.0) + sample.value
    return buckets


@dataclass(frozen=True)
class ServerLatency:
    """Estimated percentiles, in milliseconds, of the requests between two scrapes."""

    count: int
    p50: float
    p95: float
    p99: float

    def as_dict(self) -> dict[str, float | None]:
        """For the JSON line (``None``: beyond the largest finite bucket)."""
        return {
            "count": self.count,
            "p50_ms": _finite(self.p50),
            "p95_ms": _finite(self.p95),
            "p99_ms": _finite(self.p99),
        }


def _finite(value: float) -> float | None:
    return round(value, 1) if math.isfinite(value) else None


def server_latency(before: Buckets, after: Buckets) -> ServerLatency | None:
    """The percentiles of the requests counted between the two scrapes (``None``: none)."""
    bounds = sorted(after)
    counts = [after[bound] - before.get(bound, 0.0) for bound in bounds]
    total = counts[-1] if counts else 0.0
    if total <= 0:
        return None

    def quantile(fraction: float) -> float:
        rank = fraction * total
        lower_bound, lower_count = 0.0, 0.0
        for bound, count in zip(bounds, counts, strict=True):
            if count >= rank:
                if math.isinf(bound):
                    return math.inf
                share = (rank - lower_count) / (count - lower_count) if count > lower_count else 1
                return (lower_bound + share * (bound - lower_bound)) * 1000.0
            lower_bound, lower_count = bound, count
        return math.inf

    return ServerLatency(
        count=round(total), p50=quantile(0.50), p95=quantile(0.95), p99=quantile(0.99)
    )
