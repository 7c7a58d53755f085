"""``python -m bench``: raw Kafka, raw FerretDB and Agora's event pipeline, in one run.

See bench/README.md for what is measured and how to read the figures.
"""

import argparse
import dataclasses
import logging
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import uvloop
from pymongo import AsyncMongoClient

from agora.servicekit.gc_tuning import freeze_long_lived_objects, tune_garbage_collector
from bench.config import FULL, QUICK, BenchConfig
from bench.cpu import CpuMeter
from bench.facts import MachineFacts, database_version, load_average, machine_facts
from bench.infra import BenchEndpoints, RunNames, bench_endpoints, clean_up
from bench.pipeline import (
    LatencyResult,
    ThroughputResult,
    measure_latency,
    measure_throughput,
    running_pipeline,
    warm_up,
)
from bench.projection import AckClock, AppliedClock
from bench.raw_kafka import measure_raw_kafka
from bench.raw_mongo import MongoResult, measure_raw_inserts, measure_raw_updates
from bench.report import BenchResults, json_line, render

_STARTED = time.perf_counter()


def progress(message: str) -> None:
    """A progress line on stderr, so stdout holds only the report and the JSON line."""
    print(f"[bench {time.perf_counter() - _STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure raw Kafka, raw FerretDB and Agora's event pipeline on one machine.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes: a smoke run of well under 30 s"
    )
    parser.add_argument(
        "--rate", type=float, help="events per second of the latency phase (default 100)"
    )
    parser.add_argument(
        "--latency-seconds", type=float, help="how long the latency phase schedules events"
    )
    parser.add_argument(
        "--events", type=int, help="events in the pipeline throughput phase (and raw inserts)"
    )
    parser.add_argument(
        "--rounds", type=int, help="alternating rounds of raw inserts and pipeline throughput"
    )
    parser.add_argument(
        "--pin-cpu",
        type=int,
        metavar="CPU",
        help="pin this process (load generator, relay and runner) to one CPU",
    )
    return parser.parse_args(argv)


def configure(arguments: argparse.Namespace) -> BenchConfig:
    """The preset the arguments choose, with their overrides applied."""
    config = QUICK if arguments.quick else FULL
    changes: dict[str, Any] = {}
    if arguments.rate is not None:
        changes["latency_rate"] = arguments.rate
    if arguments.latency_seconds is not None:
        changes["latency_seconds"] = arguments.latency_seconds
    if arguments.rounds is not None:
        if arguments.rounds < 1:
            raise SystemExit("--rounds: at least 1")
        changes["rounds"] = arguments.rounds
    if arguments.events is not None:
        changes["pipeline_events"] = arguments.events
        changes["mongo_inserts"] = arguments.events
    return dataclasses.replace(config, **changes)


async def run(
    *,
    config: BenchConfig,
    mode: str,
    endpoints: BenchEndpoints,
    names: RunNames,
    facts: MachineFacts,
) -> BenchResults:
    """Every measurement, one after the other, on the same broker and database."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(endpoints.mongo_url)
    servers = {"kafka": endpoints.kafka_bootstrap, "ferretdb": endpoints.mongo_url}
    if endpoints.storage_address is not None:
        servers["postgresql"] = endpoints.storage_address
    meter = CpuMeter(servers)
    try:
        database = client[names.database]
        server = await database_version(client)
        progress(f"raw Kafka: {config.kafka_messages} messages to {names.raw_topic}")
        with meter.phase("raw Kafka"):
            kafka = await measure_raw_kafka(
                bootstrap=endpoints.kafka_bootstrap,
                topic=names.raw_topic,
                partitions=config.partitions,
                messages=config.kafka_messages,
                message_bytes=config.message_bytes,
                keys=config.streams,
                stall_seconds=config.stall_seconds,
            )
        mongo_rounds: list[MongoResult] = []
        throughput_rounds: list[ThroughputResult] = []
        mongo_updates: MongoResult | None = None
        latency: LatencyResult | None = None
        clocks = (AckClock(), AppliedClock())
        warm = 0.0
        for number in range(config.rounds):
            progress(
                f"round {number + 1}/{config.rounds}, raw FerretDB: "
                f"{config.mongo_inserts} inserts into {names.database}"
            )
            with meter.phase("raw FerretDB"):
                mongo_rounds.append(
                    await measure_raw_inserts(
                        database=database,
                        inserts=config.mongo_inserts,
                        concurrency=config.concurrency,
                        message_bytes=config.message_bytes,
                    )
                )
            if mongo_updates is None:
                progress("raw FerretDB: one update_one by _id of each of those documents")
                with meter.phase("raw FerretDB updates"):
                    mongo_updates = await measure_raw_updates(
                        database=database, concurrency=config.concurrency
                    )
            last_round = number == config.rounds - 1
            async with running_pipeline(
                database=database,
                mongo_url=endpoints.mongo_url,
                bootstrap=endpoints.kafka_bootstrap,
                names=names,
                partitions=config.partitions,
                stall_seconds=config.stall_seconds,
                message_bytes=config.message_bytes,
                clocks=clocks,
            ) as pipeline:
                progress("pipeline: warming up (consumer group join, connections)")
                warm = await warm_up(pipeline, concurrency=config.concurrency, round_number=number)
                progress(
                    f"round {number + 1}/{config.rounds}, pipeline throughput: up to "
                    f"{config.pipeline_events} events or "
                    f"{config.pipeline_max_seconds:g} s of appends"
                )
                with meter.phase("ours, throughput"):
                    throughput_rounds.append(
                        await measure_throughput(
                            pipeline,
                            events=config.pipeline_events,
                            max_seconds=config.pipeline_max_seconds,
                            concurrency=config.concurrency,
                            streams=config.streams,
                            store_commits_before=_commits_stored(
                                config, throughput_rounds, warm_ups=number + 1
                            ),
                            round_number=number,
                        )
                    )
                await pipeline.wait_outbox_drained()
                if last_round:
                    progress(
                        f"pipeline latency: {config.latency_rate:g} events/s "
                        f"for {config.latency_seconds:g} s"
                    )
                    with meter.phase("ours, latency"):
                        latency = await measure_latency(
                            pipeline,
                            events_per_second=config.latency_rate,
                            events=config.latency_events,
                            streams=config.latency_streams,
                            drain_seconds=config.latency_drain_seconds,
                            store_commits_before=_commits_stored(
                                config, throughput_rounds, warm_ups=number + 1
                            ),
                        )
        # The first round measured the updates, the last one the latency.
        assert mongo_updates is not None
        assert latency is not None
        verification = await pipeline.verify_read_model()
        progress("done; cleaning up")
        return BenchResults(
            run_id=names.run_id,
            mode=mode,
            config=config,
            facts=facts,
            load_after=load_average(),
            endpoints_origin=endpoints.origin,
            kafka_bootstrap=endpoints.kafka_bootstrap,
            mongo_url=endpoints.mongo_url,
            database_version=server,
            kafka=kafka,
            mongo_rounds=tuple(mongo_rounds),
            mongo_updates=mongo_updates,
            warm_up_seconds=warm,
            throughput_rounds=tuple(throughput_rounds),
            latency=latency,
            verification=verification,
            cpu=meter.phases,
        )
    finally:
        await clean_up(endpoints=endpoints, names=names, client=client)
        await client.close()


def _commits_stored(
    config: BenchConfig, rounds: Sequence[ThroughputResult], *, warm_ups: int
) -> int:
    """Commits in the event store after these pipeline rounds and warm-ups (one append per
    writer each)."""
    return warm_ups * config.concurrency + sum(result.events for result in rounds)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the report, then the JSON line."""
    arguments = parse_arguments(argv)
    config = configure(arguments)
    mode = "quick" if arguments.quick else "full"
    if arguments.pin_cpu is not None:
        os.sched_setaffinity(0, {arguments.pin_cpu})
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    facts = machine_facts()
    names = RunNames.fresh()
    progress(f"run {names.run_id} ({mode})")
    with bench_endpoints() as endpoints:
        progress(f"Kafka {endpoints.kafka_bootstrap}, database {endpoints.mongo_url}")
        # uvloop, as the services' processes run it (uvicorn picks it): the load generator,
        # the relay and the runner share this loop, and the raw baselines run on it too.
        results = uvloop.run(
            run(config=config, mode=mode, endpoints=endpoints, names=names, facts=facts)
        )
    print(render(results))
    print(json_line(results), flush=True)
    return 0


if __name__ == "__main__":
    # The collector's settings of the services' processes (agora.servicekit.run); not in
    # main(), which the smoke test calls inside pytest's process.
    tune_garbage_collector()
    freeze_long_lived_objects()
    sys.exit(main())
