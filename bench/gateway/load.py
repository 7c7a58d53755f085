"""The load against one path for a while: a fixed number of requests in flight (closed loop),
or requests sent on a fixed schedule whatever the answers (open loop, a steady rate).

The client is aiohttp, whose CPU cost per request is about a tenth of httpx's (measured on the
project machine: about 0.12 ms against 1.3 ms), so the load generator stays far from being the
bottleneck; each round opens a session of its own, so no round inherits another's connections.
"""

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

from bench.feed.events import PostMaker
from bench.gateway.organisation import Tokens, idempotency_key
from bench.stats import rate

REQUEST_TIMEOUT_SECONDS = 30.0
STEADY_CONNECTIONS = 64
"""At most this many requests in flight at a steady rate; the rate is chosen well below
saturation, so it is reached only if a side stalls (and its latency then shows it)."""
TIMELINE = "timeline"
POST = "post"


@dataclass(frozen=True)
class Target:
    """One way to reach the feed: straight to it, or through the gateway."""

    side: str
    """``direct`` or ``gateway``."""
    base_url: str
    """Prepended to the feed's own paths: the feed's URL, or the gateway's ``/api/v1/feed``."""


@dataclass(frozen=True)
class Call:
    """One request to send and the status that means it did its work."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    expected: int


class Operation:
    """Makes the requests of one measured operation for random people."""

    def __init__(
        self, name: str, make: Callable[[str], Call], people: list[str], seed: int
    ) -> None:
        self.name = name
        self._make = make
        self._people = people
        self._rng = random.Random(seed)

    def next_call(self) -> Call:
        """The next request, by a random person."""
        return self._make(self._rng.choice(self._people))


def timeline_read(tokens: Tokens, people: list[str], page_size: int, seed: int) -> Operation:
    """``GET /me/timeline?limit=<page_size>``: a person's home timeline, first page."""
    path = f"/me/timeline?limit={page_size}"

    def make(person: str) -> Call:
        return Call("GET", path, tokens.headers(person), None, 200)

    return Operation(TIMELINE, make, people, seed)


def post_creation(tokens: Tokens, maker: PostMaker, people: list[str], seed: int) -> Operation:
    """``POST /posts``: a post on the person's own profile, with a fresh ``Idempotency-Key``."""

    def make(person: str) -> Call:
        body = json.dumps(maker.profile_post(person).request_body()).encode()
        headers = {
            **tokens.headers(person),
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key(),
        }
        return Call("POST", "/posts", headers, body, 201)

    return Operation(POST, make, people, seed)


@dataclass
class RoundResult:
    """What one round against one target did."""

    side: str
    seconds: float = 0.0
    durations: list[float] = field(default_factory=list)
    """Seconds of each request that got its expected status."""
    failures: Counter[str] = field(default_factory=Counter)
    """Other outcomes: a status code, or the name of a transport error."""

    @property
    def per_second(self) -> float:
        """Successful requests per second."""
        return rate(len(self.durations), self.seconds)


def new_session(concurrency: int) -> aiohttp.ClientSession:
    """A session with one kept-alive connection per worker, and nothing else in the way."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency),
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS),
        skip_auto_headers=("User-Agent",),
    )


async def run_round(
    *, target: Target, operation: Operation, concurrency: int, seconds: float
) -> RoundResult:
    """``concurrency`` workers, each sending its next request as soon as the last one was
    answered (and its body read), until ``seconds`` have passed."""
    result = RoundResult(target.side)
    async with new_session(concurrency) as session:
        started = time.perf_counter()
        deadline = started + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                await _send(session, target, operation.next_call(), time.perf_counter(), result)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
    return result


async def run_steady_round(
    *, target: Target, operation: Operation, per_second: float, seconds: float
) -> RoundResult:
    """One request every ``1 / per_second`` seconds for ``seconds``, each sent at its time
    whether or not earlier ones were answered. A request's latency counts from the time it
    was due, so a side that falls behind is not flattered by sending later (no coordinated
    omission)."""
    result = RoundResult(target.side)
    async with new_session(STEADY_CONNECTIONS) as session:
        started = time.perf_counter()
        in_flight: list[asyncio.Task[None]] = []
        for number in range(max(1, round(seconds * per_second))):
            due = started + number / per_second
            if (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            call = operation.next_call()
            in_flight.append(asyncio.create_task(_send(session, target, call, due, result)))
        await asyncio.gather(*in_flight)
        result.seconds = time.perf_counter() - started
    return result


async def _send(
    session: aiohttp.ClientSession, target: Target, call: Call, began: float, result: RoundResult
) -> None:
    """Send one request, read its answer, and note its outcome in ``result``."""
    try:
        async with session.request(
            call.method, target.base_url + call.path, headers=call.headers, data=call.body
        ) as response:
            await response.read()
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as error:
        result.failures[type(error).__name__] += 1
        return
    if status == call.expected:
        result.durations.append(time.perf_counter() - began)
    else:
        result.failures[str(status)] += 1
