"""The documents the projection is changing: entities in memory, increments to buckets.

Entities (people, communities, posts) are loaded once, cached, changed in memory and written
back at the next flush (only their changed top-level fields). Buckets (the aggregates the API
reads) are never read while projecting: the projection only adds to them, and a flush sends
each changed bucket one update with every increment it accumulated. A flush therefore writes
each changed document once, however many events changed it.
"""

import asyncio
import copy
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from agora.metrics.engine import packing

Document = dict[str, Any]
Number = int | float
SEQ_FIELD = "_seq"
LOAD_CONCURRENCY = 16
"""Concurrent lookups when prefetching: FerretDB serves each from a pooled SQLite connection."""


class Entity:
    """A cached entity document; ``touch`` names the top-level fields a flush must write."""

    __slots__ = ("dirty", "doc", "id")

    def __init__(self, entity_id: str, doc: Document) -> None:
        self.id = entity_id
        self.doc = doc
        self.dirty: set[str] = set()

    def touch(self, *fields: str) -> None:
        """Mark top-level fields as changed."""
        self.dirty.update(fields)


@dataclass
class BucketChange:
    """What one flush adds to one bucket document (``set``/``unset``: packed series)."""

    inc: dict[str, Number] = field(default_factory=dict)
    push: dict[str, list[Any]] = field(default_factory=dict)
    add: dict[str, list[Any]] = field(default_factory=dict)
    set: dict[str, Any] = field(default_factory=dict)
    unset: list[str] = field(default_factory=list)


@dataclass
class EntityWrite:
    """What one flush writes of one entity: changed top-level fields and removed ones."""

    set: Document = field(default_factory=dict)
    unset: list[str] = field(default_factory=list)


@dataclass
class Changes:
    """Everything one flush writes, taken out of the workspace."""

    entities: dict[str, EntityWrite]
    buckets: dict[str, BucketChange]
    deleted_buckets: set[str]
    new_entities: set[str] = field(default_factory=set)
    """Entities no earlier flush wrote, in a generation this process started empty: their
    write holds the whole document, inserted rather than updated."""
    new_buckets: set[str] = field(default_factory=set)
    """The same for buckets: their change, applied to nothing, is the whole document."""

    def __len__(self) -> int:
        return len(self.entities) + len(self.buckets) + len(self.deleted_buckets)


class Workspace:
    """Entity cache and pending changes of one projection generation (a single writer)."""

    def __init__(
        self,
        *,
        entities: AsyncCollection[Document],
        buckets: AsyncCollection[Document],
        cache_size: int,
        fresh: bool,
    ) -> None:
        self._entities = entities
        self._buckets = buckets
        self._cache_size = cache_size
        self._cache: OrderedDict[str, Entity] = OrderedDict()
        self._fresh = fresh
        """The generation started empty in this process: an id it never wrote is absent."""
        self._written: set[str] = set()
        self._written_buckets: set[str] = set()
        self._absent: set[str] = set()
        self._dirty: dict[str, Entity] = {}
        self._buckets_changes: dict[str, BucketChange] = {}
        self._deleted_buckets: set[str] = set()
        self._packed: dict[str, dict[str, dict[str, packing.Series]]] = {}
        """Packed buckets as stored (loaded once: this process is their only writer)."""
        self._packed_deltas: dict[str, dict[tuple[str, str, int], Number]] = {}

    # --- entities ---------------------------------------------------------------------------

    async def prefetch(self, entity_ids: Iterable[str]) -> None:
        """Load the given entities into the cache, a few lookups at a time."""
        missing = [entity_id for entity_id in set(entity_ids) if self._unknown(entity_id)]
        if not missing:
            return
        semaphore = asyncio.Semaphore(LOAD_CONCURRENCY)

        async def load(entity_id: str) -> None:
            async with semaphore:
                await self.entity(entity_id)

        await asyncio.gather(*(load(entity_id) for entity_id in missing))

    def _unknown(self, entity_id: str) -> bool:
        if entity_id in self._cache or entity_id in self._absent:
            return False
        return not (self._fresh and entity_id not in self._written)

    async def entity(self, entity_id: str) -> Entity | None:
        """The entity, from the cache or the database; ``None`` if it does not exist."""
        cached = self._cache.get(entity_id)
        if cached is not None:
            self._cache.move_to_end(entity_id)
            return cached
        if entity_id in self._absent or (self._fresh and entity_id not in self._written):
            return None
        doc = await self._entities.find_one({"_id": entity_id})
        if entity_id in self._cache:  # loaded meanwhile by a concurrent prefetch
            return self._cache[entity_id]
        if doc is None:
            self._absent.add(entity_id)
            return None
        doc.pop(SEQ_FIELD, None)
        doc.pop("_id", None)
        entity = Entity(entity_id, doc)
        self._cache[entity_id] = entity
        return entity

    def create(self, entity_id: str, doc: Document) -> Entity:
        """A new entity (every field of ``doc`` will be written)."""
        entity = Entity(entity_id, doc)
        entity.touch(*doc)
        self._cache[entity_id] = entity
        self._absent.discard(entity_id)
        self._dirty[entity_id] = entity
        return entity

    def changed(self, entity: Entity, *fields: str) -> None:
        """Record that ``fields`` of ``entity`` changed."""
        entity.touch(*fields)
        self._dirty[entity.id] = entity

    def replace(self, entity: Entity, doc: Document) -> None:
        """Replace an entity's whole document (fields it no longer has are removed)."""
        removed = set(entity.doc) - set(doc)
        entity.doc = doc
        entity.touch(*doc, *removed)
        self._dirty[entity.id] = entity

    # --- buckets ----------------------------------------------------------------------------

    def inc(self, doc_id: str, path: str, amount: Number = 1) -> None:
        """Add ``amount`` to a counter of a bucket."""
        if amount == 0:
            return
        if packing.packed(doc_id):
            key = packing.locate(path, int(doc_id[-4:]))
            deltas = self._packed_deltas.setdefault(doc_id, {})
            deltas[key] = deltas.get(key, 0) + amount
            return
        change = self._bucket(doc_id)
        change.inc[path] = change.inc.get(path, 0) + amount

    def push(self, doc_id: str, path: str, value: Any) -> None:
        """Append a value to a list of a bucket (durations whose median is wanted)."""
        if packing.packed(doc_id):
            path = packing.list_path(path)
        self._bucket(doc_id).push.setdefault(path, []).append(value)

    def add(self, doc_id: str, path: str, value: Any) -> None:
        """Add a value to a set of a bucket."""
        values = self._bucket(doc_id).add.setdefault(path, [])
        if value not in values:
            values.append(value)

    def delete_bucket(self, doc_id: str) -> None:
        """Delete a bucket (a person's own figures, on erasure) and forget its changes."""
        self._buckets_changes.pop(doc_id, None)
        self._deleted_buckets.add(doc_id)

    def _bucket(self, doc_id: str) -> BucketChange:
        change = self._buckets_changes.get(doc_id)
        if change is None:
            change = self._buckets_changes[doc_id] = BucketChange()
            self._deleted_buckets.discard(doc_id)
        return change

    async def settle_packed(self) -> None:
        """Turn the pending increments of packed buckets into whole series to write."""
        pending, self._packed_deltas = self._packed_deltas, {}
        missing = [doc_id for doc_id in pending if doc_id not in self._packed]
        semaphore = asyncio.Semaphore(LOAD_CONCURRENCY)

        async def load(doc_id: str) -> None:
            async with semaphore:
                stored = await self._stored_bucket(doc_id)
            self._packed[doc_id] = {
                section: {
                    name: packing.decode(text, length)
                    for name, text in stored.get(section, {}).items()
                }
                for section, length in packing.LENGTHS.items()
            }

        await asyncio.gather(*(load(doc_id) for doc_id in missing))
        for doc_id, deltas in pending.items():
            sections = self._packed[doc_id]
            touched: set[tuple[str, str]] = set()
            for (section, name, index), amount in deltas.items():
                series = sections[section].get(name)
                if series is None:
                    series = sections[section][name] = packing.decode("", packing.LENGTHS[section])
                series[index] += int(amount)
                touched.add((section, name))
            change = self._bucket(doc_id)
            for section, name in sorted(touched):
                text = packing.encode(sections[section][name])
                if text:
                    change.set[f"{section}.{name}"] = text
                else:
                    del sections[section][name]
                    change.unset.append(f"{section}.{name}")

    async def bucket(self, doc_id: str) -> Document:
        """A bucket as it will be after the next flush: stored figures plus pending changes
        (nested buckets only: packed ones are never read while projecting)."""
        if packing.packed(doc_id):
            raise ValueError(f"{doc_id} is packed")
        stored = await self._stored_bucket(doc_id)
        doc = {} if doc_id in self._deleted_buckets else copy.deepcopy(stored)
        change = self._buckets_changes.get(doc_id)
        if change is not None:
            apply_change(doc, change)
        return doc

    async def _stored_bucket(self, doc_id: str) -> Document:
        if self._fresh and doc_id not in self._written_buckets:
            return {}  # never written in this generation: no need to ask
        return await self._buckets.find_one({"_id": doc_id}) or {}

    # --- flushing ---------------------------------------------------------------------------

    def pending_documents(self) -> int:
        """How many documents the next flush writes."""
        return (
            len(self._dirty)
            + len(self._buckets_changes)
            + len(self._deleted_buckets)
            + len(self._packed_deltas.keys() - self._buckets_changes.keys())
        )

    def take_changes(self) -> Changes:
        """Hand over every pending change (the workspace starts afresh, its cache kept).

        The entity values are shared, not copied: no event may be applied until the flush
        that writes them has finished (the runner awaits it). ``settle_packed`` must run first.
        """
        if self._packed_deltas:
            raise RuntimeError("settle the packed buckets before taking the changes")
        entities: dict[str, EntityWrite] = {}
        for entity_id, entity in self._dirty.items():
            write = entities[entity_id] = EntityWrite()
            for name in sorted(entity.dirty):
                if name in entity.doc:
                    write.set[name] = entity.doc[name]
                else:
                    write.unset.append(name)
            entity.dirty.clear()
        changes = Changes(
            entities=entities,
            buckets=self._buckets_changes,
            deleted_buckets=set(self._deleted_buckets),
            new_entities={i for i in entities if self._fresh and i not in self._written},
            new_buckets={
                i for i in self._buckets_changes if self._fresh and i not in self._written_buckets
            },
        )
        self._written.update(entities)
        self._written_buckets.update(self._buckets_changes, self._deleted_buckets)
        self._dirty = {}
        self._buckets_changes = {}
        self._deleted_buckets = set()
        self._evict()
        return changes

    def _evict(self) -> None:
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


def apply_change(doc: Document, change: BucketChange) -> None:
    """Apply a bucket's pending change to a copy of its document, as the flush's update will
    (``$inc``, ``$push``, ``$addToSet`` and the packed series' ``$set``/``$unset``)."""
    for path, amount in change.inc.items():
        parent, leaf = _parent(doc, path)
        parent[leaf] = parent.get(leaf, 0) + amount
    for path, values in change.push.items():
        parent, leaf = _parent(doc, path)
        parent[leaf] = [*parent.get(leaf, []), *values]
    for path, values in change.add.items():
        parent, leaf = _parent(doc, path)
        existing = parent.get(leaf, [])
        parent[leaf] = [*existing, *(v for v in values if v not in existing)]
    for path, value in change.set.items():
        parent, leaf = _parent(doc, path)
        parent[leaf] = value
    for path in change.unset:
        *parents, leaf = path.split(".")
        node: Any = doc
        for name in parents:  # an $unset never creates the fields above it
            node = node.get(name) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(leaf, None)


def _parent(doc: Document, path: str) -> tuple[Document, str]:
    *parents, leaf = path.split(".")
    node = doc
    for name in parents:
        node = node.setdefault(name, {})
    return node, leaf
