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
longer: the figures are late by up to that interval (a few per cent once posts take seconds).
The checks due at each tick go out together, one ``find`` by an ``_id`` list per kind (posts'
publication times, timeline entries, delivery records), so a backlog of pending posts costs
the database a few queries a tick rather than one per post: the measurement must not load the
system it measures.
"""

import asyncio
import math
import random
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from pymongo.asynchronous.collection import AsyncCollection

from agora.eventsourcing.readmodel import IDS_PER_QUERY, find_by_ids
from agora.feed.readside.pages import entry_id
from agora.feed.readside.timelines import community_key, delivery_id, home_key
from bench.feed.events import PostMaker, PostSpec
from bench.feed.organisation import Community, Organisation
from bench.feed.service import Tokens
from bench.stats import Distribution, distribution

Document = dict[str, Any]
NEVER = math.inf
TRANSPORT_ERROR = -1
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
    """Queries the visibility checks made (their load on the database)."""
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
    watch = _Watch(timelines, posts, poll_interval=poll_interval)

    async def fire(planned: PlannedPost, sample: _Sample) -> None:
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
        watch.add(str(response.json()["post_id"]), planned.visible_key, sample)

    samples = [_Sample(scheduled=0.0) for _ in plan]
    origin = time.perf_counter() + 0.05
    give_up_at = origin + (len(plan) - 1) / rate + drain_seconds
    watching = asyncio.create_task(watch.run(give_up_at))
    tasks: list[asyncio.Task[None]] = []
    for index, (planned, sample) in enumerate(zip(plan, samples, strict=True)):
        sample.scheduled = origin + index / rate
        delay = sample.scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(fire(planned, sample)))
    _, pending = await asyncio.wait(tasks, timeout=max(0.0, give_up_at - time.perf_counter()) + 5)
    for task in pending:
        task.cancel()
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise RuntimeError(f"{label}: a post failed") from task.exception()
    watch.sending_done()
    await watching
    return _result(label, plan, samples, rate=rate, threshold=threshold, polls=watch.queries)


@dataclass
class _Pending:
    """A created post being watched until it is visible and its fan-out is done."""

    post_id: str
    visible_key: str
    sample: _Sample
    next_check: float
    published_at: datetime | None = None


class _Watch:
    """Times created posts until visible and fanned out, with the checks due at each tick
    batched: posts' publication times (their documents are written before the fan-out), then
    the entries in the sampled readers' timelines, then the delivery records."""

    def __init__(
        self,
        timelines: AsyncCollection[Document],
        posts: AsyncCollection[Document],
        *,
        poll_interval: float,
    ) -> None:
        self._timelines = timelines
        self._posts = posts
        self._poll_interval = poll_interval
        self._pending: dict[str, _Pending] = {}
        self._sending = True
        self.queries = 0

    def add(self, post_id: str, visible_key: str, sample: _Sample) -> None:
        """Watch a post that was just created."""
        self._pending[post_id] = _Pending(post_id, visible_key, sample, time.perf_counter())

    def sending_done(self) -> None:
        """No more posts will be added: stop once every pending one is delivered."""
        self._sending = False

    async def run(self, give_up_at: float) -> None:
        """Check until every post is delivered (or ``give_up_at``: the rest stay undelivered)."""
        while self._sending or self._pending:
            now = time.perf_counter()
            if now >= give_up_at:
                return
            due = [pending for pending in self._pending.values() if pending.next_check <= now]
            if due:
                await self._check(due)
            await asyncio.sleep(self._poll_interval)

    async def _check(self, due: list[_Pending]) -> None:
        unknown = [pending for pending in due if pending.published_at is None]
        if unknown:
            found = await self._find(self._posts, [p.post_id for p in unknown], "published_at")
            for pending in unknown:
                document = found.get(pending.post_id)
                if document is not None and "published_at" in document:
                    pending.published_at = document["published_at"]
        entries = {
            entry_id(pending.visible_key, {"post_id": pending.post_id, "at": at}): pending
            for pending in due
            if (at := pending.published_at) is not None and pending.sample.visible == NEVER
        }
        if entries:
            shown = await self._find(self._timelines, list(entries), "_id")
            now = time.perf_counter()
            for key in shown:
                entries[str(key)].sample.visible = now
        records = {delivery_id(pending.post_id): pending for pending in due}
        delivered = await self._find(self._timelines, list(records), "_id")
        now = time.perf_counter()
        for key in delivered:
            pending = records[str(key)]
            if pending.sample.visible == NEVER:  # its entry came after the entries' query
                pending.sample.visible = now
            pending.sample.done = now
            del self._pending[pending.post_id]
        for pending in due:
            age = now - pending.sample.scheduled
            pending.next_check = now + max(self._poll_interval, age * RELATIVE_INTERVAL)

    async def _find(
        self, collection: AsyncCollection[Document], ids: list[str], field: str
    ) -> dict[Any, Document]:
        self.queries += math.ceil(len(ids) / IDS_PER_QUERY)
        return await find_by_ids(collection, ids, {field: 1})


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
