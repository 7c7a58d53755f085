"""``python -m bench.gateway``: requests through the gateway against the same requests sent
straight to the feed service, in one run (issue #5); then the same against a stub service that
answers at once, for the gateway's own cost.

See bench/README.md ("Gateway") for what is measured and how to read the figures.
"""

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiohttp
from pymongo import AsyncMongoClient

from agora.eventsourcing.topics import ensure_topics
from agora.feed.app import consumed_topics
from agora.feed.settings import FeedSettings
from agora.servicekit import ServiceSettings
from bench.cpu import CpuMeter
from bench.facts import cpu_ranges, database_version, load_average, machine_facts
from bench.feed.events import PostMaker
from bench.feed.progress import ProjectionProgress
from bench.gateway.checks import PathCheck, check_paths
from bench.gateway.config import FULL, QUICK, GatewayBenchConfig
from bench.gateway.load import (
    STEADY_CONNECTIONS,
    Operation,
    Target,
    post_creation,
    timeline_read,
)
from bench.gateway.measure import CatchUp, Comparison, compare
from bench.gateway.organisation import Tokens, generate, import_posts, publish_facts
from bench.gateway.report import (
    LOADED,
    STEADY,
    UNLOADED,
    GatewayBenchResults,
    OrganisationSummary,
    json_line,
    render,
)
from bench.gateway.server_time import ServerTimer
from bench.gateway.stack import (
    GATEWAY_FEED_PREFIX,
    GATEWAY_STUB_PREFIX,
    GatewayRunNames,
    feed_settings,
    feed_worker_settings,
    gateway_settings,
    signing_key,
)
from bench.gateway.stub import PAGE_VARIABLE
from bench.infra import BenchEndpoints, bench_endpoints, drop_run
from bench.processes import RunningProcess, free_port, service_process

_STARTED = time.perf_counter()


def progress(message: str) -> None:
    """A progress line on stderr, so stdout holds only the report and the JSON line."""
    print(
        f"[bench.gateway {time.perf_counter() - _STARTED:6.1f} s] {message}",
        file=sys.stderr,
        flush=True,
    )


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.gateway",
        description="Requests through the gateway against the same requests straight to the feed.",
    )
    parser.add_argument("--quick", action="store_true", help="small and short: a smoke run")
    parser.add_argument("--people", type=int, help="people in the organisation (200)")
    parser.add_argument("--posts", type=int, help="posts imported before measuring (300)")
    parser.add_argument("--concurrency", type=int, help="requests in flight when loaded (8)")
    parser.add_argument("--rounds", type=int, help="measured rounds per side, loaded (6)")
    parser.add_argument("--round-seconds", type=float, help="seconds per loaded round (5)")
    parser.add_argument("--latency-rounds", type=int, help="rounds per side, one in flight (4)")
    parser.add_argument(
        "--latency-round-seconds", type=float, help="seconds per round, one in flight (3)"
    )
    parser.add_argument(
        "--steady-share",
        type=float,
        help="steady rate as a share of the direct throughput when loaded (0.5)",
    )
    parser.add_argument("--steady-rounds", type=int, help="rounds per side at a steady rate (4)")
    parser.add_argument(
        "--steady-round-seconds", type=float, help="seconds per round at a steady rate (4)"
    )
    parser.add_argument("--warm-up-seconds", type=float, help="per side, never counted (3)")
    parser.add_argument("--seed", type=int, help="seed of the organisation, posts and load")
    parser.add_argument(
        "--stub-only",
        action="store_true",
        help="measure only the gateway's own cost (the stub in the feed's place), not the "
        "feed's requests: the goals are not judged; a quick way to profile the gateway",
    )
    pinning = parser.add_mutually_exclusive_group()
    pinning.add_argument(
        "--pin-cpu",
        type=int,
        metavar="CPU",
        help="the CPU to pin the load generator (this process) to; by default the last one "
        "when there are several (the services are never pinned)",
    )
    pinning.add_argument("--no-pin", action="store_true", help="do not pin the load generator")
    return parser.parse_args(argv)


def configure(arguments: argparse.Namespace) -> GatewayBenchConfig:
    """The preset the arguments choose, with their overrides applied."""
    config = QUICK if arguments.quick else FULL
    overrides = {
        "people": arguments.people,
        "posts": arguments.posts,
        "concurrency": arguments.concurrency,
        "rounds": arguments.rounds,
        "round_seconds": arguments.round_seconds,
        "latency_rounds": arguments.latency_rounds,
        "latency_round_seconds": arguments.latency_round_seconds,
        "warm_up_seconds": arguments.warm_up_seconds,
        "steady_share": arguments.steady_share,
        "steady_rounds": arguments.steady_rounds,
        "steady_round_seconds": arguments.steady_round_seconds,
        "seed": arguments.seed,
    }
    changes: dict[str, Any] = {
        name: value for name, value in overrides.items() if value is not None
    }
    config = dataclasses.replace(config, **changes)
    return dataclasses.replace(
        config, community_members=min(config.community_members, config.people)
    )


def pin(arguments: argparse.Namespace, usable: set[int]) -> str:
    """Pin this process as asked; describe where everything runs."""
    everything = cpu_ranges(sorted(usable))
    cpu = arguments.pin_cpu
    if cpu is None and not arguments.no_pin and len(usable) > 1:
        cpu = max(usable)
    if cpu is None:
        return f"none: everything may use CPUs {everything}"
    os.sched_setaffinity(0, {cpu})
    return (
        f"load generator (this process) on CPU {cpu}; the gateway, the feed, Kafka and "
        f"FerretDB on CPUs {everything}"
    )


@dataclasses.dataclass(frozen=True)
class _Measured:
    organisation: OrganisationSummary
    check: PathCheck
    comparisons: dict[str, dict[str, Comparison]]
    stub_comparisons: dict[str, dict[str, Comparison]]


@dataclasses.dataclass(frozen=True)
class _Feed:
    """The feed's two processes: its API (measured) and its worker (projection)."""

    api: RunningProcess
    worker: RunningProcess


@dataclasses.dataclass(frozen=True)
class _Stub:
    """The stub service to start once the feed's page is known."""

    settings: ServiceSettings
    cpus: set[int]


@contextlib.asynccontextmanager
async def _projection_progress(
    endpoints: BenchEndpoints, settings: FeedSettings
) -> AsyncIterator[ProjectionProgress]:
    """How far the feed's projection has got, for the whole measurement."""
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(endpoints.mongo_url, tz_aware=True)
    projection = ProjectionProgress(settings, mongo[settings.mongo_database])
    await projection.start()
    try:
        yield projection
    finally:
        await projection.stop()
        await mongo.close()


async def _measure(
    config: GatewayBenchConfig,
    endpoints: BenchEndpoints,
    feed_settings_: FeedSettings,
    feed_processes: _Feed,
    gateway: RunningProcess,
    stub: _Stub,
    *,
    stub_only: bool,
) -> _Measured:
    feed = feed_processes.api
    async with _projection_progress(endpoints, feed_settings_) as projection:

        async def caught_up() -> float:
            if await projection.lag_or_none() == 0:
                return 0.0
            started = time.perf_counter()
            seen = await projection.wait_caught_up(
                what="the feed's projection", stall_seconds=config.stall_seconds, report=progress
            )
            return seen - started

        organisation = generate(config)
        people = organisation.person_ids
        progress(f"publishing {len(people)} people and their community")
        fact_events = await publish_facts(
            organisation=organisation, settings=feed_settings_, progress=projection
        )
        async with aiohttp.ClientSession() as session:
            tokens = await Tokens.issue(session, gateway.base_url, people)
            progress(f"importing {config.posts} posts through the feed's POST /imports/posts")
            imported = await import_posts(
                session=session,
                feed_url=feed.base_url,
                tokens=tokens,
                organisation=organisation,
                config=config,
                progress=projection,
                report=progress,
            )
            direct = Target("direct", feed.base_url)
            through = Target("gateway", gateway.base_url + GATEWAY_FEED_PREFIX)
            check, page = await check_paths(
                session=session,
                direct=direct,
                gateway=through,
                tokens=tokens,
                person=people[0],
                page_size=config.page_size,
            )
        meter = CpuMeter(
            {
                "gateway": gateway.address,
                "feed": feed.address,
                "feed worker": feed_processes.worker.address,
                "kafka": endpoints.kafka_bootstrap,
                "ferretdb": endpoints.mongo_url,
            }
        )
        maker = PostMaker(organisation, random.Random(config.seed + 2))
        operations = [
            timeline_read(tokens, people, config.page_size, config.seed + 3),
            post_creation(tokens, maker, people, config.seed + 4),
        ]
        comparisons: dict[str, dict[str, Comparison]] = {}
        if not stub_only:
            async with aiohttp.ClientSession() as metrics_session:
                timer = ServerTimer(
                    metrics_session, feed_url=feed.base_url, gateway_url=gateway.base_url
                )
                comparisons = await _compare_operations(
                    config,
                    operations,
                    direct,
                    through,
                    meter,
                    "",
                    timer,
                    steady=True,
                    catch_up=caught_up,
                )
        with tempfile.NamedTemporaryFile(prefix="bench-stub-page-", suffix=".json") as page_file:
            page_file.write(page)
            page_file.flush()
            progress(f"starting the stub service on port {stub.settings.port}")
            with service_process(
                name="stub",
                module="bench.gateway.stub",
                settings=stub.settings,
                cpus=stub.cpus,
                extra_environment={PAGE_VARIABLE: page_file.name},
            ) as stub_process:
                stub_comparisons = await _compare_operations(
                    config,
                    operations,
                    Target("direct", stub_process.base_url),
                    Target("gateway", gateway.base_url + GATEWAY_STUB_PREFIX),
                    meter,
                    "stub ",
                    catch_up=caught_up,
                )
        summary = OrganisationSummary(
            people=len(people),
            follows=organisation.follow_count,
            community_members=organisation.communities[0].size,
            fact_events=fact_events,
            imported_posts=imported.posts,
            imported_community_posts=imported.community_posts,
            import_seconds=imported.seconds,
        )
        return _Measured(summary, check, comparisons, stub_comparisons)


async def _compare_operations(
    config: GatewayBenchConfig,
    operations: Sequence[Operation],
    direct: Target,
    through: Target,
    meter: CpuMeter,
    prefix: str,
    timer: ServerTimer | None = None,
    *,
    steady: bool = False,
    catch_up: CatchUp | None = None,
) -> dict[str, dict[str, Comparison]]:
    """Each operation one at a time, then loaded, then (``steady``) at a steady rate below
    saturation, straight and through the gateway. The steady rate is a share of what the
    feed sustains straight, counting the time its projection took to catch up after the
    loaded rounds: a post's fan-out costs more than its creation, and a rate above what the
    projection keeps up with saturates every process on the shared cores, so a latency
    measured there is the machine's backlog, not the gateway's cost."""

    async def measure(
        operation: Operation,
        label: str,
        concurrency: int,
        rounds: int,
        seconds: float,
        rate: float | None = None,
    ) -> Comparison:
        load = f"{concurrency} in flight" if rate is None else f"{rate:,.0f}/s steady"
        progress(f"{prefix}{operation.name}, {load}: {rounds} rounds of {seconds:g} s per side")
        return await compare(
            operation=operation,
            direct=direct,
            gateway=through,
            concurrency=concurrency,
            per_second=rate,
            rounds=rounds,
            round_seconds=seconds,
            warm_up_seconds=config.warm_up_seconds,
            meter=meter,
            label=f"{prefix}{operation.name} {label}",
            report=progress,
            timer=timer,
            catch_up=catch_up,
        )

    comparisons: dict[str, dict[str, Comparison]] = {}
    for operation in operations:
        measured = {
            UNLOADED: await measure(
                operation,
                UNLOADED,
                config.latency_concurrency,
                config.latency_rounds,
                config.latency_round_seconds,
            ),
            LOADED: await measure(
                operation, LOADED, config.concurrency, config.rounds, config.round_seconds
            ),
        }
        if steady:
            measured[STEADY] = await measure(
                operation,
                STEADY,
                STEADY_CONNECTIONS,
                config.steady_rounds,
                config.steady_round_seconds,
                rate=config.steady_share * measured[LOADED].direct.sustained_per_second,
            )
        comparisons[operation.name] = measured
    return comparisons


def execute(
    config: GatewayBenchConfig,
    endpoints: BenchEndpoints,
    names: GatewayRunNames,
    cpus: set[int],
    *,
    stub_only: bool = False,
) -> _Measured:
    """Start the feed and the gateway, measure, stop them, and drop what the run made."""
    with signing_key() as identity:
        feed_config = feed_settings(endpoints=endpoints, names=names, identity=identity)
        stub = _Stub(
            ServiceSettings(
                service_name="stub", port=free_port(), environment="test", log_level="WARNING"
            ),
            cpus,
        )
        gateway_config = gateway_settings(
            endpoints=endpoints,
            names=names,
            identity=identity,
            feed=feed_config,
            stub_port=stub.settings.port,
        )
        try:
            asyncio.run(
                ensure_topics(
                    bootstrap_servers=endpoints.kafka_bootstrap,
                    topics=consumed_topics(feed_config),
                )
            )
            worker_config = feed_worker_settings(feed_config)
            progress(
                f"starting the feed's API on port {feed_config.port} "
                f"and its worker on port {worker_config.port}"
            )
            with (
                service_process(
                    name="feed", module="bench.feed.serve", settings=feed_config, cpus=cpus
                ) as feed,
                service_process(
                    name="feed-worker", module="bench.feed.serve", settings=worker_config, cpus=cpus
                ) as worker,
            ):
                progress(f"starting the gateway on port {gateway_config.port}")
                with service_process(
                    name="gateway", module="bench.gateway.serve", settings=gateway_config, cpus=cpus
                ) as gateway:
                    return asyncio.run(
                        _measure(
                            config,
                            endpoints,
                            feed_config,
                            _Feed(feed, worker),
                            gateway,
                            stub,
                            stub_only=stub_only,
                        )
                    )
        finally:
            progress("cleaning up (databases and topics)")
            asyncio.run(_drop(endpoints, names))


async def _drop(endpoints: BenchEndpoints, names: GatewayRunNames) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(endpoints.mongo_url)
    try:
        await drop_run(
            endpoints=endpoints, database=names.database, topics=names.all_topics, client=client
        )
        await drop_run(
            endpoints=endpoints, database=names.gateway_database, topics=[], client=client
        )
    finally:
        await client.close()


async def _server_version(endpoints: BenchEndpoints) -> str:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(endpoints.mongo_url)
    try:
        return await database_version(client)
    finally:
        await client.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the report, then the JSON line."""
    started = time.perf_counter()
    arguments = parse_arguments(argv)
    config = configure(arguments)
    mode = "quick" if arguments.quick else "full"
    service_cpus = set(os.sched_getaffinity(0))
    pinning = pin(arguments, service_cpus)
    progress(f"pinning: {pinning}")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    facts = machine_facts()
    names = GatewayRunNames(uuid.uuid4().hex[:10])
    try:
        with bench_endpoints() as endpoints:
            progress(
                f"run {names.run_id} ({mode}); Kafka {endpoints.kafka_bootstrap}, "
                f"database {endpoints.mongo_url}"
            )
            server = asyncio.run(_server_version(endpoints))
            measured = execute(
                config, endpoints, names, service_cpus, stub_only=arguments.stub_only
            )
    finally:
        os.sched_setaffinity(0, service_cpus)
    results = GatewayBenchResults(
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
        organisation=measured.organisation,
        check=measured.check,
        comparisons=measured.comparisons,
        stub_comparisons=measured.stub_comparisons,
        total_seconds=time.perf_counter() - started,
    )
    print(render(results))
    print(json_line(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
