"""Sizes of one gateway benchmark run (the full run, a quick smoke run) and the goals."""

from dataclasses import dataclass


@dataclass(frozen=True)
class GatewayBenchConfig:
    """How big the organisation is and how the two sides are measured."""

    seed: int
    """Seeds the organisation, its posts and the load, so two runs do the same work."""
    people: int
    community_members: int
    """Members of the one open community (the first people), below the feed's fan-out
    threshold, so its posts are written to every member's home timeline."""
    follows_per_person: int
    posts: int
    """Posts imported through the feed's ``POST /imports/posts`` before measuring."""
    import_concurrency: int
    concurrency: int
    """Requests in flight (closed loop) in the throughput measurement, on both sides."""
    rounds: int
    """Measured rounds per side and operation; the sides alternate, A B B A A B..."""
    round_seconds: float
    warm_up_seconds: float
    """Per side and operation, before the first measured round; never counted."""
    latency_concurrency: int
    """Requests in flight in the unloaded-latency measurement (one: no queueing at all)."""
    latency_rounds: int
    latency_round_seconds: float
    steady_share: float
    """The steady-rate measurement sends this share of the direct side's throughput at
    ``concurrency`` (measured just before), on both sides: busy, not saturated."""
    steady_rounds: int
    steady_round_seconds: float
    page_size: int
    stall_seconds: float
    """Give up waiting for the feed's projection when it has not moved for this long."""


FULL = GatewayBenchConfig(
    seed=20261124,
    people=200,
    community_members=60,
    follows_per_person=10,
    posts=300,
    import_concurrency=8,
    concurrency=8,
    rounds=6,
    round_seconds=5.0,
    warm_up_seconds=3.0,
    latency_concurrency=1,
    latency_rounds=4,
    latency_round_seconds=3.0,
    steady_share=0.5,
    steady_rounds=4,
    steady_round_seconds=4.0,
    page_size=30,
    stall_seconds=120.0,
)

QUICK = GatewayBenchConfig(
    seed=20261124,
    people=40,
    community_members=15,
    follows_per_person=5,
    posts=60,
    import_concurrency=8,
    concurrency=4,
    rounds=2,
    round_seconds=1.5,
    warm_up_seconds=0.5,
    latency_concurrency=1,
    latency_rounds=2,
    latency_round_seconds=1.0,
    steady_share=0.5,
    steady_rounds=2,
    steady_round_seconds=1.0,
    page_size=30,
    stall_seconds=60.0,
)

THROUGHPUT_RATIO_GOAL = 0.8
"""The gateway may cost at most 20 % of the throughput (issue #5)."""
P50_ADDED_GOAL_MS = 3.0
"""...and at most 3 ms at p50: one request at a time, and at a steady rate (see
``GatewayBenchResults.p50_goal_met``)."""
