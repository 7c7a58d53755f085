"""Short-lived copies of what every page looks up and seldom changes.

A page of 30 posts names 20 to 40 people (authors, mentions, commenters) and a few communities,
and each lookup is a document read for FerretDB (a large community's document holds its whole
member list, decoded even when projected away). Names and community places are kept here for
at most ``seconds``, so a rename, an erasure or an archiving shows on pages at most that long
after the projection applied it.

What a reader may read never comes from here: membership is decided from the reader's own
facts, read on every request, and a community's visibility never changes after its creation.
Only found documents are kept (a person or community not known yet may arrive any moment), and
entries are keyed by collection, so a rebuilt generation never sees the previous one's copies.
"""

import time
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from cachetools import TTLCache
from pymongo.asynchronous.collection import AsyncCollection

from agora.eventsourcing.readmodel import find_by_ids

Document = dict[str, Any]
MAX_ENTRIES = 50_000
Value = TypeVar("Value")


class ReferenceCache(Generic[Value]):
    """Documents by ``_id``, converted, remembered for a few seconds (``0``: not at all)."""

    def __init__(
        self,
        *,
        seconds: float,
        projection: Document,
        convert: Callable[[Document], Value | None],
        max_entries: int = MAX_ENTRIES,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._projection = projection
        self._convert = convert
        self._entries: TTLCache[tuple[str, str], Value] | None = (
            TTLCache(maxsize=max_entries, ttl=seconds, timer=timer) if seconds > 0 else None
        )

    async def lookup(
        self, collection: AsyncCollection[Document], ids: Iterable[str]
    ) -> dict[str, Value | None]:
        """Each id's value (``None``: no such document, or not usable yet), reading only the
        ones not remembered, in one query."""
        found: dict[str, Value | None] = {}
        missing: list[str] = []
        for document_id in dict.fromkeys(ids):
            remembered = self._remembered(collection, document_id)
            if remembered is None:
                missing.append(document_id)
            else:
                found[document_id] = remembered
        documents = await find_by_ids(collection, missing, self._projection)
        for document_id in missing:
            document = documents.get(document_id)
            value = None if document is None else self._convert(document)
            found[document_id] = value
            if value is not None and self._entries is not None:
                self._entries[(collection.full_name, document_id)] = value
        return found

    def _remembered(self, collection: AsyncCollection[Document], document_id: str) -> Value | None:
        if self._entries is None:
            return None
        return self._entries.get((collection.full_name, document_id))


NAME_PROJECTION = {"display_name": 1, "erased": 1}


def _display_name(document: Document) -> str | None:
    return None if document.get("erased") else document.get("display_name")


def name_cache(
    seconds: float, *, timer: Callable[[], float] = time.monotonic
) -> ReferenceCache[str]:
    """People's display names (``None`` for erased people and people not known yet)."""
    return ReferenceCache(
        seconds=seconds, projection=NAME_PROJECTION, convert=_display_name, timer=timer
    )


class RememberedDocument:
    """One document by ``_id``, read at most once every ``seconds`` (``0``: every time); its
    absence is remembered too. Only the last collection asked is remembered, so a rebuilt
    generation reads its own document at once."""

    def __init__(
        self,
        document_id: str,
        *,
        seconds: float,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._document_id = document_id
        self._seconds = seconds
        self._timer = timer
        self._remembered: tuple[str, float, Document | None] | None = None

    async def get(self, collection: AsyncCollection[Document]) -> Document | None:
        """The document as read from ``collection`` at most ``seconds`` ago."""
        now = self._timer()
        remembered = self._remembered
        if remembered is not None:
            name, read_at, document = remembered
            if name == collection.full_name and now - read_at < self._seconds:
                return document
        document = await collection.find_one({"_id": self._document_id})
        if self._seconds > 0:
            self._remembered = (collection.full_name, now, document)
        return document
