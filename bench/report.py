"""The plain-text table and the final JSON line of one run."""

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from bench.config import BenchConfig
from bench.cpu import CpuUsage
from bench.facts import MachineFacts
from bench.pipeline import LatencyResult, ThroughputResult, Verification
from bench.raw_kafka import KafkaResult
from bench.raw_mongo import MongoResult
from bench.stats import Distribution, finite_or_none

THROUGHPUT_GOAL = 0.5
P99_GOAL_MS = 100.0
WIDTH = 96


@dataclass(frozen=True)
class BenchResults:
    """Everything one run measured."""

    run_id: str
    mode: str
    config: BenchConfig
    facts: MachineFacts
    load_after: str
    endpoints_origin: str
    kafka_bootstrap: str
    mongo_url: str
    database_version: str
    kafka: KafkaResult
    mongo_rounds: Sequence[MongoResult]
    mongo_updates: MongoResult
    warm_up_seconds: float
    throughput_rounds: Sequence[ThroughputResult]
    latency: LatencyResult
    verification: Verification
    cpu: Mapping[str, CpuUsage]

    @property
    def mongo(self) -> MongoResult:
        """The median round of raw inserts (of an even number, the faster middle one)."""
        ranked = sorted(self.mongo_rounds, key=lambda result: result.per_second)
        return ranked[len(ranked) // 2]

    @property
    def throughput(self) -> ThroughputResult:
        """The median round of the pipeline (of an even number, the slower middle one)."""
        ranked = sorted(self.throughput_rounds, key=lambda result: result.events_per_second)
        return ranked[(len(ranked) - 1) // 2]

    @property
    def baseline(self) -> tuple[str, float]:
        """The slower of the two raw measurements the pipeline is built from."""
        return min(
            ("raw Kafka produce+consume", self.kafka.combined_rate),
            ("raw FerretDB insert_one", self.mongo.per_second),
            key=lambda item: item[1],
        )

    @property
    def throughput_ratio(self) -> float:
        """Our end-to-end throughput over the slower raw baseline."""
        return self.throughput.events_per_second / self.baseline[1]

    @property
    def writes_ceiling(self) -> float:
        """Events per second if each cost exactly its database writes, one after the other:
        the commit's insert, the published mark and the read-model update (two updates), at
        the raw rates measured in this run. The pipeline does better since its inserts and
        marks are shared among events (group commit, one ``update_many`` a relay round) and
        its projection applies streams side by side: the figure shows what those bought."""
        return 1 / (1 / self.mongo.per_second + 2 / self.mongo_updates.per_second)


def render(results: BenchResults) -> str:
    """The human-readable report."""
    facts, kafka, mongo = results.facts, results.kafka, results.mongo
    tp, lat = results.throughput, results.latency
    baseline_name, baseline_rate = results.baseline
    lines = [
        "=" * WIDTH,
        f"Agora event pipeline benchmark   run {results.run_id}   mode {results.mode}",
        "=" * WIDTH,
        f"CPU      {facts.cpu_model}, {facts.cores} cores "
        f"(this process may use {facts.usable_cores})",
        f"Memory   {facts.memory_gib} GiB    Python {facts.python}    "
        f"aiokafka {facts.aiokafka}    pymongo {facts.pymongo}",
        f"Servers  Kafka {results.kafka_bootstrap}    {results.database_version} "
        f"{results.mongo_url}",
        f"         ({results.endpoints_origin})",
        f"Load     {facts.load_average} before, {results.load_after} after (1/5/15 min averages)",
        "NOTE     the load generator, the relay and the projection runner (one Python process,",
        "         one event loop) and the Kafka and FerretDB servers all share these cores:",
        "         every figure is a whole-system figure on this machine, not a server's ceiling.",
        "",
        _row("measurement", "count", "seconds", "per second", "notes"),
        "-" * WIDTH,
        _row(
            f"raw Kafka produce ({kafka.message_bytes} B, acks=all, idempotent)",
            kafka.messages,
            kafka.produce_seconds,
            kafka.produce_rate,
            f"{kafka.partitions} partitions, all in flight",
        ),
        _row("raw Kafka consume", kafka.messages, kafka.consume_seconds, kafka.consume_rate, ""),
        _row(
            "raw Kafka produce+consume",
            kafka.messages,
            kafka.produce_seconds + kafka.consume_seconds,
            kafka.combined_rate,
            "N / (produce s + consume s)",
        ),
        _row(
            f"raw FerretDB insert_one ({mongo.concurrency} writers){_median_mark(results)}",
            mongo.operations,
            mongo.seconds,
            mongo.per_second,
            f"p50 {mongo.latency.p50:.1f} ms, p99 {mongo.latency.p99:.1f} ms",
        ),
        _row(
            f"raw FerretDB update_one by _id ({results.mongo_updates.concurrency} writers)",
            results.mongo_updates.operations,
            results.mongo_updates.seconds,
            results.mongo_updates.per_second,
            f"p50 {results.mongo_updates.latency.p50:.1f} ms, "
            f"p99 {results.mongo_updates.latency.p99:.1f} ms; the published mark",
        ),
        _row(
            f"ours: append→relay→Kafka→projection ({tp.concurrency} writers)"
            f"{_median_mark(results)}",
            tp.events,
            tp.seconds,
            tp.events_per_second,
            f"{tp.streams} streams, 1 event per append"
            + (
                f", writers stopped at {results.config.pipeline_max_seconds:g} s"
                if tp.events < results.config.pipeline_events
                else ""
            ),
        ),
        _row(
            "  of which: appends stored",
            tp.events,
            tp.appends_seconds,
            tp.appends_per_second,
            f"p50 {tp.append_latency.p50:.1f} ms, p99 {tp.append_latency.p99:.1f} ms",
        ),
        _row(
            "  of which: last event acknowledged by Kafka",
            tp.events,
            tp.acked_seconds,
            tp.events / tp.acked_seconds,
            "",
        ),
        _row(
            "  of which: last event applied (= ours)",
            tp.events,
            tp.seconds,
            tp.events_per_second,
            f"apply p50 {tp.apply_latency.p50:.1f} ms, p99 {tp.apply_latency.p99:.1f} ms",
        ),
        *_rounds_lines(results),
        "",
        f"Latency at a fixed arrival rate of {lat.target_rate:g} events/s for "
        f"{lat.seconds:.1f} s ({lat.events} events, open loop; from the scheduled append start;",
        f"the event store held {lat.store_commits_before} commits when it began)",
        _latency_header(),
        "-" * WIDTH,
        _latency_row("end to end: scheduled append → read model updated", lat.end_to_end),
        _latency_row("  append stored (store: version read + insert)", lat.append),
        _latency_row("  stored → Kafka ack (relay poll, send, ack)", lat.publish),
        _latency_row("  Kafka ack → applied (fetch, apply_once, commit)", lat.deliver_apply),
        f"  largest event-loop lag before an append started: {ms(lat.max_schedule_lag_ms)} ms;"
        f" appends retried after a ConcurrencyError: {lat.conflicts}",
        *(
            [
                f"  inf: {lat.unapplied} of {lat.events} events were not applied within "
                f"{lat.drain_seconds:g} s after the last scheduled append (the pipeline is "
                "saturated at this rate)"
            ]
            if lat.unapplied
            else []
        ),
        "",
        *cpu_lines(results.cpu),
        "",
        "Goals",
        f"  throughput: ours {tp.events_per_second:,.0f}/s ÷ {baseline_name} "
        f"{baseline_rate:,.0f}/s = {results.throughput_ratio:.2f}   "
        f"(goal ≥ {THROUGHPUT_GOAL}: {verdict(results.throughput_ratio >= THROUGHPUT_GOAL)})",
        f"              (1 insert + 2 updates an event, one at a time at this run's raw rates, "
        f"would allow {results.writes_ceiling:,.0f}/s = "
        f"{results.writes_ceiling / baseline_rate:.2f} of the baseline; the pipeline shares "
        f"inserts and marks among events and applies streams side by side)",
        f"  latency:    p99 end to end {ms(lat.end_to_end.p99)} ms   "
        f"(goal < {P99_GOAL_MS:g} ms: {verdict(lat.end_to_end.p99 < P99_GOAL_MS)})",
        f"  read model: {results.verification.posts_counted} posts counted for "
        f"{results.verification.applied_events} applied events, warm-up included "
        f"({'each applied exactly once' if results.verification.exact else 'MISMATCH'})",
        f"  (warm-up, consumer-group join included: {results.warm_up_seconds:.2f} s)",
    ]
    return "\n".join(lines)


def json_line(results: BenchResults) -> str:
    """One line of JSON with every figure, for scripts and for comparing runs."""
    kafka, mongo = results.kafka, results.mongo
    tp, lat = results.throughput, results.latency
    payload: dict[str, Any] = {
        "bench": "agora-pipeline",
        "run_id": results.run_id,
        "mode": results.mode,
        "config": asdict(results.config),
        "machine": {**results.facts.as_dict(), "load_average_after": results.load_after},
        "servers": {
            "origin": results.endpoints_origin,
            "kafka": results.kafka_bootstrap,
            "database": results.database_version,
        },
        "raw_kafka": {
            "messages": kafka.messages,
            "message_bytes": kafka.message_bytes,
            "produce_per_s": round(kafka.produce_rate, 1),
            "consume_per_s": round(kafka.consume_rate, 1),
            "combined_per_s": round(kafka.combined_rate, 1),
        },
        "raw_ferretdb": {
            "inserts": mongo.operations,
            "concurrency": mongo.concurrency,
            "inserts_per_s": round(mongo.per_second, 1),
            "latency": mongo.latency.as_dict(),
        },
        "raw_ferretdb_updates": {
            "updates": results.mongo_updates.operations,
            "concurrency": results.mongo_updates.concurrency,
            "updates_per_s": round(results.mongo_updates.per_second, 1),
            "latency": results.mongo_updates.latency.as_dict(),
        },
        "writes_ceiling_per_s": round(results.writes_ceiling, 1),
        "rounds": {
            "raw_ferretdb_inserts_per_s": [
                round(result.per_second, 1) for result in results.mongo_rounds
            ],
            "pipeline_events_per_s": [
                round(result.events_per_second, 1) for result in results.throughput_rounds
            ],
        },
        "pipeline_throughput": {
            "events": tp.events,
            "concurrency": tp.concurrency,
            "streams": tp.streams,
            "store_commits_before": tp.store_commits_before,
            "events_per_s": round(tp.events_per_second, 1),
            "appends_per_s": round(tp.appends_per_second, 1),
            "seconds": round(tp.seconds, 3),
            "appends_seconds": round(tp.appends_seconds, 3),
            "acked_seconds": round(tp.acked_seconds, 3),
            "append_latency": tp.append_latency.as_dict(),
            "apply_latency": tp.apply_latency.as_dict(),
        },
        "pipeline_latency": {
            "target_rate_per_s": lat.target_rate,
            "events": lat.events,
            "applied": lat.applied,
            "unapplied_within_drain": lat.unapplied,
            "drain_seconds": lat.drain_seconds,
            "store_commits_before": lat.store_commits_before,
            "end_to_end": lat.end_to_end.as_dict(),
            "append": lat.append.as_dict(),
            "publish": lat.publish.as_dict(),
            "deliver_apply": lat.deliver_apply.as_dict(),
            "max_schedule_lag_ms": finite_or_none(lat.max_schedule_lag_ms),
            "conflicts_retried": lat.conflicts,
        },
        "baseline": {"name": results.baseline[0], "per_s": round(results.baseline[1], 1)},
        "throughput_ratio": round(results.throughput_ratio, 3),
        "throughput_goal_met": results.throughput_ratio >= THROUGHPUT_GOAL,
        "p99_ms": finite_or_none(lat.end_to_end.p99),
        "p99_goal_met": lat.end_to_end.p99 < P99_GOAL_MS,
        "read_model_verified": results.verification.exact,
        "cpu_core_share": {
            phase: {name: round(share, 2) for name, share in usage.shares().items()}
            for phase, usage in results.cpu.items()
        },
    }
    return json.dumps(payload, separators=(",", ":"))


def _median_mark(results: BenchResults) -> str:
    return ", median round" if len(results.throughput_rounds) > 1 else ""


def _rounds_lines(results: BenchResults) -> list[str]:
    """Each round's rates, in the order they ran (raw inserts, then the pipeline, each round)."""
    if len(results.throughput_rounds) < 2:
        return []
    raw = ", ".join(f"{result.per_second:,.0f}" for result in results.mongo_rounds)
    ours = ", ".join(f"{result.events_per_second:,.0f}" for result in results.throughput_rounds)
    return [
        f"  rounds, alternating (per second): raw FerretDB insert_one {raw}; ours {ours}",
        "  (every round stores into the same collections, which grow round after round)",
    ]


def _row(name: str, count: object, seconds: object, per_second: object, notes: str) -> str:
    if isinstance(seconds, float):
        seconds = f"{seconds:.2f}"
    if isinstance(per_second, float):
        per_second = f"{per_second:,.0f}"
    return f"{name:<54} {count!s:>7} {seconds!s:>8} {per_second!s:>11}  {notes}"


def _latency_header() -> str:
    return f"{'(milliseconds)':<54} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}"


def _latency_row(name: str, values: Distribution) -> str:
    cells = " ".join(
        f"{ms(value):>8}" for value in (values.p50, values.p95, values.p99, values.max)
    )
    return f"{name:<54} {cells}"


def ms(value: float) -> str:
    return f"{value:.1f}" if math.isfinite(value) else "inf"


def cpu_lines(phases: Mapping[str, CpuUsage]) -> list[str]:
    names = sorted({name for usage in phases.values() for name in usage.cpu_seconds})
    if not names:
        return ["CPU per process: not measurable here (servers not local, or no /proc)"]
    header = " ".join(f"{name:>9}" for name in names)
    lines = [
        "CPU used during each phase, in cores (1.00 = one core busy for the whole phase;"
        " the machine has 2)",
        f"{'phase':<30} {'seconds':>8} {header}",
        "-" * WIDTH,
    ]
    for phase, usage in phases.items():
        shares = usage.shares()
        cells = " ".join(
            f"{shares[name]:>9.2f}" if name in shares else f"{'-':>9}" for name in names
        )
        lines.append(f"{phase:<30} {usage.wall_seconds:>8.2f} {cells}")
    return lines


def verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"
