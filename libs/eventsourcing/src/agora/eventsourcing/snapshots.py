"""Snapshots of aggregate state, so long streams load from a recent point instead of event 1."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

SNAPSHOTS_COLLECTION = "snapshots"


@dataclass(frozen=True)
class Snapshot:
    """An aggregate's state (as JSON) after ``version`` events, in a given snapshot schema."""

    stream_id: str
    version: int
    schema: int
    state_json: str


class MongoSnapshotStore:
    """Keeps the newest snapshot per stream; an older one never replaces a newer one."""

    def __init__(self, *, database: AsyncDatabase[dict[str, Any]]) -> None:
        self._snapshots: AsyncCollection[dict[str, Any]] = database[SNAPSHOTS_COLLECTION]

    async def load(self, stream_id: str, *, schema: int) -> Snapshot | None:
        """The stream's snapshot if one exists in ``schema`` (older schemas are ignored)."""
        document = await self._snapshots.find_one({"_id": stream_id})
        if document is None or document["schema"] != schema:
            return None
        return Snapshot(
            stream_id=stream_id,
            version=document["version"],
            schema=document["schema"],
            state_json=document["state"],
        )

    async def save(self, snapshot: Snapshot) -> None:
        """Store ``snapshot`` unless the stored one is at least as new."""
        fields = {
            "version": snapshot.version,
            "schema": snapshot.schema,
            "state": snapshot.state_json,
            "taken_at": datetime.now(UTC),
        }
        result = await self._snapshots.update_one(
            {"_id": snapshot.stream_id, "version": {"$lt": snapshot.version}}, {"$set": fields}
        )
        if result.matched_count:
            return
        try:
            await self._snapshots.insert_one({"_id": snapshot.stream_id, **fields})
        except DuplicateKeyError:
            return  # a snapshot at least as new is already there
