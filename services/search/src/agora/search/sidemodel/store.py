"""Loading and saving side-model records in one generation's collections (``_id`` lookups only,
the one kind FerretDB answers from an index)."""

from collections.abc import Callable
from typing import Any, Literal

from pymongo.asynchronous.collection import AsyncCollection

from agora.eventsourcing import ProjectionCatalog, ReadModel
from agora.search.sidemodel.records import CommunityRecord, PersonRecord, PostRecord

Document = dict[str, Any]
Part = Literal["people", "posts", "communities"]


class SideModel:
    """The records of one generation of the search projection, read through and written back
    once per batch.

    Within a batch a record is read from MongoDB once and then kept; changes stay in memory
    until ``save()``, which the projection calls before writing the batch's documents and
    committing its offsets. A crash before that loses nothing: the batch is delivered again
    and every record's own guards (stream versions, sets, evidence recomputed from the post)
    make applying it again to whatever part was saved give the same records. Only the
    projection writes these collections, one batch at a time, so the kept copies never go stale.
    """

    def __init__(self, read_model: ReadModel) -> None:
        self.generation = read_model.generation
        self._collections: dict[Part, AsyncCollection[Document]] = {
            part: read_model.collection(part) for part in ("people", "posts", "communities")
        }
        self._people: dict[str, PersonRecord | None] = {}
        self._posts: dict[str, PostRecord | None] = {}
        self._communities: dict[str, CommunityRecord | None] = {}
        self._unsaved: set[tuple[Part, str]] = set()

    async def _load(self, part: Part, key: str) -> Document | None:
        return await self._collections[part].find_one({"_id": key})

    async def person(self, person_id: str) -> PersonRecord | None:
        """The person's record, if search heard of them."""
        if person_id not in self._people:
            document = await self._load("people", person_id)
            record = None if document is None else PersonRecord.model_validate(document)
            self._people[person_id] = record
        return self._people[person_id]

    async def update_person(
        self, person_id: str, *mutations: Callable[[PersonRecord], None]
    ) -> tuple[PersonRecord, bool]:
        """Apply ``mutations`` to the person's record (created if new); a record that changed
        gets its revision raised by one and is saved with the batch. Returns the record and
        whether it changed."""
        record = await self.person(person_id) or PersonRecord(person_id=person_id)
        before = record.model_dump()
        changed = record.model_copy(deep=True)
        for mutate in mutations:
            mutate(changed)
        if changed.model_dump() == before:
            return record, False
        changed.revision = record.revision + 1
        self._people[person_id] = changed
        self._unsaved.add(("people", person_id))
        return changed, True

    async def post(self, post_id: str) -> PostRecord | None:
        """The post's record, if its publication was seen."""
        if post_id not in self._posts:
            document = await self._load("posts", post_id)
            self._posts[post_id] = None if document is None else PostRecord.model_validate(document)
        return self._posts[post_id]

    def save_post(self, record: PostRecord) -> None:
        """Keep the post's new record, saved with the batch."""
        self._posts[record.post_id] = record
        self._unsaved.add(("posts", record.post_id))

    async def community(self, community_id: str) -> CommunityRecord | None:
        """The community's record, if any of its events was seen."""
        if community_id not in self._communities:
            document = await self._load("communities", community_id)
            record = None if document is None else CommunityRecord.model_validate(document)
            self._communities[community_id] = record
        return self._communities[community_id]

    def save_community(self, record: CommunityRecord) -> None:
        """Keep the community's new record, saved with the batch."""
        self._communities[record.community_id] = record
        self._unsaved.add(("communities", record.community_id))

    async def save(self) -> int:
        """Write every changed record; those written are forgotten as unsaved even if a later
        write fails (the caller retries). Returns how many were written."""
        written = 0
        for part, key in sorted(self._unsaved):
            record = self._record(part, key)
            await self._collections[part].replace_one(
                {"_id": key}, record.model_dump(by_alias=True), upsert=True
            )
            self._unsaved.discard((part, key))
            written += 1
        return written

    def forget(self) -> None:
        """Drop the kept records (after a batch is saved): the next batch reads afresh."""
        if self._unsaved:
            raise RuntimeError("unsaved side-model records would be lost")
        self._people.clear()
        self._posts.clear()
        self._communities.clear()

    def _record(self, part: Part, key: str) -> PersonRecord | PostRecord | CommunityRecord:
        record: PersonRecord | PostRecord | CommunityRecord | None
        if part == "people":
            record = self._people[key]
        elif part == "posts":
            record = self._posts[key]
        else:
            record = self._communities[key]
        if record is None:
            raise RuntimeError(f"unsaved {part} record {key} is missing")
        return record


SEARCHER_FIELDS = {"contributions": False, "endorsements": False, "endorsed": False}
"""What a query never needs of its searcher's record (the bulk of a prolific person's)."""


class ActiveSideModel:
    """The side model of the active generation, for the query side (memberships, follows).

    The active generation comes from the catalog, which the query side lets remember it for
    a second: after a rebuild's switch, queries read the new generation's memberships within
    that time (both generations are complete projections, so either answer is right).
    """

    def __init__(self, *, catalog: ProjectionCatalog, projection_name: str) -> None:
        self._catalog = catalog
        self._name = projection_name

    async def _active(self) -> int:
        return await self._catalog.active_generation(self._name)

    async def person(self, person_id: str) -> PersonRecord | None:
        """The person's record in the active generation, without their contributions and
        endorsements (a searcher's memberships, follows, skills and interests)."""
        generation = await self._active()
        people = self._catalog.collection(self._name, generation, "people")
        document = await people.find_one({"_id": person_id}, projection=SEARCHER_FIELDS)
        return None if document is None else PersonRecord.model_validate(document)
