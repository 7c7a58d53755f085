"""Index creation that works on MongoDB and on FerretDB 1.24, creating only indexes that serve.

FerretDB 1.x answers no query from a secondary index: its SQLite backend pushes only ``_id``
conditions down to SQL, and its PostgreSQL backend compares other fields with a JSON
containment operator that no B-tree index serves. There a non-unique index is only a cost,
paid by every write of the collection (the event store's ``unpublished_by_stream`` index: an
entry written with each commit and moved when the relay marks it published). Unique indexes
are constraints, kept everywhere; on MongoDB every index is created.
"""

from collections.abc import Iterable
from typing import Any

from pymongo import IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

FERRETDB_BUILD_FIELD = "ferretdbVersion"
"""The field of ``buildInfo`` by which FerretDB tells itself apart from MongoDB."""


async def is_ferretdb(database: AsyncDatabase[Any]) -> bool:
    """Whether the server is FerretDB (``buildInfo`` names its version) rather than MongoDB."""
    info = await database.client.admin.command("buildInfo")
    return FERRETDB_BUILD_FIELD in info


def indexes_that_serve(indexes: Iterable[IndexModel], *, ferretdb: bool) -> list[IndexModel]:
    """The indexes worth creating: all of them on MongoDB; on FerretDB the unique ones (they
    enforce a constraint) and the expiring ones (they delete documents)."""
    return [
        index
        for index in indexes
        if not ferretdb or index.document.get("unique") or "expireAfterSeconds" in index.document
    ]


async def ensure_indexes(collection: AsyncCollection[Any], indexes: Iterable[IndexModel]) -> None:
    """Create each index that serves on this server and is missing, one ``createIndexes``
    command per index.

    FerretDB 1.24.2 (SQLite backend) drops the connection with a server panic when one
    ``createIndexes`` command names several indexes that all exist already; one index per
    command is idempotent on both servers. An index created before on FerretDB is left as it is.
    """
    ferretdb = await is_ferretdb(collection.database)
    for index in indexes_that_serve(indexes, ferretdb=ferretdb):
        await collection.create_indexes([index])
