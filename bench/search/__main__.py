"""``python -m bench.search``: relevance (NDCG@10 of the expert finder against declared skills
only), latency of the expert finder, post search and autocomplete at the service, and how soon
a new post is searchable. See ``bench/search/README.md``."""

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from elasticsearch import AsyncElasticsearch
from pymongo import AsyncMongoClient

from agora.eventsourcing.topics import TopicSpec, dead_letter_topic_name, ensure_topics
from agora.localinfra import LocalStack
from agora.search.indexing.indices import IndexNames, SearchIndices
from agora.search.queries.searcher import Searcher
from agora.testing.identity import TestIdentityProvider
from bench.facts import load_average, machine_facts
from bench.search.freshness import measure_freshness
from bench.search.generator import FIRST_NAMES, OBJECTS, TOPICS, generate
from bench.search.loading import load
from bench.search.relevance import evaluate
from bench.search.service import (
    LoadResult,
    client_for,
    identity_environment,
    open_loop,
    service_process,
    wait_ready,
)

ALIASES = {"kubernetes": "k8s", "machine learning": "ml", "javascript": "js", "go": "golang"}


def progress(message: str) -> None:
    """One line of progress on stderr."""
    print(f"[bench.search {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--communities", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20.0, help="requests/s per endpoint")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds per endpoint")
    parser.add_argument("--fresh-posts", type=int, default=60)
    parser.add_argument("--fresh-rate", type=float, default=3.0, help="new posts/s")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pin-cpu", type=int, default=None, help="pin this process to a CPU")
    parser.add_argument("--keep", action="store_true", help="keep the indices and database")
    return parser.parse_args(argv)


def endpoints() -> tuple[str, str, str, str]:
    """Kafka, MongoDB and Elasticsearch to use, and where they came from."""
    given = [
        os.environ.get(f"AGORA_BENCH_{name}")
        for name in ("KAFKA_BOOTSTRAP", "MONGO_URL", "ELASTICSEARCH_URL")
    ]
    if all(given):
        kafka, mongo, elasticsearch = (str(value) for value in given)
        return kafka, mongo, elasticsearch, "given by AGORA_BENCH_*"
    stack = LocalStack(profile="test", report=progress)
    started = stack.start()
    return (
        started.kafka_bootstrap,
        started.mongo_url,
        started.elasticsearch_url,
        "local test stack (left running)",
    )


async def run(arguments: argparse.Namespace) -> dict[str, Any]:
    """Every phase; returns the figures."""
    kafka, mongo_url, elasticsearch_url, origin = endpoints()
    run_id = uuid.uuid4().hex[:8]
    prefix, projection, database_name = (
        f"bench-{run_id}",
        f"bench_search_{run_id}",
        f"bench_search_{run_id}",
    )
    topics = {
        kind: f"agora.bench{run_id}.{kind}" for kind in ("profiles", "cards", "communities", "feed")
    }
    facts = machine_facts()
    progress(f"run {run_id} on {origin}; load average {load_average()}")
    elasticsearch = AsyncElasticsearch([elasticsearch_url], timeout=120, max_retries=0)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url, tz_aware=True)
    indices = SearchIndices(client=elasticsearch, names=IndexNames(prefix))
    figures: dict[str, Any] = {"run_id": run_id, "origin": origin, "machine": facts.as_dict()}
    try:
        progress(f"generating {arguments.people} people, {arguments.communities} communities")
        organisation = generate(
            people=arguments.people, communities=arguments.communities, seed=arguments.seed
        )
        progress(f"loading {arguments.posts} posts and every document")
        loaded = await load(
            organisation=organisation,
            post_count=arguments.posts,
            seed=arguments.seed,
            indices=indices,
            database=mongo[database_name],
            projection_name=projection,
            progress=progress,
        )
        figures["sizes"] = asdict(loaded)
        figures["index"] = await _index_sizes(elasticsearch, prefix)
        progress(f"loaded in {loaded.seconds:.0f} s; relevance")
        rng = random.Random(arguments.seed)
        member = max(organisation.people[:200], key=lambda p: len(p.communities))
        searcher = Searcher(person_id=member.person_id, communities=frozenset(member.communities))
        relevance = await evaluate(
            client=elasticsearch,
            names=indices.names,
            organisation=organisation,
            searcher=searcher,
            now=datetime.now(UTC),
        )
        figures["relevance"] = asdict(relevance)
        try:
            identity = TestIdentityProvider()
            await ensure_topics(
                bootstrap_servers=kafka,
                topics=[TopicSpec(name, partitions=6) for name in topics.values()],
            )
            environment = {
                "AGORA_KAFKA_BOOTSTRAP_SERVERS": kafka,
                "AGORA_MONGO_URL": mongo_url,
                "AGORA_MONGO_DATABASE": database_name,
                "AGORA_ELASTICSEARCH_URL": elasticsearch_url,
                "AGORA_PROJECTION_PREFIX": projection,
                "AGORA_INDEX_PREFIX": prefix,
                "AGORA_PROFILES_TOPIC": topics["profiles"],
                "AGORA_PROFILE_CARDS_TOPIC": topics["cards"],
                "AGORA_COMMUNITIES_TOPIC": topics["communities"],
                "AGORA_FEED_TOPIC": topics["feed"],
                **identity_environment(identity),
            }
            tokens = {
                p.person_id: {"Authorization": f"Bearer {identity.token(p.person_id)}"}
                for p in rng.sample(organisation.people, 50)
            }
            token_list = list(tokens.values())
            if arguments.pin_cpu is not None:
                os.sched_setaffinity(0, {arguments.pin_cpu})
            log_path = os.path.join(tempfile.gettempdir(), f"bench-search-{run_id}.log")  # noqa: PTH118
            with service_process(environment, log_path) as base_url:
                await wait_ready(base_url)
                progress(f"service up at {base_url} (log {log_path}); latency")
                async with client_for(base_url) as client:
                    for path, sample in (
                        ("/experts", {"skills": "kubernetes"}),
                        ("/posts", {"q": "réseau"}),
                        ("/autocomplete", {"q": "ku"}),
                    ):
                        for _ in range(5):  # warm up: scripts compiled, caches filled
                            await client.get(path, params=sample, headers=token_list[0])
                    loads: list[LoadResult] = []
                    for name, path, params in (
                        ("expert finder", "/experts", _expert_params),
                        ("post search", "/posts", _post_params),
                        ("autocomplete", "/autocomplete", _autocomplete_params),
                    ):
                        progress(f"{name}: {arguments.rate}/s for {arguments.seconds} s")
                        loads.append(
                            await open_loop(
                                client,
                                name=name,
                                path=path,
                                params=params,
                                headers=lambda r: r.choice(token_list),
                                rate=arguments.rate,
                                seconds=arguments.seconds,
                                seed=arguments.seed,
                            )
                        )
                figures["latency"] = [
                    {**asdict(result), "latency": result.latency.as_dict()} for result in loads
                ]
                progress(f"freshness: {arguments.fresh_posts} posts at {arguments.fresh_rate}/s")
                fresh = await measure_freshness(
                    bootstrap=kafka,
                    feed_topic=topics["feed"],
                    client=elasticsearch,
                    posts_alias=indices.names.alias("posts"),
                    organisation=organisation,
                    count=arguments.fresh_posts,
                    rate=arguments.fresh_rate,
                    seed=arguments.seed,
                )
                figures["freshness"] = {**asdict(fresh), "latency": fresh.latency.as_dict()}
        except Exception as error:
            progress(f"service phases failed: {error!r}")
            figures["service_error"] = repr(error)
        figures["load_average_after"] = load_average()
        return figures
    finally:
        if not arguments.keep:
            await elasticsearch.indices.delete(index=f"{prefix}-*", ignore=[404])
            await mongo.drop_database(database_name)
            await _delete_topics(kafka, [*topics.values(), dead_letter_topic_name(projection)])
        await elasticsearch.close()
        await mongo.close()


def _expert_params(rng: random.Random) -> dict[str, Any]:
    topic = rng.choice(TOPICS)
    roll = rng.random()
    if roll < 0.6:
        return {"skills": topic}
    if roll < 0.8:
        return {"q": ALIASES.get(topic, topic)}
    return {"q": f"{topic} {rng.choice(OBJECTS)}", "available": "true"}


def _post_params(rng: random.Random) -> dict[str, Any]:
    words = f"{rng.choice(TOPICS)} {rng.choice(OBJECTS).split()[-1]}"
    roll = rng.random()
    if roll < 0.2:
        return {"q": words, "tag": rng.choice(TOPICS).replace(" ", "-")}
    if roll < 0.3:
        return {"q": words, "unanswered": "true"}
    if roll < 0.4:
        return {"q": words, "sort": "date"}
    return {"q": words}


def _autocomplete_params(rng: random.Random) -> dict[str, Any]:
    source = rng.choice([rng.choice(TOPICS), rng.choice(FIRST_NAMES)])
    return {"q": source[: rng.randint(2, 5)]}


async def _index_sizes(client: AsyncElasticsearch, prefix: str) -> dict[str, Any]:
    """Documents (top-level, not counting nested ones) and size of each index."""
    stats = await client.indices.stats(index=f"{prefix}-*", metric="store")
    sizes: dict[str, Any] = {}
    for index, values in sorted(stats["indices"].items()):
        count = await client.count(index=index)
        sizes[index] = {
            "docs": count["count"],
            "mib": round(values["primaries"]["store"]["size_in_bytes"] / 2**20, 1),
        }
    return sizes


async def _delete_topics(bootstrap: str, topics: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        doomed = [topic for topic in topics if topic in existing]
        if doomed:
            await admin.delete_topics(doomed)
    except Exception as error:
        progress(f"could not delete topics: {error!r}")
    finally:
        await admin.close()


def render(figures: dict[str, Any], arguments: argparse.Namespace) -> str:
    """The human report."""
    sizes = figures["sizes"]
    relevance = figures["relevance"]
    lines = [
        "# Search benchmark",
        "",
        f"machine: {figures['machine']['cpu_model']}, {figures['machine']['cores']} cores, "
        f"{figures['machine']['memory_gib']} GiB; load average before "
        f"{figures['machine']['load_average']}, after {figures['load_average_after']}",
        f"stack: {figures['origin']}",
        "",
        f"sizes used: {sizes['people']} people, {sizes['communities']} communities, "
        f"{sizes['posts']} posts with {sizes['comments']} comments "
        f"({sizes['evidence_items']} evidence items); bulk-loaded in {sizes['seconds']:.0f} s "
        f"({sizes['posts'] / max(sizes['seconds'], 0.001):.0f} posts/s), side model in "
        f"{sizes['mongo_seconds']:.0f} s",
    ]
    lines += [
        f"  {index}: {v['docs']} docs, {v['mib']} MiB" for index, v in figures["index"].items()
    ]
    lines += [
        "",
        f"relevance over {relevance['topics']} topics (judgements: the generator's true levels; "
        f"searcher in {relevance['searcher_communities']} communities)",
        f"  NDCG@10 expert finder      {relevance['ours']:.3f}",
        f"  NDCG@10 declared skills    {relevance['baseline']:.3f}",
        f"  goal (ours > baseline)     {_met(relevance['ours'] > relevance['baseline'])}",
        "",
        f"latency at the service (open loop, {arguments.rate}/s for {arguments.seconds} s each; "
        "ms from the scheduled start)",
        "  endpoint         p50      p95      p99      max   errors  goal",
    ]
    if "service_error" in figures:
        lines += ["", f"the service phases failed: {figures['service_error']}"]
    goals = {"expert finder": 100.0, "post search": 100.0, "autocomplete": 50.0}
    for measured in figures.get("latency", []):
        latency = measured["latency"]
        goal = goals[measured["name"]]
        met = latency["p99_ms"] is not None and latency["p99_ms"] <= goal
        lines.append(
            f"  {measured['name']:<14} {_ms(latency['p50_ms'])} {_ms(latency['p95_ms'])} "
            f"{_ms(latency['p99_ms'])} {_ms(latency['max_ms'])} {measured['errors']:>8}  "
            f"p99 <= {goal:.0f} ms: {'met' if met else 'NOT met'}"
        )
    fresh = figures.get("freshness")
    if fresh is None:
        return "\n".join(lines)
    latency = fresh["latency"]
    met = latency["p99_ms"] is not None and latency["p99_ms"] <= 2000
    lines += [
        "",
        f"new post searchable ({fresh['posts']} posts at {fresh['rate']}/s, published on the "
        "feed topic, polled every 50 ms)",
        f"  p50 {_ms(latency['p50_ms'])}  p95 {_ms(latency['p95_ms'])}  p99 "
        f"{_ms(latency['p99_ms'])}  max {_ms(latency['max_ms'])}  never seen "
        f"{fresh['never_seen']}  p99 <= 2000 ms: {'met' if met else 'NOT met'}",
    ]
    return "\n".join(lines)


def _met(condition: bool) -> str:
    return "met" if condition else "NOT met"


def _ms(value: float | None) -> str:
    return f"{value:8.1f}" if value is not None else "     inf"


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print the report and a last line of JSON."""
    arguments = parse_arguments(argv)
    figures = asyncio.run(run(arguments))
    print(render(figures, arguments))
    print(json.dumps(figures, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
