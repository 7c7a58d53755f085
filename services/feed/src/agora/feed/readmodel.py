"""The collections of the feed's read model, one projection with several parts.

One projection (one consumer, applying events one at a time) owns every collection: FerretDB
does not make a single-document update atomic against a concurrent one, so each document must
have a single writer, and fan-out must see the memberships applied before it.
"""

from typing import Any, Literal, Protocol

from pymongo.asynchronous.collection import AsyncCollection

from agora.eventsourcing import ProjectionCatalog, ReadModel

Document = dict[str, Any]
Part = Literal[
    "people",
    "communities",
    "posts",
    "work_items",
    "timelines",
    "notifications",
    "inboxes",
]


class CollectionSource(Protocol):
    """Where a reader finds the collections of the feed's read model."""

    async def active(self, part: Part) -> AsyncCollection[Document]:
        """The collection of ``part`` to read."""
        ...


class FeedCollections:
    """Collections of the active generation (for readers and command-side checks)."""

    def __init__(self, *, catalog: ProjectionCatalog, projection_name: str) -> None:
        self._catalog = catalog
        self.projection_name = projection_name

    async def active(self, part: Part) -> AsyncCollection[Document]:
        """The collection readers should query now."""
        return await self._catalog.active_collection(self.projection_name, part)


class GenerationCollections:
    """Collections of the generation a projection is writing (for lookups while applying)."""

    def __init__(self, read_model: ReadModel) -> None:
        self.read_model = read_model

    async def active(self, part: Part) -> AsyncCollection[Document]:
        """The collection of ``part`` in this generation."""
        return self.read_model.collection(part)


def collection(read_model: ReadModel, part: Part) -> AsyncCollection[Document]:
    """One collection of the generation a projection is writing."""
    return read_model.collection(part)
