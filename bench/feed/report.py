"""The plain-text report and the final JSON line of one feed benchmark run."""

import json
import math
import statistics
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from bench.cpu import CpuUsage
from bench.facts import MachineFacts
from bench.feed.config import (
    DELIVERY_GOAL_RATE,
    DELIVERY_P50_GOAL_MS,
    DELIVERY_P99_GOAL_MS,
    ISSUE_POSTS,
    READ_P99_GOAL_MS,
    READS_PER_SECOND_GOAL,
    FeedBenchConfig,
)
from bench.feed.delivery import DeliveryResult
from bench.feed.organisation import Organisation
from bench.feed.phases import MainResults
from bench.feed.reads import ReadResult
from bench.feed.server_metrics import ServerLatency
from bench.report import cpu_lines, ms, verdict
from bench.stats import Distribution

WIDTH = 100


@dataclass(frozen=True)
class OrganisationSummary:
    """The generated organisation in a few numbers."""

    people: int
    follows: int
    followers_median: float
    followers_max: int
    communities: int
    size_median: float
    size_p90: int
    size_max: int
    memberships: int
    visibility: dict[str, int]
    above_threshold: int

    @classmethod
    def of(cls, organisation: Organisation, threshold: int) -> "OrganisationSummary":
        """Summarise ``organisation`` (``threshold``: the main configuration's)."""
        followers = [len(value) for value in organisation.followers.values()]
        sizes = sorted(community.size for community in organisation.communities)
        return cls(
            people=len(organisation.people),
            follows=organisation.follow_count,
            followers_median=statistics.median(followers),
            followers_max=max(followers),
            communities=len(sizes),
            size_median=statistics.median(sizes),
            size_p90=sizes[min(len(sizes) - 1, math.ceil(0.9 * len(sizes)) - 1)],
            size_max=sizes[-1],
            memberships=organisation.membership_count,
            visibility=dict(Counter(c.visibility for c in organisation.communities)),
            above_threshold=sum(1 for size in sizes if size > threshold),
        )


@dataclass(frozen=True)
class FeedBenchResults:
    """Everything one run measured."""

    run_id: str
    mode: str
    config: FeedBenchConfig
    facts: MachineFacts
    load_after: str
    pinning: str
    endpoints_origin: str
    kafka_bootstrap: str
    mongo_url: str
    database_version: str
    organisation: OrganisationSummary
    on_read_threshold: int
    on_write_threshold: int
    main: MainResults
    large_on_write: DeliveryResult
    cpu: Mapping[str, CpuUsage]
    total_seconds: float

    @property
    def delivery_goal_met(self) -> bool:
        """p50 and p99 of the fan-out at the goal's rate (a lower rate cannot meet it)."""
        done = self.main.delivery.done
        return (
            self.main.delivery.rate >= DELIVERY_GOAL_RATE
            and done.p50 <= DELIVERY_P50_GOAL_MS
            and done.p99 <= DELIVERY_P99_GOAL_MS
        )

    @property
    def read_latency_goal_met(self) -> bool:
        """Home page p99 at the service, measured by the client (HTTP included)."""
        return self.main.reads.latency.p99 <= READ_P99_GOAL_MS

    @property
    def read_rate_goal_met(self) -> bool:
        """Reads per second with four client workers."""
        return self.main.reads.per_second >= READS_PER_SECOND_GOAL


def render(results: FeedBenchResults) -> str:
    """The human-readable report."""
    facts, main, org = results.facts, results.main, results.organisation
    lines = [
        "=" * WIDTH,
        f"Agora feed benchmark   run {results.run_id}   mode {results.mode}   "
        f"({results.total_seconds / 60:.1f} minutes)",
        "=" * WIDTH,
        f"CPU      {facts.cpu_model}, {facts.cores} cores",
        f"Pinning  {results.pinning}",
        f"Memory   {facts.memory_gib} GiB    Python {facts.python}    "
        f"aiokafka {facts.aiokafka}    pymongo {facts.pymongo}",
        f"Servers  Kafka {results.kafka_bootstrap}    {results.database_version} "
        f"{results.mongo_url}",
        f"         ({results.endpoints_origin})",
        f"Load     {facts.load_average} before, {results.load_after} after (1/5/15 min averages)",
        "NOTE     the feed service (uvicorn, outbox relay and projection in one process), the",
        "         load generator, Kafka and FerretDB share these cores: every figure is a",
        "         whole-system figure on this machine.",
        "",
        *_organisation_lines(org, results),
        "",
        *_loading_lines(results),
        "",
        *_delivery_lines(results),
        "",
        *_read_lines(main),
        "",
        *cpu_lines(results.cpu),
        "",
        *_goal_lines(results),
    ]
    return "\n".join(lines)


def _organisation_lines(org: OrganisationSummary, results: FeedBenchResults) -> list[str]:
    visibility = ", ".join(f"{count} {name}" for name, count in sorted(org.visibility.items()))
    return [
        f"Organisation (seed {results.config.seed}): {org.people:,} people following "
        f"{org.follows:,} times (followers: median {org.followers_median:g}, "
        f"max {org.followers_max:,});",
        f"  {org.communities:,} communities ({visibility}; members: median "
        f"{org.size_median:g}, p90 {org.size_p90:,}, max {org.size_max:,}; "
        f"{org.above_threshold} above {results.on_read_threshold}), "
        f"{org.memberships:,} memberships",
    ]


def _loading_lines(results: FeedBenchResults) -> list[str]:
    facts, preload = results.main.facts, results.main.preload
    hours = preload.estimate_seconds(ISSUE_POSTS) / 3600
    stop = (
        f", sending stopped to end within {results.config.preload_max_seconds:g} s"
        if preload.stopped_on_time
        else ""
    )
    return [
        _row("loading (sent to the topics → applied by the projection)", "count", "seconds", "/s"),
        "-" * WIDTH,
        _row(
            "facts: profiles, cards, communities events",
            f"{facts.events:,}",
            f"{facts.seconds:.1f}",
            f"{facts.per_second:,.0f}",
            f"sent in {facts.send_seconds:.1f} s",
        ),
        _row(
            "preloaded posts (PostPublished on the feed topic)",
            f"{preload.posts:,}",
            f"{preload.seconds:.1f}",
            f"{preload.per_second:,.1f}",
            f"fan-out included{stop}",
        ),
        f"  timeline entries written per post: {preload.entries_per_post:.1f} "
        f"({preload.home_entries_per_post:.1f} in home timelines); "
        f"{preload.timeline_entries:,} entries in {preload.timeline_documents:,} documents "
        f"(counted in {preload.count_seconds:.1f} s)",
        f"  the issue's {ISSUE_POSTS:,} posts at this rate: about {hours:,.1f} hours of "
        f"projection on this machine, so the run preloads {preload.posts:,}"
        + (" (infeasible here)" if hours > 1 else ""),
    ]


def _delivery_lines(results: FeedBenchResults) -> list[str]:
    main = results.main
    lines = [
        "Delivery: POST /posts at a fixed arrival rate (open loop), from the scheduled send "
        "(milliseconds)",
        _latency_header("", "p50", "p95", "p99", "max"),
        "-" * WIDTH,
    ]
    for result in (
        main.delivery_sustainable,
        main.delivery,
        main.large_on_read,
        results.large_on_write,
    ):
        lines += _delivery_block(result)
    lines += [
        "  visible: the post's entry is in the sampled follower's or member's home timeline (for a",
        "  community above the threshold: the community's, which home reads merge); fan-out done:",
        "  the post's delivery record, written after every home and timeline got it. Checked",
        f"  by _id every {results.config.poll_interval * 1000:g} ms per pending post (5 % of its "
        "age once longer), so",
        "  figures are late by up to that interval; the checks due together go out as one query",
        f"  per kind ({main.delivery.polls:,} queries at the goal rate).",
        f"  largest community ({results.organisation.size_max:,} members): fanned out on read, "
        "a post goes to the",
        "  community's timeline and members' home reads merge it; fanned out on write, it is",
        "  copied into every member's home timeline before the fan-out is done.",
    ]
    return lines


def _delivery_block(result: DeliveryResult) -> list[str]:
    header = (
        f"{result.label}: {result.posts} posts at {result.rate:g}/s, "
        f"large_community_members={result.threshold}"
    )
    if result.community_posts:
        header += (
            f", {result.community_posts} to communities "
            f"(mean {result.mean_community_size:,.0f} members)"
        )
    lines = [
        header,
        _latency_row("  scheduled → 201 Created", result.posted),
        _latency_row("  scheduled → visible to a sampled reader", result.visible),
        _latency_row("  scheduled → fan-out done", result.done),
    ]
    lines.append(
        f"  largest delay of a send behind its schedule (load generator lag): "
        f"{result.max_schedule_lag_ms:,.0f} ms"
    )
    if result.failed or result.undelivered:
        errors = f" ({', '.join(result.transport_errors)})" if result.transport_errors else ""
        lines.append(
            f"  {result.failed} refused or unanswered{errors}, {result.undelivered} not "
            "delivered within the drain time (inf: the service is saturated at this rate)"
        )
    return lines


def _read_lines(main: MainResults) -> list[str]:
    return read_lines(main.reads, main.server, main.raw, main.naive)


def read_lines(
    reads: ReadResult, server: ServerLatency | None, raw: ReadResult, naive: ReadResult
) -> list[str]:
    """The home-read figures: ours through HTTP, server side, and the raw baselines."""
    lines = [
        f"Home timeline reads, {reads.workers} workers (asyncio tasks in the bench process), "
        f"{reads.items_per_page:.1f} posts a page on average",
        _latency_header("(latency in milliseconds)", "reads/s", "p50", "p95", "p99"),
        "-" * WIDTH,
        _read_row("ours: GET /me/timeline (client side, HTTP)", reads),
    ]
    for name, values in reads.groups.items():
        lines.append(
            f"{f'    readers: {name} ({values.count:,} reads)':<58} {'':>9} "
            f"{ms(values.p50):>9} {ms(values.p95):>9} {ms(values.p99):>9}"
        )
    if server is not None:
        lines.append(
            f"{'ours: the same, server side (Prometheus histogram)':<58} {'':>9} "
            f"{ms(server.p50):>9} {ms(server.p95):>9} {ms(server.p99):>9}  (interpolated)"
        )
    lines += [
        _read_row("raw: timeline entries by _id range + 30 posts by _id", raw),
        _read_row("raw: naive query (posts $in places/authors, sort)", naive),
        f"  ours ÷ raw precomputed: reads/s {_ratio(reads.per_second, raw.per_second)}, "
        f"p50 {_ratio(reads.latency.p50, raw.latency.p50)}, "
        f"p99 {_ratio(reads.latency.p99, raw.latency.p99)}",
        f"  ours ÷ raw naive:       reads/s {_ratio(reads.per_second, naive.per_second)}, "
        f"p50 {_ratio(reads.latency.p50, naive.latency.p50)}, "
        f"p99 {_ratio(reads.latency.p99, naive.latency.p99)}",
    ]
    if reads.errors or raw.errors or naive.errors:
        lines.append(f"  errors: ours {reads.errors}, raw {raw.errors}, naive {naive.errors}")
    return lines


def _goal_lines(results: FeedBenchResults) -> list[str]:
    main = results.main
    done, reads = main.delivery.done, main.reads
    rate_note = (
        ""
        if main.delivery.rate >= DELIVERY_GOAL_RATE
        else f" (measured at {main.delivery.rate:g}/s, below the goal's rate)"
    )
    return [
        "Goals (issue #4)",
        f"  delivery at {DELIVERY_GOAL_RATE:g} posts/s: fan-out done p50 {ms(done.p50)} ms "
        f"(≤ {DELIVERY_P50_GOAL_MS:g}), p99 {ms(done.p99)} ms (≤ {DELIVERY_P99_GOAL_MS:g})"
        f"{rate_note}: {verdict(results.delivery_goal_met)}",
        f"  home page of {results.config.page_size}: p99 {ms(reads.latency.p99)} ms at the "
        f"client (≤ {READ_P99_GOAL_MS:g}): {verdict(results.read_latency_goal_met)}",
        f"  timeline reads: {reads.per_second:,.0f}/s with {reads.workers} client workers "
        f"(≥ {READS_PER_SECOND_GOAL:,.0f}): {verdict(results.read_rate_goal_met)}",
    ]


def json_line(results: FeedBenchResults) -> str:
    """One line of JSON with every figure, for scripts and for comparing runs."""
    main = results.main
    payload: dict[str, Any] = {
        "bench": "agora-feed",
        "run_id": results.run_id,
        "mode": results.mode,
        "config": asdict(results.config),
        "machine": {**results.facts.as_dict(), "load_average_after": results.load_after},
        "pinning": results.pinning,
        "servers": {
            "origin": results.endpoints_origin,
            "kafka": results.kafka_bootstrap,
            "database": results.database_version,
        },
        "organisation": asdict(results.organisation),
        "large_community_members": {
            "on_read": results.on_read_threshold,
            "on_write": results.on_write_threshold,
        },
        "facts": main.facts.as_dict(),
        "preload": {
            **main.preload.as_dict(),
            "estimate_hours_for_issue_posts": round(
                main.preload.estimate_seconds(ISSUE_POSTS) / 3600, 2
            ),
        },
        "delivery_sustainable": main.delivery_sustainable.as_dict(),
        "delivery": main.delivery.as_dict(),
        "largest_community_on_read": main.large_on_read.as_dict(),
        "largest_community_on_write": results.large_on_write.as_dict(),
        "reads": {
            "ours": main.reads.as_dict(),
            "ours_server": main.server.as_dict() if main.server else None,
            "raw": main.raw.as_dict(),
            "naive": main.naive.as_dict(),
            "ratio_reads_per_s_ours_to_raw": _ratio_value(
                main.reads.per_second, main.raw.per_second
            ),
            "ratio_p99_ours_to_raw": _ratio_value(main.reads.latency.p99, main.raw.latency.p99),
        },
        "goals": {
            "delivery_met": results.delivery_goal_met,
            "read_p99_met": results.read_latency_goal_met,
            "reads_per_s_met": results.read_rate_goal_met,
        },
        "cpu_core_share": {
            phase: {name: round(share, 2) for name, share in usage.shares().items()}
            for phase, usage in results.cpu.items()
        },
        "total_seconds": round(results.total_seconds, 1),
    }
    return json.dumps(payload, separators=(",", ":"))


def _row(name: str, count: str, seconds: str, per_second: str, notes: str = "") -> str:
    return f"{name:<58} {count:>9} {seconds:>9} {per_second:>9}  {notes}"


def _latency_header(name: str, *columns: str) -> str:
    return f"{name:<58} " + " ".join(f"{column:>9}" for column in columns)


def _latency_row(name: str, values: Distribution) -> str:
    cells = (values.p50, values.p95, values.p99, values.max)
    return f"{name:<58} " + " ".join(f"{ms(value):>9}" for value in cells)


def _read_row(name: str, result: ReadResult) -> str:
    latency = result.latency
    return (
        f"{name:<58} {result.per_second:>9,.0f} {ms(latency.p50):>9} {ms(latency.p95):>9} "
        f"{ms(latency.p99):>9}"
    )


def _ratio_value(ours: float, baseline: float) -> float | None:
    if baseline <= 0 or not math.isfinite(ours) or not math.isfinite(baseline):
        return None
    return round(ours / baseline, 3)


def _ratio(ours: float, baseline: float) -> str:
    value = _ratio_value(ours, baseline)
    return "n/a" if value is None else f"{value:.2f}"
