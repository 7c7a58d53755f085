"""``python -m bench.feed``: the feed service against a generated organisation, in one run.

See bench/README.md for what is measured and how to read the figures.
"""

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import random
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from pymongo import AsyncMongoClient

from agora.eventsourcing.topics import ensure_topics
from agora.feed.app import consumed_topics
from agora.feed.settings import FeedSettings
from bench.cpu import CpuMeter, CpuUsage
from bench.facts import cpu_ranges, database_version, load_average, machine_facts
from bench.feed.config import FULL, QUICK, FeedBenchConfig
from bench.feed.delivery import DeliveryResult
from bench.feed.organisation import Organisation, generate
from bench.feed.phases import (
    Context,
    MainResults,
    main_configuration,
    opened_context,
    read_phases,
    write_configuration,
)
from bench.feed.reads import ReadResult
from bench.feed.report import (
    FeedBenchResults,
    OrganisationSummary,
    json_line,
    read_lines,
    render,
)
from bench.feed.server_metrics import ServerLatency
from bench.feed.service import (
    FeedRunNames,
    RunningService,
    Tokens,
    feed_service,
    feed_settings,
)
from bench.infra import BenchEndpoints, bench_endpoints, drop_run
from bench.processes import free_port
from bench.report import cpu_lines

_STARTED = time.perf_counter()
RUN_ID_LENGTH = 10
T = TypeVar("T")


def progress(message: str) -> None:
    """A progress line on stderr, so stdout holds only the report and the JSON line."""
    print(
        f"[bench.feed {time.perf_counter() - _STARTED:6.1f} s] {message}",
        file=sys.stderr,
        flush=True,
    )


def run_id(text: str) -> str:
    """A run id as runs make them (ten hex digits), so ``--drop`` drops only a run's names."""
    if len(text) != RUN_ID_LENGTH or any(c not in "0123456789abcdef" for c in text):
        raise argparse.ArgumentTypeError(f"not a run id (ten hex digits): {text!r}")
    return text


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.feed",
        description="Measure the feed service: loading, delivery latency and timeline reads.",
    )
    parser.add_argument("--quick", action="store_true", help="a small organisation: a smoke run")
    parser.add_argument("--people", type=int, help="people in the organisation (10,000)")
    parser.add_argument("--communities", type=int, help="communities (500)")
    parser.add_argument("--posts", type=int, help="posts to preload, at most (20,000)")
    parser.add_argument(
        "--preload-seconds", type=float, help="stop sending preloaded posts after this long (180)"
    )
    parser.add_argument("--rate", type=float, help="posts per second of the delivery phase (50)")
    parser.add_argument(
        "--delivery-seconds", type=float, help="how long the delivery phase sends posts (30)"
    )
    parser.add_argument("--large-posts", type=int, help="posts to the largest community (5)")
    parser.add_argument("--read-seconds", type=float, help="how long each read phase runs (20)")
    parser.add_argument("--seed", type=int, help="seed of the organisation, posts and load")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="leave the run's database and topics in place, for --reads-of",
    )
    parser.add_argument(
        "--reads-of",
        metavar="RUN_ID",
        type=run_id,
        help="only the home-read phases, against a run kept by --keep (give the same "
        "organisation options); the run is kept again",
    )
    parser.add_argument(
        "--drop", metavar="RUN_ID", type=run_id, help="drop a kept run's database and topics"
    )
    parser.add_argument(
        "--pin-cpu",
        type=int,
        metavar="CPU",
        help="pin the load generator (this process) to one CPU; the service is not pinned",
    )
    return parser.parse_args(argv)


def configure(arguments: argparse.Namespace) -> FeedBenchConfig:
    """The preset the arguments choose, with their overrides applied."""
    config = QUICK if arguments.quick else FULL
    overrides = {
        "people": arguments.people,
        "communities": arguments.communities,
        "posts": arguments.posts,
        "preload_max_seconds": arguments.preload_seconds,
        "delivery_rate": arguments.rate,
        "delivery_seconds": arguments.delivery_seconds,
        "large_posts": arguments.large_posts,
        "read_seconds": arguments.read_seconds,
        "seed": arguments.seed,
    }
    changes: dict[str, Any] = {
        name: value for name, value in overrides.items() if value is not None
    }
    if arguments.read_seconds is not None:
        changes["naive_seconds"] = min(config.naive_seconds, arguments.read_seconds)
    return dataclasses.replace(config, **changes)


@dataclasses.dataclass(frozen=True)
class _Run:
    """What every part of one run shares."""

    config: FeedBenchConfig
    organisation: Organisation
    endpoints: BenchEndpoints
    names: FeedRunNames
    tokens: Tokens
    service_cpus: set[int]
    keep: bool = False
    """Leave the database and topics in place at the end (``--keep``)."""


def execute(run: _Run) -> tuple[MainResults, DeliveryResult, dict[str, CpuUsage], str, int, int]:
    """Both service configurations, one after the other, on the same database and topics."""
    on_read = _on_read_threshold(run)
    on_write = run.organisation.largest.size
    cpu: dict[str, CpuUsage] = {}
    try:
        server = asyncio.run(_server_version(run.endpoints))
        settings = _settings(run, on_read)
        asyncio.run(
            ensure_topics(
                bootstrap_servers=settings.kafka_bootstrap_servers,
                topics=consumed_topics(settings),
            )
        )
        progress(f"starting the feed service (large_community_members={on_read})")
        with feed_service(settings, cpus=run.service_cpus) as service:
            meter = _meter(run, service)
            main_results = asyncio.run(
                _in_context(
                    run, service, meter, main_configuration, random.Random(run.config.seed + 1)
                )
            )
            cpu.update(meter.phases)
        progress(f"restarting the feed service with large_community_members={on_write}")
        with feed_service(_settings(run, on_write), cpus=run.service_cpus) as service:
            meter = _meter(run, service)
            on_write_result = asyncio.run(
                _in_context(
                    run, service, meter, write_configuration, random.Random(run.config.seed + 2)
                )
            )
            cpu.update(meter.phases)
    finally:
        _clean_up(run)
    return main_results, on_write_result, cpu, server, on_read, on_write


def _clean_up(run: _Run) -> None:
    if run.keep:
        progress(
            f"kept run {run.names.run_id}: read it again with --reads-of {run.names.run_id} "
            f"(same organisation options), drop it with --drop {run.names.run_id}"
        )
        return
    progress("cleaning up (database and topics)")
    asyncio.run(_drop(run))


def _on_read_threshold(run: _Run) -> int:
    return max(1, min(run.config.large_community_members, run.organisation.largest.size - 1))


def reads_of(run: _Run) -> tuple[str, dict[str, Any]]:
    """The home-read phases alone, against a kept run, in the main configuration: the report
    and its figures."""
    if not asyncio.run(_database_exists(run)):
        raise SystemExit(f"no kept run {run.names.run_id}: database {run.names.database} absent")
    settings = _settings(run, _on_read_threshold(run))
    progress(f"starting the feed service on kept run {run.names.run_id}")
    with feed_service(settings, cpus=run.service_cpus) as service:
        meter = _meter(run, service)

        async def phases(
            context: Context, rng: random.Random
        ) -> tuple[ReadResult, ServerLatency | None, ReadResult, ReadResult]:
            readers = rng.sample(
                run.organisation.person_ids, min(run.config.readers, len(run.organisation.people))
            )
            return await read_phases(context, readers, rng)

        reads, server, raw, naive = asyncio.run(
            _in_context(run, service, meter, phases, random.Random(run.config.seed + 1))
        )
    per_read = {
        name: round(1000 * seconds / max(1, reads.reads), 2)
        for name, seconds in meter.phases["reads: ours (HTTP)"].cpu_seconds.items()
    }
    report = [
        *read_lines(reads, server, raw, naive),
        "",
        *cpu_lines(meter.phases),
        "CPU a home read through the service, ms: "
        + ", ".join(f"{name} {value:.2f}" for name, value in per_read.items()),
    ]
    figures = {
        "bench": "agora-feed-reads",
        "run_id": run.names.run_id,
        "reads": {
            "ours": reads.as_dict(),
            "ours_server": server.as_dict() if server else None,
            "raw": raw.as_dict(),
            "naive": naive.as_dict(),
        },
        "cpu_ms_per_read": per_read,
    }
    return "\n".join(report), figures


async def _database_exists(run: _Run) -> bool:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(run.endpoints.mongo_url)
    try:
        return run.names.database in await client.list_database_names()
    finally:
        await client.close()


def _settings(run: _Run, threshold: int) -> FeedSettings:
    return feed_settings(
        endpoints=run.endpoints,
        names=run.names,
        tokens=run.tokens,
        port=free_port(),
        large_community_members=threshold,
    )


def _meter(run: _Run, service: RunningService) -> CpuMeter:
    return CpuMeter(
        {
            "kafka": run.endpoints.kafka_bootstrap,
            "ferretdb": run.endpoints.mongo_url,
            "feed": service.address,
        }
    )


async def _in_context(
    run: _Run,
    service: RunningService,
    meter: CpuMeter,
    phases: Callable[[Context, random.Random], Awaitable[T]],
    rng: random.Random,
) -> T:
    async with opened_context(
        config=run.config,
        organisation=run.organisation,
        service=service,
        tokens=run.tokens,
        meter=meter,
        report=progress,
        endpoints=run.endpoints,
    ) as context:
        return await phases(context, rng)


async def _server_version(endpoints: BenchEndpoints) -> str:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(endpoints.mongo_url)
    try:
        return await database_version(client)
    finally:
        await client.close()


async def _drop(run: _Run) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(run.endpoints.mongo_url)
    try:
        await drop_run(
            endpoints=run.endpoints,
            database=run.names.database,
            topics=run.names.topics,
            client=client,
        )
    finally:
        await client.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the report, then the JSON line."""
    started = time.perf_counter()
    arguments = parse_arguments(argv)
    config = configure(arguments)
    mode = "quick" if arguments.quick else "full"
    service_cpus = set(os.sched_getaffinity(0))
    if arguments.pin_cpu is not None:
        os.sched_setaffinity(0, {arguments.pin_cpu})
        pinning = (
            f"load generator (this process) on CPU {arguments.pin_cpu}; the feed service, "
            f"Kafka and FerretDB on CPUs {cpu_ranges(sorted(service_cpus))}"
        )
    else:
        pinning = f"none: everything may use CPUs {cpu_ranges(sorted(service_cpus))}"
    progress(f"pinning: {pinning}")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    facts = machine_facts()
    if arguments.drop:
        with bench_endpoints() as endpoints:
            _clean_up(
                _Run(
                    config,
                    generate(config),
                    endpoints,
                    FeedRunNames(arguments.drop),
                    Tokens(),
                    service_cpus,
                )
            )
        print(json.dumps({"bench": "agora-feed", "dropped": arguments.drop}), flush=True)
        return 0
    kept = arguments.reads_of
    names = FeedRunNames(kept or uuid.uuid4().hex[:RUN_ID_LENGTH])
    organisation = generate(config)
    progress(
        f"run {names.run_id} ({mode}): {len(organisation.people):,} people, "
        f"{organisation.follow_count:,} follows, {len(organisation.communities)} communities "
        f"(largest {organisation.largest.size:,}), {organisation.membership_count:,} memberships"
    )
    with bench_endpoints() as endpoints:
        progress(f"Kafka {endpoints.kafka_bootstrap}, database {endpoints.mongo_url}")
        run = _Run(
            config,
            organisation,
            endpoints,
            names,
            Tokens(),
            service_cpus,
            keep=bool(arguments.keep or kept),
        )
        if kept:
            report, figures = reads_of(run)
            print(f"Agora feed benchmark, home reads of kept run {kept} ({mode})")
            print(report)
            print(json.dumps(figures), flush=True)
            _clean_up(run)
            return 0
        main_results, on_write, cpu, server, on_read_threshold, on_write_threshold = execute(run)
    results = FeedBenchResults(
        run_id=names.run_id,
        mode=mode,
        config=config,
        facts=facts,
        load_after=load_average(),
        pinning=pinning,
        endpoints_origin=endpoints.origin,
        kafka_bootstrap=endpoints.kafka_bootstrap,
        mongo_url=endpoints.mongo_url,
        database_version=server,
        organisation=OrganisationSummary.of(organisation, on_read_threshold),
        on_read_threshold=on_read_threshold,
        on_write_threshold=on_write_threshold,
        main=main_results,
        large_on_write=on_write,
        cpu=cpu,
        total_seconds=time.perf_counter() - started,
    )
    print(render(results))
    print(json_line(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
