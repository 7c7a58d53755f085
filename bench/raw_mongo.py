"""Raw FerretDB: single-document inserts shaped like the event store's commit documents, then
one single-document update of each (the relay's published mark)."""

import asyncio
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from bench.payload import sample_message
from bench.stats import Distribution, distribution, rate

Document = dict[str, Any]
RAW_COLLECTION = "raw_inserts"


@dataclass(frozen=True)
class MongoResult:
    """Timings of single-document writes (``insert_one`` or ``update_one``) made by a few
    concurrent writers."""

    operations: int
    concurrency: int
    seconds: float
    latency: Distribution

    @property
    def per_second(self) -> float:
        """Writes per second over the whole measurement."""
        return rate(self.operations, self.seconds)


async def measure_raw_inserts(
    *, database: AsyncDatabase[Document], inserts: int, concurrency: int, message_bytes: int
) -> MongoResult:
    """Insert ``inserts`` documents, ``concurrency`` at a time, into a collection of their own."""
    collection = database[RAW_COLLECTION]
    event_json = sample_message(message_bytes=message_bytes).decode()
    # Create the collection and open the writers' connections before the clock starts.
    await asyncio.gather(
        *(collection.insert_one(_commit_like(-n, event_json)) for n in range(1, concurrency + 1))
    )
    sequence = iter(range(inserts))
    durations: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(
        *(_writer(collection, sequence, event_json, durations) for _ in range(concurrency))
    )
    seconds = time.perf_counter() - started
    return MongoResult(inserts, concurrency, seconds, distribution(durations))


async def measure_raw_updates(
    *, database: AsyncDatabase[Document], concurrency: int
) -> MongoResult:
    """Mark every document the inserts stored as published, one ``update_one`` by ``_id`` each,
    ``concurrency`` at a time: what the relay does once per commit, and a read-model update
    once per event, cost about the same."""
    collection = database[RAW_COLLECTION]
    ids = [document["_id"] async for document in collection.find({}, {"_id": True})]
    pending = iter(ids)
    durations: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(_marker(collection, pending, durations) for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    return MongoResult(len(ids), concurrency, seconds, distribution(durations))


async def _marker(
    collection: AsyncCollection[Document], ids: Iterator[str], durations: list[float]
) -> None:
    for document_id in ids:
        started = time.perf_counter()
        await collection.update_one({"_id": document_id}, {"$set": {"published": True}})
        durations.append(time.perf_counter() - started)


async def _writer(
    collection: AsyncCollection[Document],
    sequence: Iterator[int],
    event_json: str,
    durations: list[float],
) -> None:
    for n in sequence:
        document = _commit_like(n, event_json)
        started = time.perf_counter()
        await collection.insert_one(document)
        durations.append(time.perf_counter() - started)


def _commit_like(n: int, event_json: str) -> Document:
    """A document with the fields and size of an event-store commit of one event."""
    return {
        "_id": f"auto:{uuid.uuid4()}",
        "stream_id": f"benchpost-raw{n:05d}",
        "first_version": 1,
        "last_version": 1,
        "events": [event_json],
        "fingerprint": None,
        "published": False,
        "recorded_at": datetime.now(UTC),
    }
