"""Live updates: who is connected, which signals they are owed, and what they can replay.

A *signal* says only that something changed for a person (``timeline``: a post entered their
home timeline; ``notifications``: they have a new or updated notification about a post); it
carries the post's id and never its content. The gateway never decides visibility itself: a
signal is sent only once the feed, asked as that person with their own token, shows the post
in their home timeline or a notification about it (``FeedChecks``).

Each connected person has a ``PersonWatch``: their open streams, the token to ask the feed
with, the checks still pending, and a replay buffer of the signals sent to them. Signal ids are
``<boot>-<sequence>``: ``boot`` is random per process, the sequence grows by one per signal in
this process, so a ``Last-Event-ID`` from this process says exactly what a reconnecting
client saw; any other id (another replica, a restart, an evicted signal) gets a ``resync``
signal instead: refetch the timeline and the notifications.
"""

import asyncio
import contextlib
import logging
import math
import re
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from prometheus_client import Counter, Gauge

_logger = logging.getLogger(__name__)

SignalKind = Literal["timeline", "notifications"]
RESYNC: Literal["resync"] = "resync"
SUBSCRIPTION_QUEUE_SIZE = 200
"""Signals waiting for one slow client; past this the stream gets a ``resync`` instead."""
_EVENT_ID = re.compile(r"([0-9a-f]{8})-([0-9]{1,18})")

LIVE_STREAMS = Gauge("agora_gateway_live_streams", "Open live-update streams in this process")
LIVE_SIGNALS = Counter(
    "agora_gateway_live_signals_total", "Signals sent to people's streams", ["kind"]
)
LIVE_CHECKS = Counter(
    "agora_gateway_live_checks_total",
    "Checks with the feed, by kind and outcome (found, not_yet, gave_up, failed)",
    ["kind", "outcome"],
)


@dataclass(frozen=True, slots=True)
class Signal:
    """One entry of a person's stream: a change to refetch, never its content."""

    seq: int
    kind: SignalKind | Literal["resync"]
    post_id: str | None
    at: float
    """When it was made (monotonic seconds), for the replay buffer's age limit."""


@dataclass(frozen=True, slots=True)
class NotificationSeen:
    """A notification of the person's inbox as the feed lists it: its post and last change."""

    post_id: str
    updated_at: datetime


class FeedChecks(Protocol):
    """What the feed shows a person (asked with their own token); ``None``: it did not answer."""

    async def timeline(self, token: str) -> set[str] | None:
        """The ids of the posts on the first page of the person's home timeline."""
        ...

    async def notifications(self, token: str) -> list[NotificationSeen] | None:
        """The newest notifications of the person's inbox."""
        ...


class ReplayBuffer:
    """The last signals sent to a person, bounded in number and age.

    ``floor`` is the highest sequence number the buffer cannot vouch for: a client that saw
    up to ``n >= floor`` can be given exactly what came after; below it, signals may be gone.
    """

    def __init__(self, *, floor: int, max_signals: int, max_age: float) -> None:
        self.floor = floor
        self._max_signals = max_signals
        self._max_age = max_age
        self._signals: deque[Signal] = deque()

    def add(self, signal: Signal) -> None:
        """Keep ``signal``, evicting the oldest over the bound."""
        self._signals.append(signal)
        self._prune(signal.at)

    def after(self, seq: int, now: float) -> list[Signal] | None:
        """The signals after ``seq``; ``None`` when some of them may have been evicted."""
        self._prune(now)
        if seq < self.floor:
            return None
        return [signal for signal in self._signals if signal.seq > seq]

    def _prune(self, now: float) -> None:
        while self._signals and (
            len(self._signals) > self._max_signals or now - self._signals[0].at > self._max_age
        ):
            self.floor = max(self.floor, self._signals.popleft().seq)

    def __len__(self) -> int:
        return len(self._signals)


@dataclass(eq=False)
class Subscription:
    """One open stream of a person."""

    person_id: str
    queue: "asyncio.Queue[Signal]" = field(
        default_factory=lambda: asyncio.Queue(SUBSCRIPTION_QUEUE_SIZE)
    )
    overflowed: bool = False
    """Signals were dropped because the client reads too slowly: it must resync."""

    def push(self, signal: Signal) -> None:
        """Queue ``signal`` for the stream, or note that it fell behind."""
        try:
            self.queue.put_nowait(signal)
        except asyncio.QueueFull:
            self.overflowed = True


@dataclass(frozen=True, slots=True)
class Opened:
    """A stream just opened: its subscription and what to replay first."""

    subscription: Subscription
    replay: list[Signal]


class TooManyStreamsError(Exception):
    """The person (or this process) has as many open streams as allowed."""

    def __init__(self, *, per_person: bool) -> None:
        super().__init__("too many streams for this person" if per_person else "too many streams")
        self.per_person = per_person


@dataclass(slots=True)
class _Pending:
    kind: SignalKind
    post_id: str
    since: datetime
    """For notifications: one changed at or after this time is about this event."""
    attempts: int
    due: float


@dataclass(frozen=True, slots=True)
class LiveLimits:
    """The live updates' bounds and timings (from the settings)."""

    max_streams_per_person: int = 5
    max_streams: int = 10_000
    replay_signals: int = 100
    replay_seconds: float = 600.0
    reconnect_grace_seconds: float = 60.0
    check_delays: tuple[float, ...] = (0.3, 0.7, 1.5, 2.5)
    check_min_interval: float = 1.0
    """Between two requests of one kind for one person: bounds the cost while events pour in."""
    heartbeat_seconds: float = 15.0


class PersonWatch:
    """One person's open streams, pending checks and replay buffer."""

    def __init__(
        self,
        *,
        person_id: str,
        token: str,
        expires_at: float,
        checks: FeedChecks,
        deliver: Callable[[str, SignalKind, str], None],
        limits: LiveLimits,
        floor: int,
        clock: Callable[[], float],
    ) -> None:
        self.person_id = person_id
        self.token = token
        self.expires_at = expires_at
        """When the token expires (seconds since the epoch): no check is made after it."""
        self.subscriptions: set[Subscription] = set()
        self.idle_since: float | None = None
        self.buffer = ReplayBuffer(
            floor=floor, max_signals=limits.replay_signals, max_age=limits.replay_seconds
        )
        self._checks = checks
        self._deliver = deliver
        self._delays = limits.check_delays
        self._min_interval = limits.check_min_interval
        self._clock = clock
        self._pending: dict[tuple[SignalKind, str], _Pending] = {}
        self._last_check: dict[SignalKind, float] = {}
        self._wake = asyncio.Event()

    def use_token(self, token: str, expires_at: float) -> None:
        """Ask the feed with the newest token from now on."""
        if expires_at >= self.expires_at:
            self.token, self.expires_at = token, expires_at

    def expect(self, kind: SignalKind, post_id: str, since: datetime) -> None:
        """Check (soon, then again a few times) whether the feed shows this to the person."""
        key = (kind, post_id)
        pending = self._pending.get(key)
        if pending is None:
            self._pending[key] = _Pending(
                kind=kind,
                post_id=post_id,
                since=since,
                attempts=0,
                due=self._clock() + self._delays[0],
            )
            self._wake.set()
        elif since < pending.since:
            pending.since = since

    @property
    def pending(self) -> int:
        """How many checks are still open."""
        return len(self._pending)

    async def run(self) -> None:
        """Make the checks as they fall due, one request per kind for everything pending."""
        while True:
            if not self._pending:
                self._wake.clear()
                await self._wake.wait()
                continue
            now = self._clock()
            due = self._due_times()
            next_due = min(due.values())
            if next_due > now:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), next_due - now)
                continue
            for kind in sorted(kind for kind, at in due.items() if at <= now):
                self._last_check[kind] = self._clock()
                await self._check(kind)

    def _due_times(self) -> dict[SignalKind, float]:
        """When each kind's next request may go: its earliest due check, spaced out."""
        earliest: dict[SignalKind, float] = {}
        for pending in self._pending.values():
            earliest[pending.kind] = min(pending.due, earliest.get(pending.kind, pending.due))
        return {
            kind: max(at, self._last_check.get(kind, -math.inf) + self._min_interval)
            for kind, at in earliest.items()
        }

    async def _ask(self, kind: SignalKind) -> set[str] | None:
        """The pending posts of ``kind`` the feed shows; ``None`` if it could not tell."""
        if time.time() >= self.expires_at:
            return None  # the feed would refuse the token
        try:
            if kind == "timeline":
                return await self._checks.timeline(self.token)
            return _notified(
                await self._checks.notifications(self.token),
                [p for p in self._pending.values() if p.kind == kind],
            )
        except Exception:
            _logger.warning("a live-update check failed", exc_info=True)
            return None

    async def _check(self, kind: SignalKind) -> None:
        found = await self._ask(kind)
        now = self._clock()
        for key, pending in list(self._pending.items()):
            if pending.kind != kind:
                continue
            if found is not None and pending.post_id in found:
                del self._pending[key]
                LIVE_CHECKS.labels(kind, "found").inc()
                self._deliver(self.person_id, kind, pending.post_id)
                continue
            if pending.due > now:
                continue  # checked for free with the others; its own turn comes later
            pending.attempts += 1
            if pending.attempts >= len(self._delays):
                del self._pending[key]
                LIVE_CHECKS.labels(kind, "gave_up" if found is not None else "failed").inc()
            else:
                LIVE_CHECKS.labels(kind, "not_yet" if found is not None else "failed").inc()
                pending.due = now + self._delays[pending.attempts]


def _notified(seen: list[NotificationSeen] | None, pending: Iterable[_Pending]) -> set[str] | None:
    if seen is None:
        return None
    since = {p.post_id: p.since for p in pending}
    return {
        notification.post_id
        for notification in seen
        if notification.post_id in since and notification.updated_at >= since[notification.post_id]
    }


class LiveHub:
    """Every person with an open stream (or one closed a moment ago) in this process."""

    def __init__(
        self,
        *,
        checks: FeedChecks,
        limits: LiveLimits,
        clock: Callable[[], float] = time.monotonic,
        boot: str | None = None,
    ) -> None:
        self.boot = boot or secrets.token_hex(4)
        self.limits = limits
        self._checks = checks
        self._limits = limits
        self._clock = clock
        self._seq = 0
        self._streams = 0
        self._watches: dict[str, PersonWatch] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def event_id(self, signal: Signal) -> str:
        """The SSE ``id`` of a signal."""
        return f"{self.boot}-{signal.seq}"

    def open(
        self, *, person_id: str, token: str, expires_at: float, last_event_id: str | None
    ) -> Opened:
        """Register a new stream of ``person_id``; what it must replay is decided at once."""
        self._sweep()
        watch = self._watches.get(person_id)
        if watch is not None and len(watch.subscriptions) >= self._limits.max_streams_per_person:
            raise TooManyStreamsError(per_person=True)
        if self._streams >= self._limits.max_streams:
            raise TooManyStreamsError(per_person=False)
        if watch is None:
            watch = self._watch(person_id, token, expires_at)
        watch.use_token(token, expires_at)
        watch.idle_since = None
        subscription = Subscription(person_id=person_id)
        watch.subscriptions.add(subscription)
        self._streams += 1
        LIVE_STREAMS.inc()
        return Opened(subscription=subscription, replay=self._replay(watch, last_event_id))

    def close(self, subscription: Subscription) -> None:
        """Forget a stream; its person's watch stays for the reconnect grace period."""
        watch = self._watches.get(subscription.person_id)
        if watch is None or subscription not in watch.subscriptions:
            return
        watch.subscriptions.discard(subscription)
        self._streams -= 1
        LIVE_STREAMS.dec()
        if not watch.subscriptions:
            watch.idle_since = self._clock()

    def watchers(self) -> dict[str, PersonWatch]:
        """The people signals are prepared for now (connected, or reconnecting)."""
        self._sweep()
        return self._watches

    def buffered(self, person_id: str) -> int:
        """How many signals the person could replay now (for tests and diagnostics)."""
        watch = self._watches.get(person_id)
        return 0 if watch is None else len(watch.buffer)

    def resync(self) -> Signal:
        """A ``resync`` signal: the client must refetch, something may have been missed."""
        return Signal(seq=self._seq, kind=RESYNC, post_id=None, at=self._clock())

    def deliver(self, person_id: str, kind: SignalKind, post_id: str) -> None:
        """Send a signal to every open stream of the person and keep it for replays."""
        watch = self._watches.get(person_id)
        if watch is None:
            return
        self._seq += 1
        signal = Signal(seq=self._seq, kind=kind, post_id=post_id, at=self._clock())
        watch.buffer.add(signal)
        LIVE_SIGNALS.labels(kind).inc()
        for subscription in watch.subscriptions:
            subscription.push(signal)

    async def aclose(self) -> None:
        """Stop every watch (at shutdown)."""
        tasks = list(self._tasks.values())
        for person_id in list(self._watches):
            self._drop(person_id)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def _watch(self, person_id: str, token: str, expires_at: float) -> PersonWatch:
        watch = PersonWatch(
            person_id=person_id,
            token=token,
            expires_at=expires_at,
            checks=self._checks,
            deliver=self.deliver,
            limits=self._limits,
            floor=self._seq,
            clock=self._clock,
        )
        self._watches[person_id] = watch
        task = asyncio.create_task(watch.run(), name=f"live-watch-{person_id}")
        task.add_done_callback(_log_crash)
        self._tasks[person_id] = task
        return watch

    def _replay(self, watch: PersonWatch, last_event_id: str | None) -> list[Signal]:
        if last_event_id is None:
            return []
        match = _EVENT_ID.fullmatch(last_event_id.strip())
        if match is None or match.group(1) != self.boot:
            return [self.resync()]
        replay = watch.buffer.after(int(match.group(2)), self._clock())
        return [self.resync()] if replay is None else replay

    def _sweep(self) -> None:
        now, wall = self._clock(), time.time()
        grace = self._limits.reconnect_grace_seconds
        for person_id, watch in list(self._watches.items()):
            if watch.idle_since is not None and (
                now - watch.idle_since >= grace or wall >= watch.expires_at
            ):
                self._drop(person_id)

    def _drop(self, person_id: str) -> None:
        watch = self._watches.pop(person_id, None)
        task = self._tasks.pop(person_id, None)
        if task is not None:
            task.cancel()
        if watch is not None and watch.subscriptions:
            self._streams -= len(watch.subscriptions)
            LIVE_STREAMS.dec(len(watch.subscriptions))


def _log_crash(task: "asyncio.Task[None]") -> None:
    if not task.cancelled() and task.exception() is not None:
        _logger.error("a live-update watch stopped", exc_info=task.exception())
