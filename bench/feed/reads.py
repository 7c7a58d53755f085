"""Home timeline reads: the service over HTTP, and the same page read raw from the database.

* **ours**: ``GET /me/timeline?limit=30`` for random people, by a few workers (asyncio tasks in
  this process), each sending its next request as soon as the last one answered;
* **raw, precomputed keys**: what the page costs at least on the same database: the 30 newest
  entries of the person's home timeline and of each large community merged into it (one
  ``_id`` range read sorted by ``_id`` with a limit each, concurrently, which MongoDB and
  Agora's FerretDB build read from the ``_id`` index), then the 30 newest of them as posts with
  the service's list projection in one ``find({"_id": {"$in": [...]}})``; no visibility
  checks, no facts, no names, no JSON, no HTTP;
* **raw, naive query**: the page as one query without precomputed keys: posts whose place is
  one of the person's communities or whose author they follow, newest first, 30 of them.
  FerretDB filters ``$in`` on other fields than ``_id`` after reading every row, so this scans
  the posts collection.
"""

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from pymongo.asynchronous.collection import AsyncCollection

from agora.eventsourcing.readmodel import find_by_ids
from agora.feed.readside.pages import entry_key, newest_entries
from agora.feed.readside.timelines import LIST_PROJECTION
from bench.feed.organisation import Organisation
from bench.feed.service import Tokens
from bench.stats import Distribution, distribution, rate

Document = dict[str, Any]
MAX_ERRORS = 50
"""A read phase gives up after this many failed reads (the service is broken, not slow)."""


@dataclass(frozen=True)
class ReadResult:
    """Reads done by ``workers`` workers for ``seconds``."""

    label: str
    workers: int
    reads: int
    seconds: float
    latency: Distribution
    items_per_page: float
    """Posts a page held on average (a page of nothing would be a meaningless figure)."""
    errors: int
    groups: dict[str, Distribution]
    """Latency by kind of reader, when the phase told readers apart."""

    @property
    def per_second(self) -> float:
        """Reads answered per second."""
        return rate(self.reads, self.seconds)

    def as_dict(self) -> dict[str, Any]:
        """The figures for the JSON line."""
        return {
            "label": self.label,
            "workers": self.workers,
            "reads": self.reads,
            "seconds": round(self.seconds, 2),
            "reads_per_s": round(self.per_second, 1),
            "latency": self.latency.as_dict(),
            "items_per_page": round(self.items_per_page, 1),
            "errors": self.errors,
            "by_reader": {name: values.as_dict() for name, values in self.groups.items()},
        }


ReadOne = Callable[[str], Awaitable[int]]
"""Reads one person's page; returns how many posts it held."""


async def run_readers(
    *,
    label: str,
    read_one: ReadOne,
    readers: list[str],
    workers: int,
    seconds: float,
    rng: random.Random,
    at_least: int = 0,
    group: Callable[[str], str] | None = None,
) -> ReadResult:
    """``workers`` loops reading random readers' pages for ``seconds`` (each worker reads at
    least ``at_least`` pages, whatever the time)."""
    durations: list[float] = []
    grouped: dict[str, list[float]] = {}
    items: list[int] = []
    errors = 0
    started = time.perf_counter()
    deadline = started + seconds
    choices = [rng.choice(readers) for _ in range(200_000)]
    turn = 0

    async def worker() -> None:
        nonlocal errors, turn
        done = 0
        while done < at_least or time.perf_counter() < deadline:
            person = choices[turn % len(choices)]
            turn += 1
            began = time.perf_counter()
            try:
                held = await read_one(person)
            except (httpx.HTTPError, ReadFailedError):
                errors += 1
                if errors > MAX_ERRORS:
                    raise
                continue
            took = time.perf_counter() - began
            durations.append(took)
            if group is not None:
                grouped.setdefault(group(person), []).append(took)
            items.append(held)
            done += 1

    await asyncio.gather(*(worker() for _ in range(workers)))
    elapsed = time.perf_counter() - started
    return ReadResult(
        label=label,
        workers=workers,
        reads=len(durations),
        seconds=elapsed,
        latency=distribution(durations or [float("inf")]),
        items_per_page=sum(items) / len(items) if items else 0.0,
        errors=errors,
        groups={name: distribution(values) for name, values in sorted(grouped.items())},
    )


class ReadFailedError(RuntimeError):
    """The service answered a read with an error status."""


def http_home_reader(client: httpx.AsyncClient, tokens: Tokens, page_size: int) -> ReadOne:
    """Reads ``GET /me/timeline`` as the person."""

    async def read(person: str) -> int:
        response = await client.get(
            "/me/timeline", params={"limit": page_size}, headers=tokens.headers(person)
        )
        if response.status_code != 200:
            raise ReadFailedError(f"{response.status_code}: {response.text[:200]}")
        return len(response.json()["items"])

    return read


def raw_home_reader(
    timelines: AsyncCollection[Document],
    posts: AsyncCollection[Document],
    page_size: int,
    keys_of: Callable[[str], list[str]],
) -> ReadOne:
    """Reads the newest entries of the person's timelines (their home and the large communities
    merged into it), and the newest posts among them."""

    async def read(person: str) -> int:
        per_timeline = await asyncio.gather(
            *(newest_entries(timelines, key, page_size) for key in keys_of(person))
        )
        entries = {entry["post_id"]: entry for found in per_timeline for entry in found}
        newest = sorted(entries.values(), key=entry_key, reverse=True)[:page_size]
        found = await find_by_ids(posts, [entry["post_id"] for entry in newest], LIST_PROJECTION)
        return len(found)

    return read


def naive_home_reader(
    posts: AsyncCollection[Document], organisation: Organisation, page_size: int
) -> ReadOne:
    """One query: posts of the person's communities or followees, newest first."""

    async def read(person: str) -> int:
        query = {
            "$or": [
                {"place.id": {"$in": organisation.member_of[person]}},
                {"author_id": {"$in": [person, *organisation.following[person]]}},
            ]
        }
        cursor = posts.find(query, LIST_PROJECTION).sort("published_at", -1).limit(page_size)
        return len(await cursor.to_list())

    return read
