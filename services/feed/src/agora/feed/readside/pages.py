"""Timeline storage: one small document per entry, read newest first by ``_id`` range.

A timeline ``<key>`` is the set of documents ``{_id: "<key>|<millis>|<post_id>", c, f}``, one
per post it holds: ``<millis>`` is the post's publication (milliseconds since the epoch, 15
digits), ``c`` its community (or null) and ``f`` flags (why it reached a home timeline, and
whether a community's post was copied to its members). The ``_id`` sorts a timeline's entries
by ``(at, post_id)``, so its newest entries below a position are one range read sorted by
``_id`` with a limit, which MongoDB answers from its ``_id`` index, and so does our FerretDB
build on SQLite (``docs/architecture.md``). Posts are not applied in publication order
(different posts come from different topic partitions): a late entry sorts where it belongs.

Appending is inserting: a post's fan-out inserts all of its entries with one unordered
``insert_many``, and an entry that is already there (a replay after a crash: the same post, time
and key) is a duplicate key, ignored; so replaying an append changes nothing. A bucket
design (up to 100 entries a document, updated on each append) cost FerretDB a full decode and
re-encode of the bucket per entry: 60 entries of a post took 72 ms of its CPU as bucket
updates, 1.8 ms as one insert of 60 small documents (measured on this machine's SQLite backend).

A closed timeline (an erased person's home) has a marker ``<key>|~closed``, which sorts above
every entry and outside every range read, and no entries; appends skip closed timelines.

A page of several timelines (a home timeline and the large communities merged into it when
read) is a k-way merge on ``(at, post_id)``, each timeline read in chunks; a post found in
several of them at once is read once. The opaque cursor remembers, per timeline, the last
entry taken from it (or that it was read to its end), plus the last entry of the page. The
next page starts strictly below that position, so paging never repeats an entry and never
skips one that was there when the previous page was read; an entry arriving meanwhile shows up
if it sorts below the position (a late one), and at the top of a fresh first page otherwise. A
timeline the cursor does not know (the reader joined a large community meanwhile), or from
which nothing was taken yet, is read from its newest entry below the page's last entry.
"""

import asyncio
import base64
import binascii
import json
from collections.abc import Iterable, MutableMapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from agora.eventsourcing.readmodel import IDS_PER_QUERY, find_by_ids
from agora.eventsourcing.times import epoch_millis, from_epoch_millis

Document = dict[str, Any]
SortKey = tuple[int, str]
"""Where an entry sorts: milliseconds since the epoch of its post's publication, and its id."""

CURSOR_VERSION = 2
MAX_CURSOR_LENGTH = 8192
MAX_CURSOR_SOURCES = 200
DEFAULT_CHUNK = 40
"""Entries a timeline reads at a time when the page does not say."""
RANGE_END = "~"
"""Above every entry's sort token (they start with digits)."""
CLOSED_MARK = "~closed"
DUPLICATE_KEY = 11000


class InvalidCursorError(ValueError):
    """A cursor that no page of this service produced (or was altered)."""


_REASON_FLAGS = {"author": "a", "follow": "f", "member": "m", "mention": "n"}
_FLAG_REASONS = {flag: reason for reason, flag in _REASON_FLAGS.items()}
_FANNED_OUT_FLAG = "F"


def millis(moment: datetime) -> int:
    """Milliseconds since the epoch (MongoDB keeps dates to the millisecond)."""
    return epoch_millis(moment)


def entry_key(entry: Document) -> SortKey:
    """The sort key of a timeline entry."""
    return (millis(entry["at"]), str(entry["post_id"]))


def _token(key: SortKey) -> str:
    at, post_id = key
    return f"{at:015d}|{post_id}"


def entry_id(key: str, entry: Document) -> str:
    """The ``_id`` of ``entry``'s document in the timeline ``key``."""
    return f"{key}|{_token(entry_key(entry))}"


def closed_id(key: str) -> str:
    """The ``_id`` of the marker of a closed timeline."""
    return f"{key}|{CLOSED_MARK}"


def entry_document(key: str, entry: Document) -> Document:
    """An entry as stored: ``{_id, c: community, f: flags}``."""
    flags = "".join(_REASON_FLAGS[reason] for reason in entry.get("reasons", ()))
    if entry.get("fanned_out"):
        flags += _FANNED_OUT_FLAG
    return {"_id": entry_id(key, entry), "c": entry.get("community_id"), "f": flags}


def read_entry(key: str, document: Document) -> Document:
    """A stored entry of the timeline ``key`` as appends take it and reads use it:
    ``post_id``, ``at``, ``community_id`` and, where they apply, ``reasons`` and
    ``fanned_out``."""
    token = str(document["_id"])[len(key) + 1 :]
    at, _, post_id = token.partition("|")
    entry: Document = {
        "post_id": post_id,
        "at": from_epoch_millis(int(at)),
        "community_id": document.get("c"),
    }
    flags = str(document.get("f", ""))
    reasons = [_FLAG_REASONS[flag] for flag in flags if flag in _FLAG_REASONS]
    if reasons:
        entry["reasons"] = reasons
    if _FANNED_OUT_FLAG in flags:
        entry["fanned_out"] = True
    return entry


def entries_filter(
    key: str, *, below: SortKey | None = None, at_least: SortKey | None = None
) -> Document:
    """The filter of the entries of ``key`` strictly below ``below`` and from ``at_least``."""
    low = {"$gte": f"{key}|{_token(at_least)}"} if at_least else {"$gt": f"{key}|"}
    high = {"$lt": f"{key}|{_token(below) if below else RANGE_END}"}
    return {"_id": {**low, **high}}


async def newest_entries(
    timelines: AsyncCollection[Document], key: str, limit: int, *, below: SortKey | None = None
) -> list[Document]:
    """The newest ``limit`` entries of ``key`` (below ``below``), newest first."""
    found = timelines.find(entries_filter(key, below=below)).sort("_id", -1).limit(limit)
    return [read_entry(key, document) async for document in found]


async def append_all(
    timelines: AsyncCollection[Document],
    entries: Iterable[tuple[str, Document]],
    *,
    closed: MutableMapping[str, bool] | None = None,
) -> None:
    """Add each ``(key, entry)`` to its timeline once; closed timelines are skipped.

    ``closed`` (by closed-marker ``_id``) remembers which timelines were found closed or open,
    for a caller that knows none is closed until it forgets them (the projection, which closes
    timelines only when it applies an erasure)."""
    wanted = list(entries)
    if not wanted:
        return
    known: MutableMapping[str, bool] = {} if closed is None else closed
    markers = list(dict.fromkeys(closed_id(key) for key, _ in wanted))
    unknown = [marker for marker in markers if marker not in known]
    if unknown:
        found = await find_by_ids(timelines, unknown, {"_id": 1})
        for marker in unknown:
            known[marker] = marker in found
    documents = [entry_document(key, entry) for key, entry in wanted if not known[closed_id(key)]]
    for start in range(0, len(documents), IDS_PER_QUERY):
        await _insert_new(timelines, documents[start : start + IDS_PER_QUERY])


async def append(timelines: AsyncCollection[Document], key: str, entry: Document) -> None:
    """Add ``entry`` to the timeline ``key`` once (nothing if the timeline is closed)."""
    await append_all(timelines, [(key, entry)])


async def _insert_new(timelines: AsyncCollection[Document], documents: list[Document]) -> None:
    """Insert the documents not stored yet (the others are duplicates: a replay)."""
    if not documents:
        return
    try:
        await timelines.insert_many(documents, ordered=False)
    except BulkWriteError as error:
        details = error.details
        others = [e for e in details.get("writeErrors", []) if e.get("code") != DUPLICATE_KEY]
        if others or details.get("writeConcernErrors"):
            raise


async def close(timelines: AsyncCollection[Document], key: str) -> None:
    """Empty the timeline ``key`` for good: it is marked closed, then its entries are deleted.
    Closing again, or after a crash part-way, deletes what is left."""
    with suppress(DuplicateKeyError):
        await timelines.insert_one({"_id": closed_id(key)})
    await timelines.delete_many(entries_filter(key))


@dataclass(frozen=True)
class Position:
    """How far a reader got in one timeline: the last entry taken (``None``: none yet)."""

    after: SortKey | None = None


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: a position per timeline (``None``: read to its end)."""

    positions: dict[str, Position | None]
    last: SortKey | None

    def encode(self) -> str:
        """The opaque text handed to clients."""
        positions: dict[str, list[Any] | None] = {
            name: None if position is None else list(position.after or ())
            for name, position in self.positions.items()
        }
        body = {"v": CURSOR_VERSION, "p": positions, "l": list(self.last) if self.last else None}
        raw = json.dumps(body, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        """Read a cursor back; raises ``InvalidCursorError`` for anything malformed."""
        if len(text) > MAX_CURSOR_LENGTH:
            raise InvalidCursorError("the cursor is too long")
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            body = json.loads(raw)
        except (binascii.Error, ValueError) as error:
            raise InvalidCursorError("the cursor is not one this service produced") from error
        if not isinstance(body, dict) or body.get("v") != CURSOR_VERSION:
            raise InvalidCursorError("the cursor is not one this service produced")
        positions = body.get("p")
        if not isinstance(positions, dict) or len(positions) > MAX_CURSOR_SOURCES:
            raise InvalidCursorError("the cursor names no valid positions")
        return cls(
            positions={_checked_name(name): _position(value) for name, value in positions.items()},
            last=_sort_key(body.get("l")) if body.get("l") is not None else None,
        )


def _checked_name(name: object) -> str:
    if not isinstance(name, str) or not 0 < len(name) <= 400:
        raise InvalidCursorError("the cursor names an invalid timeline")
    return name


def _position(value: object) -> Position | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) not in (0, 2):
        raise InvalidCursorError("the cursor holds an invalid position")
    return Position(_sort_key(value) if value else None)


def _sort_key(value: object) -> SortKey:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or isinstance(value[0], bool)
        or not 0 <= value[0] < 10**15
        or not isinstance(value[1], str)
        or len(value[1]) > 200
    ):
        raise InvalidCursorError("the cursor holds an invalid entry")
    return (value[0], value[1])


class TimelineReader:
    """Reads one timeline newest first from a position, ``chunk`` entries at a time."""

    def __init__(
        self,
        timelines: AsyncCollection[Document],
        key: str,
        *,
        start: Position | None,
        exhausted: bool = False,
        ceiling: SortKey | None = None,
        chunk: int = DEFAULT_CHUNK,
    ) -> None:
        self.key = key
        self._timelines = timelines
        self._after = start.after if start else None
        self._below = min((k for k in (self._after, ceiling) if k is not None), default=None)
        self._chunk = chunk
        self._end = exhausted
        self._done = exhausted
        self._entries: list[Document] = []

    @property
    def position(self) -> Position | None:
        """Where this timeline's reading stands (``None`` once it is read to its end)."""
        return None if self._done else Position(self._after)

    @property
    def needs_loading(self) -> bool:
        """Whether ``head`` needs a ``load`` first: every entry read so far is taken, and the
        timeline may hold more."""
        return not self._entries and not self._end

    async def load(self) -> None:
        """Read the next chunk of entries."""
        loaded = await newest_entries(self._timelines, self.key, self._chunk, below=self._below)
        self._entries = loaded
        self._end = len(loaded) < self._chunk
        if loaded:
            self._below = entry_key(loaded[-1])

    def head(self) -> Document | None:
        """The next entry, without taking it (``None`` at the end of the timeline); only
        once ``needs_loading`` is false."""
        if not self._entries:
            self._done = True
            return None
        return self._entries[0]

    def take(self) -> None:
        """Consume the entry ``peek()`` returned."""
        entry = self._entries.pop(0)
        self._after = entry_key(entry)


@dataclass(frozen=True)
class Candidate:
    """One post the merge reached, with its entry in each timeline that holds it."""

    post_id: str
    entries: dict[str, Document]
    cursor_after: Cursor
    """The cursor of a page that ends with this post."""


class TimelineMerge:
    """Merges timelines newest first into a single stream of posts."""

    def __init__(self, readers: list[TimelineReader]) -> None:
        self._readers = readers
        self._last: SortKey | None = None

    @classmethod
    def open(
        cls,
        timelines: AsyncCollection[Document],
        keys: list[str],
        cursor: Cursor | None,
        *,
        chunk: int = DEFAULT_CHUNK,
    ) -> "TimelineMerge":
        """Readers for ``keys``, positioned by ``cursor`` (or at their newest entries)."""
        readers = []
        last = cursor.last if cursor else None
        for key in dict.fromkeys(keys):
            position = cursor.positions.get(key, Position()) if cursor else Position()
            readers.append(
                TimelineReader(
                    timelines,
                    key,
                    start=position,
                    exhausted=position is None,
                    # Below its own last entry taken, late entries above the page's included.
                    ceiling=last if position is None or position.after is None else None,
                    chunk=chunk,
                )
            )
        merge = cls(readers)
        merge._last = last
        return merge

    def cursor(self) -> Cursor:
        """The cursor of a page that ends here."""
        return Cursor(
            positions={reader.key: reader.position for reader in self._readers},
            last=self._last,
        )

    async def next(self) -> Candidate | None:
        """The newest post not yet taken, or ``None`` once every timeline is read."""
        # Most calls find every head already read: only a reader out of entries loads (no
        # task a call, which was about a tenth of a home page's CPU in the service).
        loading = [reader.load() for reader in self._readers if reader.needs_loading]
        if len(loading) == 1:
            await loading[0]
        elif loading:
            await asyncio.gather(*loading)
        heads = [reader.head() for reader in self._readers]
        present = [
            (entry, reader) for entry, reader in zip(heads, self._readers, strict=True) if entry
        ]
        if not present:
            return None
        newest = max(entry_key(entry) for entry, _ in present)
        post_id = newest[1]
        entries: dict[str, Document] = {}
        for entry, reader in present:
            if entry["post_id"] == post_id:
                reader.take()
                entries[reader.key] = entry
        self._last = newest
        return Candidate(post_id=post_id, entries=entries, cursor_after=self.cursor())
