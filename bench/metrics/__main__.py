"""``python -m bench.metrics``: the metrics projection against raw consumption, and dashboards.

One run generates a year of an organisation's events straight onto fresh topics, then, on the
same broker and database: reads them with a bare consumer (and with envelope decoding), projects
them with the service's own pipeline into a fresh read model, and times dashboard queries
through the API. See bench/README.md ("Metrics") for how to read the figures.
"""

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Sequence
from typing import Any

from pymongo import AsyncMongoClient

from agora.eventsourcing import ProjectionCatalog
from agora.eventsourcing.kafka import create_producer
from agora.eventsourcing.topics import dead_letter_topic_name, ensure_topics
from agora.metrics.app import consumed_topics
from agora.metrics.pipeline import BUCKETS, CONTROL, ENTITIES
from agora.metrics.settings import MetricsSettings
from bench.cpu import CpuMeter
from bench.facts import machine_facts
from bench.infra import bench_endpoints, drop_run
from bench.metrics.config import FULL, QUICK, MetricsBenchConfig
from bench.metrics.measure import (
    collection_sizes,
    dashboard_queries,
    projection,
    raw_consumption,
)
from bench.metrics.world import Topics, Year, publish

_STARTED = time.perf_counter()
GOAL_RATIO = 0.5
GOAL_P99_MS = 100.0


def progress(message: str) -> None:
    """A progress line on stderr, so stdout holds only the report and the JSON line."""
    print(
        f"[bench.metrics {time.perf_counter() - _STARTED:6.1f} s] {message}",
        file=sys.stderr,
        flush=True,
    )


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.metrics",
        description="Measure the metrics projection against raw consumption, and dashboards.",
    )
    parser.add_argument("--quick", action="store_true", help="a small organisation: a smoke run")
    parser.add_argument("--people", type=int, help="people in the organisation (10,000)")
    parser.add_argument("--queries", type=int, help="timed runs of each dashboard query (200)")
    parser.add_argument("--seed", type=int, help="seed of the generated year")
    parser.add_argument("--pin-cpu", type=int, metavar="CPU", help="pin this process to one CPU")
    return parser.parse_args(argv)


def configure(arguments: argparse.Namespace) -> MetricsBenchConfig:
    """The sizes of this run."""
    config = QUICK if arguments.quick else FULL
    overrides = {
        name: value
        for name, value in (
            ("people", arguments.people),
            ("queries", arguments.queries),
            ("seed", arguments.seed),
        )
        if value is not None
    }
    return dataclasses.replace(config, **overrides)


async def run(config: MetricsBenchConfig) -> dict[str, Any]:
    """Generate, consume raw, project, query; returns every figure."""
    run_id = uuid.uuid4().hex[:10]
    with bench_endpoints() as endpoints:
        settings = MetricsSettings(
            kafka_bootstrap_servers=endpoints.kafka_bootstrap,
            mongo_url=endpoints.mongo_url,
            mongo_database=f"bench_metrics_{run_id}",
            profiles_topic=f"agora.benchm{run_id}.profiles.events",
            profile_cards_topic=f"agora.benchm{run_id}.profiles.cards",
            communities_topic=f"agora.benchm{run_id}.communities.events",
            feed_topic=f"agora.benchm{run_id}.feed.events",
            gateway_topic=f"agora.benchm{run_id}.gateway.events",
            projection_name=f"bench_metrics_{run_id}",
            auth_issuer="https://bench.invalid",
            auth_public_key_pem="unused",
        )
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            endpoints.mongo_url, tz_aware=True
        )
        topics = [*settings.topics, dead_letter_topic_name(settings.projection_name)]
        meter = CpuMeter({"kafka": endpoints.kafka_bootstrap, "ferretdb": endpoints.mongo_url})
        try:
            return await _measure(config, settings, client, meter, origin=endpoints.origin)
        finally:
            await drop_run(
                endpoints=endpoints,
                database=settings.mongo_database,
                topics=topics,
                client=client,
            )
            await client.close()


async def _measure(
    config: MetricsBenchConfig,
    settings: MetricsSettings,
    client: AsyncMongoClient[dict[str, Any]],
    meter: CpuMeter,
    *,
    origin: str,
) -> dict[str, Any]:
    await ensure_topics(
        bootstrap_servers=settings.kafka_bootstrap_servers, topics=consumed_topics(settings)
    )
    year = Year(
        config,
        Topics(
            profiles=settings.profiles_topic,
            cards=settings.profile_cards_topic,
            communities=settings.communities_topic,
            feed=settings.feed_topic,
            gateway=settings.gateway_topic,
        ),
    )
    producer = create_producer(
        bootstrap_servers=settings.kafka_bootstrap_servers, client_id="bench-metrics-world"
    )
    progress(f"generating and sending a year of events ({config.label})")
    await producer.start()
    try:
        started = time.perf_counter()
        sizes = await publish(producer, year)
        send_seconds = time.perf_counter() - started
    finally:
        await producer.stop()
    progress(f"sent {sizes.total_events:,} events in {send_seconds:.1f} s; raw consumption")
    with meter.phase("raw"):
        raw = await raw_consumption(settings, parse=False)
    with meter.phase("raw_parse"):
        parsed = await raw_consumption(settings, parse=True)
    progress(f"raw {raw.rate:,.0f}/s, with decoding {parsed.rate:,.0f}/s; projecting")
    database = client[settings.mongo_database]
    with meter.phase("projection"):
        projected, flushes = await projection(settings, database)
    progress(f"projected {projected.rate:,.0f} events/s in {flushes} flushes; querying")
    some_community = next(c for c, visibility, _ in year.communities if visibility == "open")
    year_range = {"from": f"{config.year}-01-01", "to": f"{config.year}-12-31"}
    queries = [
        ("organisation, a year by day", "/org/activity", {**year_range, "granularity": "day"}),
        ("organisation, a year by week", "/org/activity", {**year_range, "granularity": "week"}),
        (
            "engagement profiles, a year by week",
            "/org/engagement",
            {**year_range, "granularity": "week"},
        ),
        ("adoption, a year by month", "/org/adoption", {**year_range, "granularity": "month"}),
        (
            "by department, a year by month",
            "/org/activity",
            {**year_range, "granularity": "month", "group_by": "department"},
        ),
        (
            "a community's health, a year by week",
            f"/communities/{some_community}/health",
            {**year_range, "granularity": "week"},
        ),
    ]
    with meter.phase("queries"):
        timings = await dashboard_queries(settings, queries, config.queries)
    catalog = ProjectionCatalog(database=database)
    names = [
        catalog.collection(settings.projection_name, 1, part).name
        for part in (ENTITIES, BUCKETS, CONTROL)
    ]
    stored = await collection_sizes(database, names)
    ratio = projected.rate / raw.rate
    headline = timings[0].latency
    return {
        "config": dataclasses.asdict(config),
        "where": origin,
        "machine": machine_facts().as_dict(),
        "events": sizes.events,
        "event_bytes": sizes.byte_counts,
        "send_seconds": round(send_seconds, 1),
        "raw_consume_per_second": round(raw.rate),
        "raw_consume_and_decode_per_second": round(parsed.rate),
        "projection_events_per_second": round(projected.rate),
        "projection_seconds": round(projected.seconds, 1),
        "projection_flushes": flushes,
        "throughput_ratio": round(ratio, 3),
        "throughput_goal_met": ratio >= GOAL_RATIO,
        "queries": [
            {
                "name": timing.name,
                "path": timing.path,
                "params": timing.params,
                "response_bytes": timing.response_bytes,
                **timing.latency.as_dict(),
            }
            for timing in timings
        ],
        "query_goal_met": headline.p99 <= GOAL_P99_MS,
        "stored": stored,
        "cpu": {
            phase: {name: round(share, 2) for name, share in usage.shares().items()}
            for phase, usage in meter.phases.items()
        },
    }


def render(results: dict[str, Any]) -> str:
    """The human report."""
    lines = [
        "Agora metrics benchmark",
        f"  where: {results['where']}",
        f"  machine: {results['machine']['cpu_model']}, {results['machine']['cores']} cores, "
        f"{results['machine']['memory_gib']} GiB, Python {results['machine']['python']}",
        "",
        "Generated events (one year):",
    ]
    for kind, count in results["events"].items():
        lines.append(
            f"  {kind:<12} {count:>10,} events {results['event_bytes'][kind] / 1e6:>9.1f} MB"
        )
    total = sum(results["events"].values())
    lines += [
        f"  {'total':<12} {total:>10,} events, sent in {results['send_seconds']} s",
        "",
        "Throughput (same topics, same run):",
        f"  raw aiokafka consumption        {results['raw_consume_per_second']:>10,} events/s",
        "  raw consumption + decoding      "
        f"{results['raw_consume_and_decode_per_second']:>10,} events/s",
        f"  metrics projection              {results['projection_events_per_second']:>10,} events/s"
        f"  ({results['projection_seconds']} s, {results['projection_flushes']} flushes)",
        f"  ratio projection / raw          {results['throughput_ratio']:>10}"
        f"  (goal >= {GOAL_RATIO}: {'met' if results['throughput_goal_met'] else 'not met'})",
        "",
        "Dashboard queries through the API (sequential, ms):",
    ]
    for query in results["queries"]:
        lines.append(
            f"  {query['name']:<40} p50 {query['p50_ms']:>7} p95 {query['p95_ms']:>7} "
            f"p99 {query['p99_ms']:>7}  ({query['response_bytes'] / 1e3:.0f} kB)"
        )
    lines.append(
        f"  goal: a year by day for the organisation, p99 <= {GOAL_P99_MS:.0f} ms: "
        + ("met" if results["query_goal_met"] else "not met")
    )
    lines += ["", "Stored read model:"]
    for name, size in results["stored"].items():
        lines.append(f"  {name:<48} {size['documents']:>9,} docs {size['bytes'] / 1e6:>8.1f} MB")
    lines += ["", "CPU (share of one core) per phase:"]
    for phase, shares in results["cpu"].items():
        lines.append(f"  {phase:<12} " + ", ".join(f"{n} {v}" for n, v in shares.items()))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Run once and print the report, then one line of JSON."""
    arguments = parse_arguments(argv)
    logging.basicConfig(level=logging.WARNING)
    if arguments.pin_cpu is not None:
        os.sched_setaffinity(0, {arguments.pin_cpu})
    results = asyncio.run(run(configure(arguments)))
    print(render(results))
    print(json.dumps(results, separators=(",", ":")))


if __name__ == "__main__":
    main()
