"""Delivery latency: posts sent through ``POST /posts`` at a fixed arrival rate, each timed until
it can be read in a sampled reader's home timeline and until its whole fan-out is done.

The load is open loop: a post is sent when its turn comes whatever happened to the earlier
ones, and latency runs from that *scheduled* moment, so an overloaded service shows up as
growing latency rather than as a politely slower load (no coordinated omission).

Visibility is read from the read model by ``_id``, as the service's own home read does:

* *visible*: the post's entry is in the timeline the reader's home page reads first: their
  home timeline (``home:<reader>``), or, when the post's community is larger than the
  fan-out threshold, the community's (merged into members' homes when read);
* *fan-out done*: the post's delivery record (``~post:<id>`` in ``timelines``) exists; the
  projection writes it after the post reached every home it goes to (followers, members,
  mentions) and every other timeline.

Each pending post is checked every ``poll_interval``, or every 5 % of its age when that is
longer, with at most ``CONCURRENT_CHECKS`` checks (``find_one`` by ``_id``) in
flight: the figures are late by up to that interval (a few per cent once posts take seconds).
"""

import asyncio
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from pymongo.asynchronous.collection import AsyncCollection

from agora.feed.readside.pages import entry_id
from agora.feed.readside.timelines import community_key, delivery_id, home_key
from bench.feed.events import PostMaker, PostSpec
from bench.feed.organisation import Community, Organisation
from bench.feed.service import Tokens
from bench.stats import Distribution, distribution

Document = dict[str, Any]
NEVER = math.inf
TRANSPORT_ERROR = -1
CONCURRENT_CHECKS = 4
"""Visibility checks in flight at once, so a backlog of pending posts cannot flood the
database with checks (they queue instead, which only delays posts that are late anyway)."""
RELATIVE_INTERVAL = 0.05
"""A pending post is checked every ``poll_interval``, or every 5 % of its age if longer."""


@dataclass(frozen=True)
class PlannedPost:
    """A post to send, the reader whose home should show it, and where that is read from."""

    spec: PostSpec
    reader: str
    visible_key: str
    """The timeline whose newest entries show the post to ``reader``."""
    community_size: int
    """Members of the post's community (0 for a profile post)."""


@dataclass
class _Sample:
    scheduled: float
    started: float = NEVER
    posted: float = NEVER
    visible: float = NEVER
    done: float = NEVER
    status: int = 0
    """The answer's status; 0 before the send, ``TRANSPORT_ERROR`` when none came."""
    error: str = ""


@dataclass(frozen=True)
class DeliveryResult:
    """Posts sent at a fixed rate, timed from their scheduled send."""

    label: str
    rate: float
    posts: int
    seconds: float
    threshold: int
    """The service's ``large_community_members`` while this ran."""
    posted: Distribution
    """Scheduled send → ``201 Created`` (the command: facts read, decision, append)."""
    visible: Distribution
    """Scheduled send → readable in the sampled reader's home timeline."""
    done: Distribution
    """Scheduled send → the fan-out finished (every home and timeline written)."""
    failed: int
    """Posts answered with something other than 201, or not at all (never delivered)."""
    transport_errors: list[str]
    """The kinds of connection errors among the failed posts (none: every post was answered)."""
    undelivered: int
    """Posts not delivered within the drain time after the last scheduled send."""
    max_schedule_lag_ms: float
    polls: int
    """``find_one`` calls the visibility checks made (their load on the database)."""
    mean_community_size: float
    community_posts: int

    def as_dict(self) -> dict[str, Any]:
        """The figures for the JSON line."""
        return {
            "label": self.label,
            "rate_per_s": self.rate,
            "posts": self.posts,
            "seconds": round(self.seconds, 2),
            "large_community_members": self.threshold,
            "posted": self.posted.as_dict(),
            "visible": self.visible.as_dict(),
            "fan_out_done": self.done.as_dict(),
            "failed": self.failed,
            "transport_errors": self.transport_errors,
            "undelivered_within_drain": self.undelivered,
            "max_schedule_lag_ms": round(self.max_schedule_lag_ms, 1),
            "visibility_polls": self.polls,
            "community_posts": self.community_posts,
            "mean_community_size": round(self.mean_community_size, 1),
        }


class DeliveryPlanner:
    """Draws the posts of a delivery phase and a reader for each (the same for a seed)."""

    def __init__(self, organisation: Organisation, rng: random.Random) -> None:
        self._organisation = organisation
        self._rng = rng
        self._maker = PostMaker(organisation, rng)

    def mixed(self, count: int, *, threshold: int) -> list[PlannedPost]:
        """Community posts (any size) and profile posts."""
        return [self._plan(self._maker.any_post(), threshold) for _ in range(count)]

    def to_community(
        self, community: Community, count: int, *, threshold: int
    ) -> list[PlannedPost]:
        """Posts to one community."""
        return [self._plan(self._maker.community_post(community), threshold) for _ in range(count)]

    def _plan(self, spec: PostSpec, threshold: int) -> PlannedPost:
        organisation, rng = self._organisation, self._rng
        if spec.place_id is None:
            followers = organisation.followers[spec.author_id]
            reader = rng.choice(followers) if followers else spec.author_id
            return PlannedPost(spec, reader, home_key(reader), 0)
        community = organisation.by_id[spec.place_id]
        others = [member for member in community.members if member != spec.author_id]
        reader = rng.choice(others) if others else spec.author_id
        key = community_key(spec.place_id) if community.size > threshold else home_key(reader)
        return PlannedPost(spec, reader, key, community.size)


async def measure_delivery(
    *,
    label: str,
    client: httpx.AsyncClient,
    tokens: Tokens,
    timelines: AsyncCollection[Document],
    posts: AsyncCollection[Document],
    plan: list[PlannedPost],
    rate: float,
    threshold: int,
    drain_seconds: float,
    poll_interval: float,
) -> DeliveryResult:
    """Send the planned posts at ``rate`` per second and time each one's delivery."""
    tokens.prepare([planned.spec.author_id for planned in plan])
    polls = 0
    checking = asyncio.Semaphore(CONCURRENT_CHECKS)
    visibility = _Visibility(timelines, posts)

    async def poll_until(found: Callable[[], Any], scheduled: float, give_up_at: float) -> float:
        nonlocal polls
        while True:
            polls += 1
            async with checking:
                seen = await found()
            now = time.perf_counter()
            if seen:
                return now
            if now >= give_up_at:
                return NEVER
            await asyncio.sleep(max(poll_interval, (now - scheduled) * RELATIVE_INTERVAL))

    async def fire(planned: PlannedPost, sample: _Sample, give_up_at: float) -> None:
        sample.started = time.perf_counter()
        try:
            response = await client.post(
                "/posts",
                json=planned.spec.request_body(),
                headers=tokens.headers(planned.spec.author_id),
            )
        except httpx.HTTPError as error:
            # The connection failed or was dropped (an overloaded service): never delivered.
            sample.status = TRANSPORT_ERROR
            sample.error = type(error).__name__
            return
        sample.status = response.status_code
        if response.status_code != 201:
            return
        sample.posted = time.perf_counter()
        post_id = str(response.json()["post_id"])
        sample.visible = await poll_until(
            lambda: visibility.shown(planned.visible_key, post_id),
            sample.scheduled,
            give_up_at,
        )
        sample.done = await poll_until(
            lambda: timelines.find_one({"_id": delivery_id(post_id)}, {"_id": 1}),
            sample.scheduled,
            give_up_at,
        )

    samples = [_Sample(scheduled=0.0) for _ in plan]
    origin = time.perf_counter() + 0.05
    give_up_at = origin + (len(plan) - 1) / rate + drain_seconds
    tasks: list[asyncio.Task[None]] = []
    for index, (planned, sample) in enumerate(zip(plan, samples, strict=True)):
        sample.scheduled = origin + index / rate
        delay = sample.scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(fire(planned, sample, give_up_at)))
    _, pending = await asyncio.wait(tasks, timeout=max(0.0, give_up_at - time.perf_counter()) + 5)
    for task in pending:
        task.cancel()
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise RuntimeError(f"{label}: a post failed") from task.exception()
    return _result(label, plan, samples, rate=rate, threshold=threshold, polls=polls)


class _Visibility:
    """Whether a post's entry is in a timeline: one ``find_one`` by the entry's ``_id``, once
    the post's document (written before its fan-out) gave its publication time."""

    def __init__(
        self, timelines: AsyncCollection[Document], posts: AsyncCollection[Document]
    ) -> None:
        self._timelines = timelines
        self._posts = posts
        self._published: dict[str, datetime] = {}

    async def shown(self, key: str, post_id: str) -> bool:
        """Whether ``post_id`` is in the timeline ``key``."""
        if post_id not in self._published:
            post = await self._posts.find_one({"_id": post_id}, {"published_at": 1})
            if post is None or "published_at" not in post:
                return False
            self._published[post_id] = post["published_at"]
        entry = {"post_id": post_id, "at": self._published[post_id]}
        return await self._timelines.find_one({"_id": entry_id(key, entry)}, {"_id": 1}) is not None


def _result(
    label: str,
    plan: list[PlannedPost],
    samples: list[_Sample],
    *,
    rate: float,
    threshold: int,
    polls: int,
) -> DeliveryResult:
    posted = [s.posted - s.scheduled for s in samples]
    visible = [s.visible - s.scheduled for s in samples]
    done = [s.done - s.scheduled for s in samples]
    sizes = [p.community_size for p in plan if p.community_size]
    started = [s.started - s.scheduled for s in samples if math.isfinite(s.started)]
    return DeliveryResult(
        label=label,
        rate=rate,
        posts=len(samples),
        seconds=(len(samples) - 1) / rate if samples else 0.0,
        threshold=threshold,
        posted=distribution(posted),
        visible=distribution(visible),
        done=distribution(done),
        failed=sum(1 for s in samples if s.status not in (0, 201)),
        transport_errors=sorted({s.error for s in samples if s.status == TRANSPORT_ERROR}),
        undelivered=sum(1 for value in done if not math.isfinite(value)),
        max_schedule_lag_ms=max(started, default=0.0) * 1000.0,
        polls=polls,
        mean_community_size=sum(sizes) / len(sizes) if sizes else 0.0,
        community_posts=len(sizes),
    )
