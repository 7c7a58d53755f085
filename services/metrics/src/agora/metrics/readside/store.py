"""Reading the active generation's documents, always by ``_id``."""

from collections.abc import Iterable, Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from agora.eventsourcing import ProjectionCatalog
from agora.eventsourcing.readmodel import find_by_ids, strip_bookkeeping
from agora.metrics.calendar import week_month
from agora.metrics.engine.keys import bucket_of, levels_doc, now_doc, yearly
from agora.metrics.engine.packing import packed, unpack
from agora.metrics.engine.workspace import SEQ_FIELD
from agora.metrics.pipeline import BUCKETS, ENTITIES

Document = dict[str, Any]


class ReadStore:
    """The buckets and entities readers query."""

    def __init__(self, *, catalog: ProjectionCatalog, projection_name: str) -> None:
        self._catalog = catalog
        self._name = projection_name

    async def _collection(self, part: str) -> AsyncCollection[Document]:
        return await self._catalog.active_collection(self._name, part)

    async def entity(self, entity_id: str) -> Document | None:
        """One entity document."""
        entities = await self._collection(ENTITIES)
        return _clean(await entities.find_one({"_id": entity_id}))

    async def buckets(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        """Several bucket documents by id (missing ones are absent from the answer)."""
        collection = await self._collection(BUCKETS)
        found = await find_by_ids(collection, sorted(set(doc_ids)))
        return {str(doc_id): _cleaned(doc) for doc_id, doc in found.items()}

    async def scope(self, scope: str, months: Iterable[str]) -> "ScopeDocs":
        """A scope's month buckets (year buckets cut into months), levels and current counts."""
        months = list(months)
        ids = {month: bucket_of(scope, month) for month in months}
        docs = await self.buckets([*ids.values(), levels_doc(scope), now_doc(scope)])
        if yearly(scope):
            years = {
                doc_id: unpack(doc, int(doc_id[-4:])) if packed(doc_id) else doc
                for doc_id, doc in docs.items()
            }
            views = {month: month_view(years.get(ids[month], {}), month) for month in months}
        else:
            views = {month: docs.get(ids[month], {}) for month in months}
        return ScopeDocs(
            months=views,
            levels=docs.get(levels_doc(scope), {}),
            now=docs.get(now_doc(scope), {}),
        )


class ScopeDocs:
    """One scope's documents for a range of months."""

    def __init__(self, *, months: Mapping[str, Document], levels: Document, now: Document) -> None:
        self.months = months
        self.levels = levels
        self.now = now


def _clean(doc: Document | None) -> Document | None:
    return None if doc is None else _cleaned(doc)


def _cleaned(doc: Document) -> Document:
    doc = strip_bookkeeping(doc)
    doc.pop(SEQ_FIELD, None)
    return doc


def month_view(year: Document, month: str) -> Document:
    """One month of a year bucket, shaped like a month bucket."""
    number = month[5:]
    view: Document = {
        "d": year.get("d", {}).get(number, {}),
        "m": year.get("m", {}).get(number, {}),
        "w": {week: v for week, v in year.get("w", {}).items() if week_month(week) == month},
        "p": {place: months.get(number, {}) for place, months in year.get("p", {}).items()},
    }
    for section in ("r", "ag", "ar"):
        view[section] = year.get(section, {}).get(number, {})
    return view
