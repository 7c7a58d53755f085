"""Reads of the directory read model, always filtered by what the viewer may see."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agora.communities.projection import COMMUNITIES_PART, MEMBERSHIPS_PART
from agora.eventsourcing import ProjectionCatalog
from agora.eventsourcing.readmodel import strip_bookkeeping

Document = dict[str, Any]


@dataclass(frozen=True)
class Page:
    """One page of a list and how many items the whole list has."""

    items: list[Document]
    total: int


class DirectoryQueries:
    """Answers the directory's questions from the active generation of its read model."""

    def __init__(self, *, catalog: ProjectionCatalog, projection_name: str) -> None:
        self._catalog = catalog
        self._name = projection_name

    async def communities(
        self,
        *,
        viewer: str,
        text: str | None,
        tag: str | None,
        kind: str | None,
        offset: int,
        limit: int,
    ) -> Page:
        """Communities matching the filters: open and closed ones, plus the viewer's secret ones."""
        criteria: Document = {}
        if kind is not None:
            criteria["kind"] = kind
        if tag is not None:
            criteria["tags"] = tag
        documents = await self._find_communities(criteria)
        mine = await self._community_ids(person_id=viewer, status="member")
        visible = [doc for doc in documents if _visible(doc, mine)]
        if text:
            folded = text.casefold()
            visible = [
                doc
                for doc in visible
                if folded in doc["name_folded"] or folded in doc["description"].casefold()
            ]
        return Page(items=visible[offset : offset + limit], total=len(visible))

    async def communities_of(self, *, person_id: str, viewer: str) -> list[Document]:
        """The communities ``person_id`` belongs to, as far as ``viewer`` may know."""
        theirs = await self._community_ids(person_id=person_id, status="member")
        mine = (
            theirs
            if viewer == person_id
            else await self._community_ids(person_id=viewer, status="member")
        )
        documents = await self._communities_by_id(theirs)
        return [doc for doc in documents if _visible(doc, mine)]

    async def invitations_of(self, *, person_id: str) -> list[Document]:
        """The communities that invited ``person_id`` and await an answer."""
        return await self._communities_by_id(
            await self._community_ids(person_id=person_id, status="invited")
        )

    async def members(self, *, community_id: str) -> list[Document]:
        """The members of one community with their roles (callers check visibility first)."""
        collection = await self._catalog.active_collection(self._name, MEMBERSHIPS_PART)
        cursor = collection.find({"community_id": community_id, "status": "member"})
        members = [strip_bookkeeping(doc) async for doc in cursor]
        return sorted(members, key=lambda doc: str(doc["person_id"]))

    async def communities_to_archive(self, *, today_iso: str) -> list[str]:
        """Ids of active project communities whose end date is before ``today_iso``."""
        documents = await self._find_communities({"kind": "project", "archived": False})
        return [
            str(doc["_id"])
            for doc in documents
            if doc.get("end_date") is not None and doc["end_date"] < today_iso
        ]

    async def _find_communities(self, criteria: Document) -> list[Document]:
        collection = await self._catalog.active_collection(self._name, COMMUNITIES_PART)
        cursor = collection.find(criteria)
        documents = [strip_bookkeeping(doc) async for doc in cursor]
        return sorted(documents, key=lambda doc: (doc["name_folded"], str(doc["_id"])))

    async def _communities_by_id(self, ids: Sequence[str]) -> list[Document]:
        if not ids:
            return []
        collection = await self._catalog.active_collection(self._name, COMMUNITIES_PART)
        documents = [strip_bookkeeping(doc) async for doc in collection.find({"_id": {"$in": ids}})]
        return sorted(documents, key=lambda doc: (doc["name_folded"], str(doc["_id"])))

    async def _community_ids(self, *, person_id: str, status: str) -> list[str]:
        collection = await self._catalog.active_collection(self._name, MEMBERSHIPS_PART)
        cursor = collection.find({"person_id": person_id, "status": status})
        return [str(doc["community_id"]) async for doc in cursor]


def _visible(document: Document, member_of: Sequence[str]) -> bool:
    return document["visibility"] != "secret" or document["_id"] in member_of
