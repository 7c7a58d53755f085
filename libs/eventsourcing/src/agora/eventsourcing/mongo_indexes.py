"""Index creation that works on MongoDB and on FerretDB 1.24."""

from collections.abc import Iterable
from typing import Any

from pymongo import IndexModel
from pymongo.asynchronous.collection import AsyncCollection


async def ensure_indexes(collection: AsyncCollection[Any], indexes: Iterable[IndexModel]) -> None:
    """Create each index that is missing, one ``createIndexes`` command per index.

    FerretDB 1.24.2 (SQLite backend) drops the connection with a server panic when one
    ``createIndexes`` command names several indexes that all exist already; one index per
    command is idempotent on both servers.
    """
    for index in indexes:
        await collection.create_indexes([index])
