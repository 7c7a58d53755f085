"""Flushing the workspace durably: a redo journal, guarded writes and the projection's cursor.

FerretDB has no multi-document transactions, and one flush writes thousands of documents plus
the position reached in every partition. A crash in the middle must neither lose nor double an
event, so a flush numbered N:

1. writes the *journal*: every change of the flush, encoded, in a few chunk documents, then a
   marker document ``journal`` naming N, the chunk count and the new positions. Inserting the
   marker is the commit point: a single-document write, atomic on FerretDB;
2. applies the changes, each as an update guarded by ``_seq < N`` that sets ``_seq: N`` in the
   same single-document write, so a document never takes one flush's increments twice; a
   document no earlier flush wrote (in a generation the process started empty: a rebuild, a
   first run) is inserted whole instead, several per command, which FerretDB does an order of
   magnitude faster than updates; a redone insert finds the document there and skips it;
3. stores the cursor (``cursor``: N and the positions).

At start, ``recover`` finds a marker one ahead of the cursor and applies that journal again:
documents already written by it are skipped by their guard, the others catch up, and the cursor
moves to the marker's positions. Without a marker nothing of the flush was written and its
events are consumed again from the cursor. The positions live here rather than only in Kafka's
committed offsets because they must move exactly with the documents.
"""

import contextlib
import json
import logging
import zlib
from collections.abc import Awaitable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pymongo import DeleteOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from agora.eventsourcing.bounded import gather_bounded
from agora.metrics.engine.workspace import (
    SEQ_FIELD,
    BucketChange,
    Changes,
    EntityWrite,
    apply_change,
)

logger = logging.getLogger(__name__)

Document = dict[str, Any]
CURSOR_ID = "cursor"
JOURNAL_ID = "journal"
JOURNAL_CHUNK_OPS = 2000
"""Operations per journal chunk, stored as compressed JSON: the journal doubles what a flush
writes, so it is kept small (about a tenth of the documents' bytes)."""
BULK_STATEMENTS = 25
BULKS_IN_FLIGHT = 2
"""Statements per bulk write, and bulks in flight: an unpatched FerretDB holds a pooled SQLite
connection per statement of a command and hangs for good once its pool of 100 is exhausted
(docs/architecture.md), so at most 50 are in flight. Two bulks at a time let FerretDB decode one
while SQLite writes the other (the writes of a replay took about a sixth less time than one
bulk of 50 at a time)."""
INSERTED_DOCUMENTS = 100
"""New documents per ``insert_many``."""

T = TypeVar("T")
Position = tuple[str, int]
"""A topic and a partition."""


@dataclass
class Cursor:
    """The last flush and, per partition, the offset of the next event to apply."""

    seq: int = 0
    positions: dict[Position, int] = field(default_factory=dict)

    def to_document(self) -> Document:
        """As stored (topic names hold dots, so they cannot be field names)."""
        return {
            "seq": self.seq,
            "positions": [
                {"topic": topic, "partition": part, "offset": offset}
                for (topic, part), offset in self.positions.items()
            ],
        }

    @classmethod
    def from_document(cls, doc: Document | None) -> "Cursor":
        """A stored cursor; a missing one starts every partition at its beginning."""
        if doc is None:
            return cls()
        return cls(
            seq=int(doc["seq"]),
            positions={
                (str(item["topic"]), int(item["partition"])): int(item["offset"])
                for item in doc.get("positions", [])
            },
        )


class Journal:
    """Writes flushes durably into one generation's collections and recovers a broken one."""

    def __init__(
        self,
        *,
        entities: AsyncCollection[Document],
        buckets: AsyncCollection[Document],
        control: AsyncCollection[Document],
    ) -> None:
        self._entities = entities
        self._buckets = buckets
        self._control = control

    async def cursor(self) -> Cursor:
        """The cursor of the last complete flush."""
        return Cursor.from_document(await self._control.find_one({"_id": CURSOR_ID}))

    async def recover(self) -> Cursor:
        """Finish a flush a crash interrupted after its journal was committed; the cursor."""
        cursor = await self.cursor()
        marker = await self._control.find_one({"_id": JOURNAL_ID})
        if marker is None or int(marker["seq"]) != cursor.seq + 1:
            return cursor
        seq = int(marker["seq"])
        operations: list[Document] = []
        for index in range(int(marker["chunks"])):
            chunk = await self._control.find_one({"_id": f"{JOURNAL_ID}|{index}"})
            if chunk is None or int(chunk["seq"]) != seq:
                raise RuntimeError(f"journal {seq} lacks its chunk {index}")
            operations.extend(json.loads(zlib.decompress(chunk["ops"])))
        logger.warning("metrics: completing flush %d interrupted by a crash", seq)
        for operation in operations:
            await self._apply_one(operation, seq)
        recovered = Cursor.from_document({"seq": seq, "positions": marker["positions"]})
        await self._store_cursor(recovered)
        return recovered

    async def flush(self, changes: Changes, cursor: Cursor) -> None:
        """Write ``changes`` and then ``cursor`` (whose ``seq`` must be the previous one + 1)."""
        operations = list(encode(changes))
        if operations:
            await self.write_journal(operations, cursor)
            await self.apply(operations, cursor.seq)
        await self._store_cursor(cursor)

    async def write_journal(self, operations: Sequence[Document], cursor: Cursor) -> None:
        """Step 1: the chunks, then the marker (the commit point)."""
        chunks = await self.write_chunks(operations, cursor.seq)
        marker = {"seq": cursor.seq, "chunks": chunks, **cursor.to_document()}
        await self._control.replace_one({"_id": JOURNAL_ID}, marker, upsert=True)

    async def write_chunks(self, operations: Sequence[Document], seq: int) -> int:
        """The journal's chunks of flush ``seq`` (not committed yet); how many there are."""
        chunks = [
            operations[start : start + JOURNAL_CHUNK_OPS]
            for start in range(0, len(operations), JOURNAL_CHUNK_OPS)
        ]
        for index, chunk in enumerate(chunks):
            packed = zlib.compress(json.dumps(list(chunk), separators=(",", ":")).encode(), 1)
            await self._control.replace_one(
                {"_id": f"{JOURNAL_ID}|{index}"}, {"seq": seq, "ops": packed}, upsert=True
            )
        return len(chunks)

    async def apply(self, operations: Sequence[Document], seq: int) -> None:
        """Step 2: every change as a guarded write, in small bulks; new documents inserted."""
        entity_requests: list[UpdateOne] = []
        bucket_requests: list[UpdateOne | DeleteOne] = []
        new_entities: list[Document] = []
        new_buckets: list[Document] = []
        for operation in operations:
            created = _new_document(operation, seq)
            if created is not None:
                (new_entities if operation["k"] == "e" else new_buckets).append(created)
                continue
            statement = _statement(operation, seq)
            if statement is None:
                bucket_requests.append(DeleteOne({"_id": operation["id"]}))
            elif operation["k"] == "e":
                entity_requests.append(UpdateOne(*statement, upsert=True))
            else:
                bucket_requests.append(UpdateOne(*statement, upsert=True))
        writes: list[Awaitable[object]] = []
        for collection, documents, requests in (
            (self._entities, new_entities, entity_requests),
            (self._buckets, new_buckets, bucket_requests),
        ):
            writes.extend(
                collection.insert_many(chunk, ordered=False)
                for chunk in _chunks(documents, INSERTED_DOCUMENTS)
            )
            writes.extend(
                collection.bulk_write(chunk, ordered=False)
                for chunk in _chunks(requests, BULK_STATEMENTS)
            )
        await gather_bounded(writes, limit=BULKS_IN_FLIGHT)

    async def _apply_one(self, operation: Document, seq: int) -> None:
        collection = self._entities if operation["k"] == "e" else self._buckets
        created = _new_document(operation, seq)
        if created is not None:
            # A duplicate key: this flush inserted it before the crash.
            with contextlib.suppress(DuplicateKeyError):
                await collection.insert_one(created)
            return
        statement = _statement(operation, seq)
        if statement is None:
            await collection.delete_one({"_id": operation["id"]})
            return
        # A duplicate key: the document was written by this flush before the crash.
        with contextlib.suppress(DuplicateKeyError):
            await collection.update_one(*statement, upsert=True)

    async def _store_cursor(self, cursor: Cursor) -> None:
        await self._control.replace_one({"_id": CURSOR_ID}, cursor.to_document(), upsert=True)


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    return (items[start : start + size] for start in range(0, len(items), size))


def encode(changes: Changes) -> Iterator[Document]:
    """The journal's operations for ``changes`` (dotted paths travel as values, not keys)."""
    for entity_id, write in changes.entities.items():
        operation = _entity_operation(entity_id, write)
        yield {**operation, "new": True} if entity_id in changes.new_entities else operation
    for doc_id, change in changes.buckets.items():
        operation = _bucket_operation(doc_id, change)
        yield {**operation, "new": True} if doc_id in changes.new_buckets else operation
    for doc_id in changes.deleted_buckets:
        yield {"k": "x", "id": doc_id}


def _entity_operation(entity_id: str, write: EntityWrite) -> Document:
    return {"k": "e", "id": entity_id, "set": write.set, "unset": write.unset}


def _bucket_operation(doc_id: str, change: BucketChange) -> Document:
    return {
        "k": "b",
        "id": doc_id,
        "inc": [{"path": path, "value": amount} for path, amount in change.inc.items()],
        "push": [{"path": path, "values": values} for path, values in change.push.items()],
        "add": [{"path": path, "values": values} for path, values in change.add.items()],
        "set": [{"path": path, "value": value} for path, value in change.set.items()],
        "unset": list(change.unset),
    }


def _new_document(operation: Document, seq: int) -> Document | None:
    """The whole document of an operation creating it; ``None`` for any other operation."""
    if not operation.get("new"):
        return None
    if operation["k"] == "e":
        return {"_id": operation["id"], **operation["set"], SEQ_FIELD: seq}
    doc: Document = {}
    apply_change(
        doc,
        BucketChange(
            inc={item["path"]: item["value"] for item in operation["inc"]},
            push={item["path"]: item["values"] for item in operation["push"]},
            add={item["path"]: item["values"] for item in operation["add"]},
            set={item["path"]: item["value"] for item in operation["set"]},
            unset=list(operation["unset"]),
        ),
    )
    return {"_id": operation["id"], **doc, SEQ_FIELD: seq}


def _statement(operation: Document, seq: int) -> tuple[Document, Document] | None:
    """The guarded filter and the update of an operation; ``None`` for a deletion."""
    guard = {"_id": operation["id"], SEQ_FIELD: {"$not": {"$gte": seq}}}
    if operation["k"] == "x":
        return None
    if operation["k"] == "e":
        update: Document = {"$set": {**operation["set"], SEQ_FIELD: seq}}
        if operation["unset"]:
            update["$unset"] = dict.fromkeys(operation["unset"], "")
        return guard, update
    update = {"$set": {SEQ_FIELD: seq, **{i["path"]: i["value"] for i in operation["set"]}}}
    if operation["unset"]:
        update["$unset"] = dict.fromkeys(operation["unset"], "")
    if operation["inc"]:
        update["$inc"] = {item["path"]: item["value"] for item in operation["inc"]}
    if operation["push"]:
        update["$push"] = {i["path"]: {"$each": i["values"]} for i in operation["push"]}
    if operation["add"]:
        update["$addToSet"] = {i["path"]: {"$each": i["values"]} for i in operation["add"]}
    return guard, update
