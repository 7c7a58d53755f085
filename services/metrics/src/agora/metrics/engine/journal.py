"""Flushing the workspace durably: a redo journal, guarded writes and the projection's cursor.

FerretDB has no multi-document transactions, and one flush writes thousands of documents plus
the position reached in every partition. A crash in the middle must neither lose nor double an
event, so a flush numbered N:

1. writes the *journal*: every change of the flush, encoded, in a few chunk documents, then a
   marker document ``journal`` naming N, the chunk count and the new positions. Inserting the
   marker is the commit point: a single-document write, atomic on FerretDB;
2. applies the changes, each as an update guarded by ``_seq < N`` that sets ``_seq: N`` in the
   same single-document write, so a document never takes one flush's increments twice;
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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo import DeleteOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from agora.metrics.engine.workspace import SEQ_FIELD, BucketChange, Changes, EntityWrite

logger = logging.getLogger(__name__)

Document = dict[str, Any]
CURSOR_ID = "cursor"
JOURNAL_ID = "journal"
JOURNAL_CHUNK_OPS = 2000
"""Operations per journal chunk, stored as compressed JSON: the journal doubles what a flush
writes, so it is kept small (about a tenth of the documents' bytes)."""
BULK_STATEMENTS = 50
"""Statements per bulk write, one bulk at a time: FerretDB holds a pooled SQLite connection per
statement and hangs for good once its pool of 100 is exhausted (docs/architecture.md)."""

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
        """Step 2: every change as a guarded write, in small bulks."""
        entity_requests: list[UpdateOne] = []
        bucket_requests: list[UpdateOne | DeleteOne] = []
        for operation in operations:
            statement = _statement(operation, seq)
            if statement is None:
                bucket_requests.append(DeleteOne({"_id": operation["id"]}))
            elif operation["k"] == "e":
                entity_requests.append(UpdateOne(*statement, upsert=True))
            else:
                bucket_requests.append(UpdateOne(*statement, upsert=True))
        for collection, requests in (
            (self._entities, entity_requests),
            (self._buckets, bucket_requests),
        ):
            for start in range(0, len(requests), BULK_STATEMENTS):
                await collection.bulk_write(
                    requests[start : start + BULK_STATEMENTS], ordered=False
                )

    async def _apply_one(self, operation: Document, seq: int) -> None:
        collection = self._entities if operation["k"] == "e" else self._buckets
        statement = _statement(operation, seq)
        if statement is None:
            await collection.delete_one({"_id": operation["id"]})
            return
        # A duplicate key: the document was written by this flush before the crash.
        with contextlib.suppress(DuplicateKeyError):
            await collection.update_one(*statement, upsert=True)

    async def _store_cursor(self, cursor: Cursor) -> None:
        await self._control.replace_one({"_id": CURSOR_ID}, cursor.to_document(), upsert=True)


def encode(changes: Changes) -> Iterator[Document]:
    """The journal's operations for ``changes`` (dotted paths travel as values, not keys)."""
    for entity_id, write in changes.entities.items():
        yield _entity_operation(entity_id, write)
    for doc_id, change in changes.buckets.items():
        yield _bucket_operation(doc_id, change)
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
