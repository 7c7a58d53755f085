"""Reads from the people read model (the active generation): people, lists and follow lists."""

from dataclasses import dataclass
from typing import Any

from agora.eventsourcing import ProjectionCatalog
from agora.profiles.domain.state import Profile
from agora.profiles.projection import FOLLOWS_PART
from agora.profiles.skills import fold, normalise_skill


@dataclass(frozen=True)
class PersonRecord:
    """A person's profile as the read model has it, and the stream version it reflects."""

    profile: Profile
    version: int


@dataclass(frozen=True)
class Page:
    """One page of ids or records, and whether another page follows."""

    items: list[Any]
    has_more: bool


class PeopleQueries:
    """Answers the profiles service's reads from the people read model."""

    def __init__(self, *, catalog: ProjectionCatalog, name: str) -> None:
        self._catalog = catalog
        self._name = name

    async def person(self, person_id: str) -> PersonRecord | None:
        """One person, or ``None`` when the read model has not seen them."""
        people = await self._catalog.active_collection(self._name)
        document = await people.find_one({"_id": person_id})
        if document is None or document.get("erased"):
            return None
        return PersonRecord(
            profile=Profile.model_validate(document["profile"]), version=document["version"]
        )

    async def people(
        self,
        *,
        department: str | None,
        location: str | None,
        skill: str | None,
        offset: int,
        limit: int,
    ) -> Page:
        """People matching every given filter, by id."""
        query: dict[str, Any] = {"erased": False}
        if department:
            query["department_key"] = fold(department)
        if location:
            query["location_key"] = fold(location)
        if skill:
            query["skill_keys"] = normalise_skill(skill)
        people = await self._catalog.active_collection(self._name)
        cursor = people.find(query).sort("_id", 1).skip(offset).limit(limit + 1)
        records = [
            PersonRecord(profile=Profile.model_validate(doc["profile"]), version=doc["version"])
            async for doc in cursor
        ]
        return Page(items=records[:limit], has_more=len(records) > limit)

    async def followers(self, person_id: str, *, offset: int, limit: int) -> Page:
        """Ids of the people following ``person_id``."""
        return await self._follows("followee", person_id, "follower", offset=offset, limit=limit)

    async def following(self, person_id: str, *, offset: int, limit: int) -> Page:
        """Ids of the people ``person_id`` follows."""
        return await self._follows("follower", person_id, "followee", offset=offset, limit=limit)

    async def _follows(
        self, key: str, person_id: str, other: str, *, offset: int, limit: int
    ) -> Page:
        follows = await self._catalog.active_collection(self._name, FOLLOWS_PART)
        cursor = (
            follows.find({key: person_id, "active": True})
            .sort(other, 1)
            .skip(offset)
            .limit(limit + 1)
        )
        ids = [document[other] async for document in cursor]
        return Page(items=ids[:limit], has_more=len(ids) > limit)
