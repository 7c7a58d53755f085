"""The phases of one feed benchmark run, against a running feed service.

The main configuration (the service's fan-out threshold below the largest community, as in
production) loads the organisation, preloads posts, measures delivery at a fixed rate, posts
to the largest community (fanned out on read), and reads home timelines beside the raw
baselines. The second configuration restarts the service with the threshold at the largest
community's size, so the same kind of post is fanned out on write to every member.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from agora.eventsourcing import ProjectionCatalog
from agora.eventsourcing.kafka import create_producer
from agora.feed.readmodel import FeedCollections, Part
from agora.feed.readside.timelines import FAN_OUT_ON_READ_ID, community_key, home_key
from bench.cpu import CpuMeter
from bench.feed.config import FeedBenchConfig
from bench.feed.delivery import DeliveryPlanner, DeliveryResult, PlannedPost, measure_delivery
from bench.feed.loading import (
    FactsResult,
    PreloadResult,
    count_entries,
    load_facts,
    preload_posts,
)
from bench.feed.organisation import Organisation
from bench.feed.progress import ProjectionProgress
from bench.feed.reads import (
    ReadResult,
    http_home_reader,
    naive_home_reader,
    raw_home_reader,
    run_readers,
)
from bench.feed.server_metrics import ServerLatency, scrape, server_latency
from bench.feed.service import RunningService, Tokens
from bench.infra import BenchEndpoints

Document = dict[str, Any]
Report = Callable[[str], None]
HOME_ROUTE = "/me/timeline"
WARM_UP_POSTS = 3
WARM_UP_READS = 40
MIN_DELIVERY_POSTS = 10
KEEPALIVE_SECONDS = 2.0
"""Idle connections are dropped by the client before uvicorn's 5 s keep-alive timeout closes
them, so a request never goes out on a connection the server is closing (a ``ReadError``)."""


@dataclass(frozen=True)
class MainResults:
    """What the main configuration measured."""

    facts: FactsResult
    preload: PreloadResult
    delivery_sustainable: DeliveryResult
    delivery: DeliveryResult
    large_on_read: DeliveryResult
    reads: ReadResult
    server: ServerLatency | None
    raw: ReadResult
    naive: ReadResult


@dataclass
class Context:
    """What every phase of one service configuration uses."""

    config: FeedBenchConfig
    organisation: Organisation
    service: RunningService
    tokens: Tokens
    meter: CpuMeter
    report: Report
    client: httpx.AsyncClient
    mongo: AsyncMongoClient[Document]
    progress: ProjectionProgress

    @property
    def threshold(self) -> int:
        """The running service's fan-out threshold."""
        return self.service.settings.large_community_members

    async def collection(self, part: Part) -> AsyncCollection[Document]:
        """A collection of the feed's read model (the active generation)."""
        settings = self.service.settings
        collections = FeedCollections(
            catalog=ProjectionCatalog(database=self.mongo[settings.mongo_database]),
            projection_name=settings.projection_prefix,
        )
        return await collections.active(part)

    async def settle(self, what: str) -> None:
        """Wait until the projection has applied everything published so far."""
        await self.progress.wait_caught_up(
            what=what, stall_seconds=self.config.stall_seconds, report=self.report
        )


class opened_context:  # noqa: N801 - used as ``async with opened_context(...)``
    """Opens the HTTP client, the database client and the progress reader of a phase set."""

    def __init__(
        self,
        *,
        config: FeedBenchConfig,
        organisation: Organisation,
        service: RunningService,
        tokens: Tokens,
        meter: CpuMeter,
        report: Report,
        endpoints: BenchEndpoints,
    ) -> None:
        self._arguments = (config, organisation, service, tokens, meter, report)
        self._endpoints = endpoints
        self._context: Context | None = None

    async def __aenter__(self) -> Context:
        config, organisation, service, tokens, meter, report = self._arguments
        mongo: AsyncMongoClient[Document] = AsyncMongoClient(
            self._endpoints.mongo_url, tz_aware=True, maxPoolSize=200
        )
        client = httpx.AsyncClient(
            base_url=service.base_url,
            timeout=httpx.Timeout(60.0),
            limits=httpx.Limits(
                max_connections=500,
                max_keepalive_connections=500,
                keepalive_expiry=KEEPALIVE_SECONDS,
            ),
        )
        progress = ProjectionProgress(service.settings, mongo[service.settings.mongo_database])
        await progress.start()
        self._context = Context(
            config, organisation, service, tokens, meter, report, client, mongo, progress
        )
        return self._context

    async def __aexit__(self, *_: object) -> None:
        if self._context is not None:
            await self._context.progress.stop()
            await self._context.client.aclose()
            await self._context.mongo.close()


async def main_configuration(context: Context, rng: random.Random) -> MainResults:
    """Load, preload, deliver, post to the largest community, and read."""
    config, organisation, report, meter = (
        context.config,
        context.organisation,
        context.report,
        context.meter,
    )
    settings = context.service.settings
    producer = create_producer(
        bootstrap_servers=settings.kafka_bootstrap_servers, client_id="bench-feed-upstream"
    )
    await producer.start()
    try:
        report(f"facts: publishing the organisation ({organisation.follow_count:,} follows)")
        with meter.phase("facts (upstream events)"):
            facts = await load_facts(
                producer=producer,
                progress=context.progress,
                organisation=organisation,
                settings=settings,
                stall_seconds=config.stall_seconds,
                report=report,
            )
        report(
            f"facts applied in {facts.seconds:.1f} s; preloading up to {config.posts:,} posts "
            f"(at most {config.preload_max_seconds:g} s of sending)"
        )
        with meter.phase("preload posts"):
            sent, seconds, on_time = await preload_posts(
                producer=producer,
                progress=context.progress,
                organisation=organisation,
                settings=settings,
                posts=config.posts,
                max_seconds=config.preload_max_seconds,
                ahead=config.preload_ahead,
                rng=rng,
                stall_seconds=config.stall_seconds,
                report=report,
            )
    finally:
        await producer.stop()
    report(f"preload: {sent:,} posts applied in {seconds:.1f} s; counting timeline entries")
    entries, homes, documents, count_seconds = await count_entries(
        await context.collection("timelines")
    )
    preload = PreloadResult(
        posts=sent,
        wanted=config.posts,
        seconds=seconds,
        stopped_on_time=on_time,
        timeline_entries=entries,
        home_entries=homes,
        timeline_documents=documents,
        count_seconds=count_seconds,
    )
    planner = DeliveryPlanner(organisation, rng)
    await warm_up(context, planner)
    sustainable = sustainable_rate(preload)
    report(
        f"delivery at a rate the preload suggests the projection sustains: {sustainable:g} "
        f"posts/s for {config.delivery_seconds:g} s through POST /posts"
    )
    with meter.phase("delivery, sustainable rate"):
        delivery_sustainable = await delivery_phase(
            context,
            "mixed posts, sustainable rate",
            planner.mixed(
                max(MIN_DELIVERY_POSTS, round(sustainable * config.delivery_seconds)),
                threshold=context.threshold,
            ),
            sustainable,
            config.drain_seconds,
        )
    await context.settle("after delivery at a sustainable rate")
    report(
        f"delivery: {config.delivery_rate:g} posts/s for {config.delivery_seconds:g} s "
        f"through POST /posts"
    )
    with meter.phase("delivery, goal rate"):
        delivery = await delivery_phase(
            context,
            "mixed posts, goal rate",
            planner.mixed(config.delivery_posts, threshold=context.threshold),
            config.delivery_rate,
            config.drain_seconds,
        )
    await context.settle("after delivery")
    large_on_read = await large_community_phase(context, planner, "fan-out on read")
    readers = rng.sample(organisation.person_ids, min(config.readers, len(organisation.people)))
    reads, server, raw, naive = await read_phases(context, readers, rng)
    return MainResults(
        facts, preload, delivery_sustainable, delivery, large_on_read, reads, server, raw, naive
    )


def sustainable_rate(preload: PreloadResult) -> float:
    """Half the posts per second the projection applied while preloading (at least one), to
    two significant digits: a rate it should keep up with."""
    return max(1.0, float(f"{preload.per_second / 2:.2g}"))


async def write_configuration(context: Context, rng: random.Random) -> DeliveryResult:
    """Posts to the largest community while it is at or below the fan-out threshold."""
    planner = DeliveryPlanner(context.organisation, rng)
    await warm_up(context, planner)
    return await large_community_phase(context, planner, "fan-out on write")


async def warm_up(context: Context, planner: DeliveryPlanner) -> None:
    """A few posts (connections, the relay, the consumer group) before anything is timed."""
    context.report("warming up: a few posts through the service")
    await delivery_phase(
        context,
        "warm-up",
        planner.mixed(WARM_UP_POSTS, threshold=context.threshold),
        2.0,
        context.config.drain_seconds,
    )
    await context.settle("warm-up")


async def delivery_phase(
    context: Context, label: str, plan: list[PlannedPost], rate: float, drain_seconds: float
) -> DeliveryResult:
    """Send ``plan`` at ``rate`` and time each post's delivery."""
    return await measure_delivery(
        label=label,
        client=context.client,
        tokens=context.tokens,
        timelines=await context.collection("timelines"),
        posts=await context.collection("posts"),
        plan=plan,
        rate=rate,
        threshold=context.threshold,
        drain_seconds=drain_seconds,
        poll_interval=context.config.poll_interval,
    )


async def large_community_phase(
    context: Context, planner: DeliveryPlanner, mode: str
) -> DeliveryResult:
    """Posts to the largest community, one every ``large_interval`` seconds."""
    config = context.config
    largest = context.organisation.largest
    context.report(
        f"largest community ({largest.size:,} members), {mode} "
        f"(large_community_members={context.threshold}): {config.large_posts} posts"
    )
    with context.meter.phase(f"largest community, {mode}"):
        result = await delivery_phase(
            context,
            f"largest community, {mode}",
            planner.to_community(largest, config.large_posts, threshold=context.threshold),
            1.0 / config.large_interval,
            config.large_drain_seconds,
        )
    await context.settle(f"largest community, {mode}")
    return result


async def read_phases(
    context: Context, readers: list[str], rng: random.Random
) -> tuple[ReadResult, ServerLatency | None, ReadResult, ReadResult]:
    """Home timeline reads through the service, then the raw baselines, on the same readers."""
    config, report, meter = context.config, context.report, context.meter
    context.tokens.prepare(readers)
    read_http = http_home_reader(context.client, context.tokens, config.page_size)
    await run_readers(
        label="warm-up",
        read_one=read_http,
        readers=readers,
        workers=config.read_workers,
        seconds=0.0,
        rng=rng,
        at_least=WARM_UP_READS // config.read_workers,
    )
    timelines, posts = await context.collection("timelines"), await context.collection("posts")
    registry = await timelines.find_one({"_id": FAN_OUT_ON_READ_ID}) or {}
    merged = set(registry.get("communities", []))
    member_of = context.organisation.member_of

    def keys_of(person: str) -> list[str]:
        communities = sorted(merged.intersection(member_of[person]))
        return [home_key(person), *(community_key(c) for c in communities)]

    def kind_of_reader(person: str) -> str:
        return "merges large communities" if merged.intersection(member_of[person]) else "home only"

    report(
        f"reads: GET /me/timeline by {config.read_workers} workers for {config.read_seconds:g} s"
    )
    before = await scrape(context.client, route=HOME_ROUTE)
    with meter.phase("reads: ours (HTTP)"):
        reads = await run_readers(
            label="ours",
            read_one=read_http,
            readers=readers,
            workers=config.read_workers,
            seconds=config.read_seconds,
            rng=random.Random(config.seed + 7),
            group=kind_of_reader,
        )
    after = await scrape(context.client, route=HOME_ROUTE)
    report(
        "reads: the same pages raw (timeline entries by _id range + posts by _id) "
        f"for {config.read_seconds:g} s"
    )
    with meter.phase("reads: raw, precomputed keys"):
        raw = await run_readers(
            label="raw, precomputed keys",
            read_one=raw_home_reader(timelines, posts, config.page_size, keys_of),
            readers=readers,
            workers=config.read_workers,
            seconds=config.read_seconds,
            rng=random.Random(config.seed + 7),
        )
    report(
        f"reads: naive raw query (posts $in communities/followees) for {config.naive_seconds:g} s"
    )
    with meter.phase("reads: raw, naive query"):
        naive = await run_readers(
            label="raw, naive query",
            read_one=naive_home_reader(posts, context.organisation, config.page_size),
            readers=readers,
            workers=config.read_workers,
            seconds=config.naive_seconds,
            rng=random.Random(config.seed + 7),
            at_least=1,
        )
    return reads, server_latency(before, after), raw, naive
