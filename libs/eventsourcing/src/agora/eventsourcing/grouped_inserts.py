"""Group commit of inserts: concurrent single-document inserts into one collection go out as
one unordered ``insert_many``, each caller still learning its own document's outcome
(``agora.eventsourcing.group_commit``)."""

from bson.errors import InvalidDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DocumentTooLarge, WriteError

from agora.eventsourcing.group_commit import (
    MAX_GROUP,
    Document,
    GroupCommit,
    Member,
    settle,
    single_write_error,
)


class GroupedInserts(GroupCommit[Document]):
    """Inserts into ``collection``, grouped with whatever other inserts wait at the time."""

    def __init__(
        self, collection: AsyncCollection[Document], *, max_group: int = MAX_GROUP
    ) -> None:
        super().__init__(max_group=max_group)
        self._collection = collection

    async def insert(self, document: Document) -> None:
        """Insert ``document``; returns once it is stored, or raises what ``insert_one``
        would (``DuplicateKeyError`` for a taken ``_id`` or unique key)."""
        await self._submit(document)

    async def _write_group(self, group: list[Member[Document]]) -> list[Member[Document]]:
        if len(group) == 1:
            return await self._write_one(group[0])
        failures: dict[int, BaseException]
        try:
            await self._collection.insert_many([document for document, _ in group], ordered=False)
        except BulkWriteError as error:
            failures = {
                int(write_error["index"]): single_write_error(write_error)
                for write_error in error.details.get("writeErrors", [])
            }
        except (InvalidDocument, DocumentTooLarge) as error:
            if len(group) > 1:
                # A document the client cannot send must not fail the others: one at a time.
                for member in group:
                    await self._write_group([member])
                return []
            failures = {0: error}
        else:
            failures = {}
        for index, (_, written) in enumerate(group):
            settle(written, failures.get(index))
        return []

    async def _write_one(self, member: Member[Document]) -> list[Member[Document]]:
        # `insert_one`: pymongo's bulk path costs a lone insert more CPU for nothing.
        document, written = member
        try:
            await self._collection.insert_one(document)
        except (WriteError, InvalidDocument, DocumentTooLarge) as error:
            settle(written, error)
        else:
            settle(written, None)
        return []
