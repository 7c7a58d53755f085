"""Loading the organisation's facts and the preloaded posts, timed until the projection has
applied them (its committed offsets reach the ends of the topics)."""

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from pymongo.asynchronous.collection import AsyncCollection

from agora.feed.readside.pages import CLOSED_MARK
from agora.feed.settings import FeedSettings
from bench.feed.events import PostMaker, fact_messages, post_message, send_all
from bench.feed.organisation import Organisation
from bench.feed.progress import ProjectionProgress
from bench.stats import rate

Document = dict[str, Any]
Report = Callable[[str], None]
PRELOAD_CHUNK = 100


@dataclass(frozen=True)
class FactsResult:
    """The organisation's upstream events, sent and applied."""

    events: int
    send_seconds: float
    seconds: float
    """From the first send to the projection having applied the last event."""

    @property
    def per_second(self) -> float:
        """Events applied per second."""
        return rate(self.events, self.seconds)

    def as_dict(self) -> dict[str, Any]:
        """The figures for the JSON line."""
        return {
            "events": self.events,
            "send_seconds": round(self.send_seconds, 2),
            "seconds": round(self.seconds, 2),
            "events_per_s": round(self.per_second, 1),
        }


@dataclass(frozen=True)
class PreloadResult:
    """Posts put on the feed topic as the relay would, and fanned out by the projection."""

    posts: int
    wanted: int
    seconds: float
    """From the first send to the projection having applied the last post."""
    stopped_on_time: bool
    timeline_entries: int
    home_entries: int
    timeline_documents: int
    count_seconds: float

    @property
    def per_second(self) -> float:
        """Posts applied (with their fan-out) per second."""
        return rate(self.posts, self.seconds)

    @property
    def entries_per_post(self) -> float:
        """Timeline entries (every timeline) written per post."""
        return self.timeline_entries / self.posts if self.posts else 0.0

    @property
    def home_entries_per_post(self) -> float:
        """Home timeline entries written per post."""
        return self.home_entries / self.posts if self.posts else 0.0

    def estimate_seconds(self, posts: int) -> float:
        """How long ``posts`` posts would take at the measured rate."""
        return posts / self.per_second

    def as_dict(self) -> dict[str, Any]:
        """The figures for the JSON line."""
        return {
            "posts": self.posts,
            "wanted": self.wanted,
            "seconds": round(self.seconds, 2),
            "posts_per_s": round(self.per_second, 2),
            "stopped_on_time": self.stopped_on_time,
            "timeline_entries": self.timeline_entries,
            "home_entries": self.home_entries,
            "timeline_entries_per_post": round(self.entries_per_post, 1),
            "home_entries_per_post": round(self.home_entries_per_post, 1),
            "timeline_documents": self.timeline_documents,
        }


async def load_facts(
    *,
    producer: AIOKafkaProducer,
    progress: ProjectionProgress,
    organisation: Organisation,
    settings: FeedSettings,
    stall_seconds: float,
    report: Report,
) -> FactsResult:
    """Publish every profiles, cards and communities event, then wait until applied."""
    started = time.perf_counter()
    events = await send_all(producer, fact_messages(organisation, settings))
    sent = time.perf_counter()
    report(f"facts: {events:,} events sent in {sent - started:.1f} s; waiting for the projection")
    finished = await progress.wait_caught_up(
        what="facts", stall_seconds=stall_seconds, report=report, interval=0.5
    )
    return FactsResult(events=events, send_seconds=sent - started, seconds=finished - started)


async def preload_posts(
    *,
    producer: AIOKafkaProducer,
    progress: ProjectionProgress,
    organisation: Organisation,
    settings: FeedSettings,
    posts: int,
    max_seconds: float,
    ahead: int,
    rng: random.Random,
    stall_seconds: float,
    report: Report,
) -> tuple[int, float, bool]:
    """Put up to ``posts`` posts on the feed topic, at most ``ahead`` unapplied at a time, and
    wait until the projection applied them; sending stops early when the posts sent so far
    would take the whole preload past ``max_seconds`` at the rate measured so far.

    Returns the posts sent, the seconds from the first send to the last one applied, and
    whether sending stopped on time rather than on count.
    """
    maker = PostMaker(organisation, rng)
    topic = [settings.events_topic]
    started = time.perf_counter()
    deadline = started + max_seconds
    sent = 0
    last_report = started
    while sent < posts:
        lag = await progress.lag_or_none(topic)
        now = time.perf_counter()
        if lag is None:
            if now >= deadline:
                break
            await asyncio.sleep(1.0)
            continue
        behind = lag
        applied = sent - behind
        # Stop sending when the posts still unapplied would take past the deadline to apply.
        if applied > 0 and now + behind * (now - started) / applied >= deadline:
            break
        if now >= deadline:
            break
        if behind >= ahead:
            await asyncio.sleep(0.1)
            continue
        chunk = min(PRELOAD_CHUNK, posts - sent)
        messages = [
            post_message(maker.any_post(), f"pre{sent + n:07d}", settings.events_topic)
            for n in range(chunk)
        ]
        sent += await send_all(producer, messages)
        if time.perf_counter() - last_report > 10.0:
            last_report = time.perf_counter()
            report(f"preload: {sent:,} posts sent in {last_report - started:.0f} s")
    stopped_on_time = sent < posts
    finished = await progress.wait_caught_up(
        what="preload", stall_seconds=stall_seconds, topics=topic, report=report
    )
    return sent, finished - started, stopped_on_time


async def count_entries(timelines: AsyncCollection[Document]) -> tuple[int, int, int, float]:
    """Timeline entries in all, home entries, timeline documents (one an entry, besides the
    closed timelines' markers), and the seconds counting took (a scan of the collection)."""
    started = time.perf_counter()
    entries = homes = documents = 0
    async for document in timelines.find({}, {"_id": 1}):
        key = str(document["_id"])
        if key.startswith("~"):
            continue
        documents += 1
        if key.endswith(CLOSED_MARK):
            continue
        entries += 1
        if key.startswith("home:"):
            homes += 1
    return entries, homes, documents, time.perf_counter() - started
