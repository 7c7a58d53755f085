"""A time-limited lease in MongoDB, so only one process runs a rebuild or a catch-up scan.

A lease is a chain of *terms*: documents ``<name>#1``, ``<name>#2``, … each naming an owner and
an expiry. Taking a free or lapsed lease is inserting the next term: inserts with a unique
``_id`` are atomic on MongoDB and on FerretDB alike, while FerretDB's updates are not (it reads
and writes a document in separate steps), so of many contenders exactly one wins. Only a term's
owner ever updates it (to renew or release it), and it renews well before the term lapses, when
no contender acts on it.
"""

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from agora.eventsourcing.times import as_utc

LEASES_COLLECTION = "leases"
_LAPSED = datetime(1970, 1, 1, tzinfo=UTC)

Document = dict[str, Any]


class MongoLease:
    """Held by one owner until it lapses; the holder must renew it well before ``ttl``."""

    def __init__(
        self,
        *,
        database: AsyncDatabase[Document],
        name: str,
        owner: str,
        ttl: timedelta = timedelta(seconds=15),
    ) -> None:
        self._leases: AsyncCollection[Document] = database[LEASES_COLLECTION]
        self.name = name
        self.owner = owner
        self._ttl = ttl

    async def acquire(self) -> bool:
        """Take or renew the lease; ``False`` while another owner holds it."""
        now = datetime.now(UTC)
        term, current = await self._current_term()
        if current is not None and as_utc(current["expires_at"]) > now:
            if current["owner"] != self.owner:
                return False
            await self._leases.update_one(
                {"_id": self._term_id(term)}, {"$set": {"expires_at": now + self._ttl}}
            )
            return True
        try:
            await self._leases.insert_one(
                {"_id": self._term_id(term + 1), "owner": self.owner, "expires_at": now + self._ttl}
            )
        except DuplicateKeyError:
            return False  # another contender took this term first
        with contextlib.suppress(DuplicateKeyError):
            await self._leases.update_one(
                {"_id": self.name}, {"$max": {"term": term + 1}}, upsert=True
            )
        return True

    async def release(self) -> None:
        """Give the lease up if this owner holds it, so a contender need not wait."""
        term, current = await self._current_term()
        if current is not None and current["owner"] == self.owner:
            await self._leases.update_one(
                {"_id": self._term_id(term)}, {"$set": {"expires_at": _LAPSED}}
            )

    def _term_id(self, term: int) -> str:
        return f"{self.name}#{term}"

    async def _current_term(self) -> tuple[int, Document | None]:
        """The newest term and its document, walking on from the hint (term 0: never taken)."""
        hint = await self._leases.find_one({"_id": self.name})
        term = 0 if hint is None else int(hint["term"])
        current = None if term == 0 else await self._leases.find_one({"_id": self._term_id(term)})
        while True:
            following = await self._leases.find_one({"_id": self._term_id(term + 1)})
            if following is None:
                return term, current
            term, current = term + 1, following
