"""Group commit: concurrent single-document inserts into one collection go out as one
unordered ``insert_many``, each caller still learning its own document's outcome.

One insert is in flight at a time; the documents that arrive meanwhile form the next one. On
FerretDB's SQLite backend, which writes one transaction at a time anyway, a 10-document
``insert_many`` costs about what two ``insert_one`` do, so concurrent appends (API requests, the
benchmark's writers) stop queueing for the database one by one. A lone insert waits for
nothing: it goes out at once, as before.
"""

import asyncio
from typing import Any

from bson.errors import InvalidDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DocumentTooLarge, DuplicateKeyError, WriteError

Document = dict[str, Any]
DUPLICATE_KEY = 11000
MAX_GROUP = 100
"""Documents per ``insert_many`` at most (a commit holds at most 100 events)."""


class GroupedInserts:
    """Inserts into ``collection``, grouped with whatever other inserts wait at the time."""

    def __init__(
        self, collection: AsyncCollection[Document], *, max_group: int = MAX_GROUP
    ) -> None:
        self._collection = collection
        self._max_group = max_group
        self._waiting: list[tuple[Document, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def insert(self, document: Document) -> None:
        """Insert ``document``; returns once it is stored, or raises what ``insert_one``
        would (``DuplicateKeyError`` for a taken ``_id`` or unique key)."""
        stored: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((document, stored))
        if self._writer is None:
            # The group's database span goes to the trace of the append that started it.
            self._writer = asyncio.create_task(self._write())
        await stored

    async def _write(self) -> None:
        group: list[tuple[Document, asyncio.Future[None]]] = []
        try:
            while self._waiting:
                group = self._waiting[: self._max_group]
                del self._waiting[: self._max_group]
                await self._insert_group(group)
        finally:
            self._writer = None
            # Only when this task was cancelled (the loop is closing): nobody may wait forever.
            for _, stored in [*group, *self._waiting]:
                if not stored.done():
                    stored.cancel()
            self._waiting.clear()

    async def _insert_group(self, group: list[tuple[Document, asyncio.Future[None]]]) -> None:
        failures: dict[int, BaseException]
        try:
            await self._collection.insert_many([document for document, _ in group], ordered=False)
        except BulkWriteError as error:
            failures = {
                int(write_error["index"]): _as_single_error(write_error)
                for write_error in error.details.get("writeErrors", [])
            }
        except (InvalidDocument, DocumentTooLarge) as error:
            if len(group) > 1:
                # A document the client cannot send must not fail the others: one at a time.
                for member in group:
                    await self._insert_group([member])
                return
            failures = {0: error}
        except Exception as error:  # noqa: BLE001 - every waiter learns the group's failure
            failures = dict.fromkeys(range(len(group)), error)
        else:
            failures = {}
        for index, (_, stored) in enumerate(group):
            if stored.done():  # its caller was cancelled
                continue
            failure = failures.get(index)
            if failure is None:
                stored.set_result(None)
            else:
                stored.set_exception(failure)


def _as_single_error(write_error: dict[str, Any]) -> WriteError:
    """The error ``insert_one`` would have raised for this document."""
    code = int(write_error.get("code", 0))
    message = str(write_error.get("errmsg", "write error"))
    if code == DUPLICATE_KEY:
        return DuplicateKeyError(message, code, write_error)
    return WriteError(message, code, write_error)
