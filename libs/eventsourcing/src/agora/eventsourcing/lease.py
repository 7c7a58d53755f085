"""A time-limited lease in MongoDB, so only one process runs a relay or a rebuild at a time."""

from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

LEASES_COLLECTION = "leases"


class MongoLease:
    """Held by one owner until it lapses; the holder must renew it well before ``ttl``."""

    def __init__(
        self,
        *,
        database: AsyncDatabase[dict[str, Any]],
        name: str,
        owner: str,
        ttl: timedelta = timedelta(seconds=15),
    ) -> None:
        self._leases: AsyncCollection[dict[str, Any]] = database[LEASES_COLLECTION]
        self.name = name
        self.owner = owner
        self._ttl = ttl

    async def acquire(self) -> bool:
        """Take or renew the lease; ``False`` while another owner holds it."""
        now = datetime.now(UTC)
        fields = {"owner": self.owner, "expires_at": now + self._ttl}
        held_by_me = await self._leases.update_one(
            {"_id": self.name, "owner": self.owner}, {"$set": fields}
        )
        if held_by_me.matched_count:
            return True
        lapsed = await self._leases.update_one(
            {"_id": self.name, "expires_at": {"$lt": now}}, {"$set": fields}
        )
        if lapsed.matched_count:
            return True
        try:
            await self._leases.insert_one({"_id": self.name, **fields})
        except DuplicateKeyError:
            return False
        return True

    async def release(self) -> None:
        """Give the lease up if this owner holds it."""
        await self._leases.delete_one({"_id": self.name, "owner": self.owner})
