"""How soon a new post is searchable: published on the feed topic (as the feed's relay would),
consumed by the running service's indexer, written in bulk, refreshed by Elasticsearch; the
bench polls the posts alias every 50 ms for the posts not yet seen."""

import asyncio
import random
import time
import uuid
from dataclasses import dataclass

from elasticsearch import AsyncElasticsearch

from agora.eventsourcing.envelope import new_envelopes
from agora.eventsourcing.kafka import create_producer
from agora.feed.domain import events as feed_events
from bench.search.generator import TOPICS, Organisation
from bench.stats import Distribution, distribution

POLL_SECONDS = 0.05
GIVE_UP_SECONDS = 60.0


@dataclass
class Freshness:
    """Publication-to-searchable delays."""

    posts: int
    rate: float
    latency: Distribution
    never_seen: int


async def measure_freshness(
    *,
    bootstrap: str,
    feed_topic: str,
    client: AsyncElasticsearch,
    posts_alias: str,
    organisation: Organisation,
    count: int,
    rate: float,
    seed: int,
) -> Freshness:
    """Publish ``count`` posts at ``rate`` per second and time when each becomes searchable."""
    rng = random.Random(seed)
    producer = create_producer(bootstrap_servers=bootstrap, client_id="bench-search-freshness")
    await producer.start()
    published: dict[str, float] = {}
    seen: dict[str, float] = {}
    done = asyncio.Event()

    async def poll() -> None:
        while not done.is_set() or len(seen) < len(published):
            pending = [p for p in published if p not in seen]
            if pending:
                response = await client.search(
                    index=posts_alias,
                    body={
                        "query": {"ids": {"values": pending}},
                        "size": len(pending),
                        "_source": False,
                    },
                )
                now = time.monotonic()
                for hit in response["hits"]["hits"]:
                    seen.setdefault(hit["_id"], now)
            if (
                done.is_set()
                and pending
                and time.monotonic() - max(published.values()) > GIVE_UP_SECONDS
            ):
                return
            await asyncio.sleep(POLL_SECONDS)

    poller = asyncio.create_task(poll())
    try:
        start = time.monotonic()
        for number in range(count):
            await asyncio.sleep(max(0.0, start + number / rate - time.monotonic()))
            author = rng.choice(organisation.people)
            topic = rng.choice(TOPICS)
            post_id = uuid.uuid4().hex
            event = feed_events.PostPublished(
                post_id=post_id,
                author_id=author.person_id,
                place=feed_events.Place(kind="profile", id=author.person_id),
                kind="post",
                content=feed_events.Content(text=f"Nouveauté {topic} : {uuid.uuid4().hex[:6]}"),
                tags=(topic.replace(" ", "-"),),
            )
            (envelope,) = new_envelopes(
                source="/agora/bench",
                stream_id=f"post-{post_id}",
                first_version=1,
                events=[event],
                actor=author.person_id,
                command_id=None,
                traceparent=None,
                tracestate=None,
            )
            published[post_id] = time.monotonic()
            await producer.send_and_wait(
                feed_topic, value=envelope.to_json_bytes(), key=envelope.streamid.encode()
            )
        done.set()
        await poller
    finally:
        done.set()
        poller.cancel()
        await producer.stop()
    delays = [seen[p] - at if p in seen else float("inf") for p, at in published.items()]
    return Freshness(
        posts=count,
        rate=rate,
        latency=distribution(delays),
        never_seen=sum(1 for p in published if p not in seen),
    )
