"""Sizes of one benchmark run: a quick smoke run and the default full run."""

from dataclasses import dataclass


@dataclass(frozen=True)
class BenchConfig:
    """How much work each part of the benchmark does."""

    kafka_messages: int
    """Messages produced and consumed back by the raw Kafka measurement."""
    mongo_inserts: int
    """Documents inserted by the raw FerretDB measurement."""
    pipeline_events: int
    """Events appended (one per append) by the pipeline throughput measurement, at most."""
    pipeline_max_seconds: float
    """The writers stop early after this long, so a slow pipeline cannot stretch the run."""
    concurrency: int
    """Concurrent writers, for raw inserts and for appends alike."""
    rounds: int
    """Alternating rounds of raw inserts and pipeline throughput; the goal compares the
    median round of each, so a disturbance of one short phase does not decide it."""
    streams: int
    """Distinct streams the throughput phase spreads its events over."""
    latency_rate: float
    """Events per second in the fixed-arrival-rate latency measurement."""
    latency_seconds: float
    """How long the latency measurement schedules events."""
    latency_streams: int
    """Distinct streams the latency phase cycles through."""
    latency_drain_seconds: float
    """How long after the last scheduled append the latency phase waits for stragglers;
    events still unapplied then count as slower than any percentile they fall into."""
    partitions: int
    """Partitions of every topic the benchmark creates."""
    message_bytes: int
    """Approximate size of one event (the CloudEvents JSON on Kafka and in the store)."""
    stall_seconds: float
    """Give up on a phase when nothing has progressed for this long (a hung server)."""

    @property
    def latency_events(self) -> int:
        """How many events the latency phase schedules."""
        return round(self.latency_rate * self.latency_seconds)


FULL = BenchConfig(
    kafka_messages=50_000,
    mongo_inserts=3_000,
    pipeline_events=3_000,
    pipeline_max_seconds=30.0,
    concurrency=8,
    rounds=3,
    streams=400,
    latency_rate=100.0,
    latency_seconds=10.0,
    latency_streams=100,
    latency_drain_seconds=30.0,
    partitions=6,
    message_bytes=600,
    stall_seconds=60.0,
)

QUICK = BenchConfig(
    kafka_messages=5_000,
    mongo_inserts=500,
    pipeline_events=300,
    pipeline_max_seconds=5.0,
    concurrency=8,
    rounds=1,
    streams=100,
    latency_rate=100.0,
    latency_seconds=2.0,
    latency_streams=50,
    latency_drain_seconds=8.0,
    partitions=6,
    message_bytes=600,
    stall_seconds=30.0,
)
