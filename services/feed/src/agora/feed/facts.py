"""The people and community facts the feed keeps from the profiles and communities topics.

Two collections of the feed's read model: ``people`` (card, follows, skills, topics,
memberships) and ``communities`` (visibility, state, members, managers). Every update is a
``$set`` of a whole value or a set operation (``$addToSet``/``$pull``): a topic partition is
redelivered in order, so applying a suffix of it again converges to the same documents and no
per-event bookkeeping is needed. An erasure drops the person's follows and memberships on both
sides; a follow or membership that reaches the projection after the erasure (through another
partition) is refused, so replaying the topics in any order converges to the same documents.
"""

import re
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from agora.eventsourcing import EventEnvelope, ReadModel
from agora.eventsourcing.bounded import gather_bounded
from agora.feed import upstream
from agora.feed.readmodel import CollectionSource, GenerationCollections

Document = dict[str, Any]
Visibility = Literal["open", "closed", "secret"]
MEMBERSHIP_STARTS = {
    "agora.communities.member_joined",
    "agora.communities.join_request_approved",
    "agora.communities.invitation_accepted",
}
MEMBERSHIP_ENDS = {
    "agora.communities.member_left",
    "agora.communities.member_removed",
    "agora.communities.person_blocked",
}
ERASURE_CONCURRENCY = 16
"""Updates in flight while an erasure takes a person out of other people's and communities'
documents (each a different document, so they may run together)."""
NOT_ERASED: Document = {"erased": {"$ne": True}}
"""Added to an upsert's ``_id`` filter: on an erased person's document it matches nothing, the
upsert's insert then fails on the ``_id``, and the update is refused in one round trip."""
ERASED_LISTS = (
    "skills",
    "help_topics",
    "interests",
    "following",
    "followers",
    "communities",
    "managed",
)
"""The lists of a person's facts an erasure empties."""
KNOWN_TOPICS_ID = "~known-topics"
"""The ``people`` document listing every expertise topic (skill or help topic, folded) anyone
declared: questions are routed on the words of their text that are known topics. Never
shrinks (a stale topic only costs a question one more timeline); no person id starts with ``~``."""
_WHITESPACE = re.compile(r"\s+")
DEFAULT_REMEMBERED_IDS = 500_000
"""How many ids (followers, members, ...) the projection's ``FactsMemory`` holds at most, about
40 MB: every person and community of an organisation of 10,000 people fits."""


def fold_topic(name: str) -> str:
    """A topic as matched: lower-case, accent-free, white space collapsed (as profiles folds)."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _WHITESPACE.sub(" ", stripped.casefold()).strip()


class PersonFacts(BaseModel):
    """What the feed knows of a person."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    person_id: str = Field(alias="_id")
    display_name: str | None = None
    job_title: str | None = None
    department: str | None = None
    photo_url: str | None = None
    active: bool = True
    erased: bool = False
    skills: list[str] = Field(default_factory=list)
    help_topics: list[str] = Field(default_factory=list)
    interests: list[str] = Field(default_factory=list)
    following: list[str] = Field(default_factory=list)
    followers: list[str] = Field(default_factory=list)
    communities: list[str] = Field(default_factory=list)
    """The communities the person is a member of (any role)."""
    managed: list[str] = Field(default_factory=list)
    """The communities the person owns or manages."""

    @property
    def expertise(self) -> set[str]:
        """Skills and "I can help with" topics: what questions are routed on."""
        return {*self.skills, *self.help_topics}


class CommunityFacts(BaseModel):
    """What the feed knows of a community."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    community_id: str = Field(alias="_id")
    name: str = ""
    kind: str = "interest"
    visibility: Visibility = "secret"
    """Secret until the creation event is seen: unknown communities leak nothing."""
    archived: bool = False
    members: list[str] = Field(default_factory=list)
    managers: list[str] = Field(default_factory=list)
    pending_requests: list[str] = Field(default_factory=list)

    def is_member(self, person_id: str) -> bool:
        """Whether the person belongs to the community now."""
        return person_id in self.members

    def manages(self, person_id: str) -> bool:
        """Whether the person owns or manages the community now."""
        return person_id in self.managers

    def can_read(self, person_id: str) -> bool:
        """Open communities are readable by every employee; the others by members only."""
        return self.visibility == "open" or self.is_member(person_id)

    def can_know(self, person_id: str) -> bool:
        """Whether the person may learn the community exists (secret ones: members only)."""
        return self.visibility != "secret" or self.is_member(person_id)


class FactsQueries:
    """Reads person and community facts from the active read model."""

    def __init__(self, collections: CollectionSource) -> None:
        self._collections = collections

    async def person(self, person_id: str) -> PersonFacts | None:
        """The person's facts, or ``None`` if the feed has never heard of them."""
        people = await self._collections.active("people")
        document = await people.find_one({"_id": person_id})
        return None if document is None else PersonFacts.model_validate(document)

    async def known_topics(self) -> set[str]:
        """Every expertise topic declared so far (folded)."""
        people = await self._collections.active("people")
        document = await people.find_one({"_id": KNOWN_TOPICS_ID})
        return set(document.get("topics", [])) if document else set()

    async def community(self, community_id: str) -> CommunityFacts | None:
        """The community's facts, or ``None`` before its creation event arrived."""
        communities = await self._collections.active("communities")
        document = await communities.find_one({"_id": community_id})
        if document is None or "name" not in document:
            return None
        return CommunityFacts.model_validate(document)


Remembered = PersonFacts | CommunityFacts | frozenset[str] | None
"""A looked-up person, community or the known topics (``None``: looked up, not there)."""
FactsT = TypeVar("FactsT", PersonFacts, CommunityFacts)


class FactsMemory:
    """The facts the projection looked up (and which timelines are closed), kept from one event
    to the next until it applies a fact event, which forgets them all (before and after).

    The projection is the facts' only writer (one process applies every event, see
    ``readmodel``), so what it read stays true until it applies the next profiles or
    communities event. Posts are what read facts (the author's followers, the community's
    members: documents of up to thousands of ids that the database decodes whole on every
    read), and posts outnumber changes of follows and memberships by far.
    """

    def __init__(self, *, max_ids: int = DEFAULT_REMEMBERED_IDS) -> None:
        self._max_ids = max_ids
        self._entries: dict[tuple[str, str], tuple[Remembered, int]] = {}
        self._ids = 0
        self._generation: tuple[str, int] | None = None
        self._closed_timelines: dict[str, bool] = {}

    @property
    def closed_timelines(self) -> dict[str, bool]:
        """Whether each timeline looked at so far is closed (by its closed marker's ``_id``):
        timelines are closed only by an erasure, a fact event, which forgets this too. Emptied
        once it holds ``max_ids`` timelines (they are looked up again). Call ``queries`` first,
        which starts a new generation empty."""
        if len(self._closed_timelines) >= self._max_ids:
            self._closed_timelines.clear()
        return self._closed_timelines

    def queries(self, read_model: ReadModel) -> FactsQueries:
        """Lookups of ``read_model``'s facts through this memory (a new generation starts it
        empty: a rebuild writes new documents)."""
        generation = (read_model.name, read_model.generation)
        if generation != self._generation:
            self.forget()
            self._generation = generation
        return _RememberedFacts(GenerationCollections(read_model), self)

    def forget(self) -> None:
        """Drop everything remembered (a fact event is about to change, or changed, facts)."""
        self._entries.clear()
        self._ids = 0
        self._closed_timelines.clear()

    def recall(self, kind: str, key: str) -> tuple[bool, Remembered]:
        """``(True, value)`` when ``kind``/``key`` was looked up since the last ``forget``."""
        entry = self._entries.get((kind, key))
        return (False, None) if entry is None else (True, entry[0])

    def remember(self, kind: str, key: str, value: Remembered) -> None:
        """Keep a looked-up value; the oldest go when the ids held would exceed the bound."""
        size = 1 + _ids_in(value)
        if size > self._max_ids:
            return
        while self._entries and self._ids + size > self._max_ids:
            _, dropped = self._entries.pop(next(iter(self._entries)))
            self._ids -= dropped
        self._entries[(kind, key)] = (value, size)
        self._ids += size


def _ids_in(value: Remembered) -> int:
    """How many ids (and topics) ``value`` holds: what its memory grows with."""
    match value:
        case PersonFacts():
            return sum(len(getattr(value, name)) for name in ERASED_LISTS)
        case CommunityFacts():
            return len(value.members) + len(value.managers) + len(value.pending_requests)
        case frozenset():
            return len(value)
    return 0


class _RememberedFacts(FactsQueries):
    """``FactsQueries`` answered from a ``FactsMemory`` when it has the answer."""

    def __init__(self, collections: CollectionSource, memory: FactsMemory) -> None:
        super().__init__(collections)
        self._memory = memory

    async def person(self, person_id: str) -> PersonFacts | None:
        return await self._recalled("person", person_id, PersonFacts, super().person)

    async def known_topics(self) -> set[str]:
        found, value = self._memory.recall("topics", "")
        if found and isinstance(value, frozenset):
            return set(value)
        topics = await super().known_topics()
        self._memory.remember("topics", "", frozenset(topics))
        return topics

    async def community(self, community_id: str) -> CommunityFacts | None:
        return await self._recalled("community", community_id, CommunityFacts, super().community)

    async def _recalled(
        self,
        kind: str,
        key: str,
        facts_type: type[FactsT],
        look_up: Callable[[str], Awaitable[FactsT | None]],
    ) -> FactsT | None:
        found, value = self._memory.recall(kind, key)
        if found:
            return value if isinstance(value, facts_type) else None
        looked_up = await look_up(key)
        self._memory.remember(kind, key, looked_up)
        return looked_up


async def apply_fact(
    envelope: EventEnvelope,
    event: upstream.UpstreamEvent,
    people: AsyncCollection[Document],
    communities: AsyncCollection[Document],
) -> None:
    """Apply one profiles or communities event to the facts collections."""
    if isinstance(event, upstream.PersonCardPublished | upstream.PersonCardErased):
        await _apply_card(event, people)
    elif envelope.type.startswith("agora.profiles."):
        await _apply_profile(envelope, event, people, communities)
    else:
        await _apply_community(envelope, event, people, communities)


async def _apply_card(
    event: upstream.PersonCardPublished | upstream.PersonCardErased,
    people: AsyncCollection[Document],
) -> None:
    if isinstance(event, upstream.PersonCardErased):
        update: Document = {
            "$set": {"erased": True, "active": False},
            "$unset": {"display_name": "", "job_title": "", "department": "", "photo_url": ""},
        }
        await people.update_one({"_id": event.person_id}, update, upsert=True)
        return
    card = {
        "display_name": event.display_name,
        "job_title": event.job_title,
        "department": event.department,
        "photo_url": event.photo_url,
        "active": event.active,
    }
    # A card applied after the erasure (the cards topic is not ordered against the profiles
    # topic, in a rebuild above all) brings nothing back.
    await _unless_erased(people, event.person_id, {"$set": card})


async def _apply_profile(
    envelope: EventEnvelope,
    event: upstream.UpstreamEvent,
    people: AsyncCollection[Document],
    communities: AsyncCollection[Document],
) -> None:
    person_id = upstream.aggregate_id(envelope)
    match event:
        case upstream.PersonErased():
            await _erase_person(person_id, people, communities)
            return
        case upstream.PersonDeactivated():
            update: Document = {"$set": {"active": False}}
        case upstream.SkillAdded(skill=skill):
            await _add_known_topics(people, [skill])
            update = {"$addToSet": {"skills": skill}}
        case upstream.SkillRemoved(skill=skill):
            update = {"$pull": {"skills": skill}}
        case upstream.TopicsSet(topics=topics):
            field = "interests" if envelope.type.endswith("interests_set") else "help_topics"
            if field == "help_topics":
                await _add_known_topics(people, topics)
            update = {"$set": {field: sorted(set(topics))}}
        case upstream.PersonFollowed(followee_id=followee):
            if not await _unless_erased(people, followee, {"$addToSet": {"followers": person_id}}):
                return  # applied after the followee's erasure (another partition): dropped
            update = {"$addToSet": {"following": followee}}
        case upstream.PersonUnfollowed(followee_id=followee):
            await people.update_one(
                {"_id": followee}, {"$pull": {"followers": person_id}}, upsert=True
            )
            update = {"$pull": {"following": followee}}
        case _:
            return
    await people.update_one({"_id": person_id}, update, upsert=True)


async def _erase_person(
    person_id: str, people: AsyncCollection[Document], communities: AsyncCollection[Document]
) -> None:
    """Drop everything the feed keeps of an erased person: their profile data, and their
    follows and memberships on both sides (as the profiles read model drops their follow
    relations), so no post reaches them any more. Their own document is written last: an
    erasure interrupted by a crash is applied again from the lists it still holds."""
    stored = await people.find_one({"_id": person_id}) or {}
    in_communities = {*stored.get("communities", []), *stored.get("managed", [])}
    await gather_bounded(
        [
            *(
                people.update_one({"_id": followee}, {"$pull": {"followers": person_id}})
                for followee in stored.get("following", [])
            ),
            *(
                people.update_one({"_id": follower}, {"$pull": {"following": person_id}})
                for follower in stored.get("followers", [])
            ),
            *(
                communities.update_one(
                    {"_id": community_id},
                    {"$pull": {"members": person_id, "managers": person_id}},
                )
                for community_id in sorted(in_communities)
            ),
        ],
        limit=ERASURE_CONCURRENCY,
    )
    await people.update_one(
        {"_id": person_id},
        {
            "$set": {
                "erased": True,
                "active": False,
                **{name: [] for name in ERASED_LISTS},
            },
            "$unset": {"display_name": "", "job_title": "", "department": "", "photo_url": ""},
        },
        upsert=True,
    )


async def _unless_erased(
    people: AsyncCollection[Document], person_id: str, update: Document
) -> bool:
    """Apply ``update`` to the person's document unless they were erased (``False`` then)."""
    try:
        await people.update_one({"_id": person_id, **NOT_ERASED}, update, upsert=True)
    except DuplicateKeyError:
        return False
    return True


async def _add_known_topics(people: AsyncCollection[Document], topics: list[str]) -> None:
    folded = sorted({fold_topic(topic) for topic in topics} - {""})
    if folded:
        await people.update_one(
            {"_id": KNOWN_TOPICS_ID}, {"$addToSet": {"topics": {"$each": folded}}}, upsert=True
        )


async def _apply_community(
    envelope: EventEnvelope,
    event: upstream.UpstreamEvent,
    people: AsyncCollection[Document],
    communities: AsyncCollection[Document],
) -> None:
    community_id = upstream.aggregate_id(envelope)
    match event:
        case upstream.CommunityCreated():
            created: Document = {
                "$set": {"name": event.name, "kind": event.kind, "visibility": event.visibility}
            }
            if await _person_joined(people, event.creator_id, community_id, manager=True):
                created["$addToSet"] = {"members": event.creator_id, "managers": event.creator_id}
            await communities.update_one({"_id": community_id}, created, upsert=True)
        case upstream.CommunityRenamed(name=name):
            await communities.update_one({"_id": community_id}, {"$set": {"name": name}})
        case upstream.CommunityArchived():
            await communities.update_one({"_id": community_id}, {"$set": {"archived": True}})
        case upstream.CommunityUnarchived():
            await communities.update_one({"_id": community_id}, {"$set": {"archived": False}})
        case upstream.MemberRoleChanged(person_id=person_id, role=role):
            if role in ("owner", "manager"):
                managed: Document = {"$addToSet": {"managed": community_id}}
                if not await _unless_erased(people, person_id, managed):
                    return  # applied after the person's erasure (another partition): dropped
                await communities.update_one(
                    {"_id": community_id}, {"$addToSet": {"managers": person_id}}, upsert=True
                )
            else:
                await communities.update_one(
                    {"_id": community_id}, {"$pull": {"managers": person_id}}, upsert=True
                )
                await people.update_one(
                    {"_id": person_id}, {"$pull": {"managed": community_id}}, upsert=True
                )
        case upstream.PersonEvent(person_id=person_id):
            await _apply_membership(envelope.type, person_id, community_id, people, communities)


async def _apply_membership(
    event_type: str,
    person_id: str,
    community_id: str,
    people: AsyncCollection[Document],
    communities: AsyncCollection[Document],
) -> None:
    if event_type in MEMBERSHIP_STARTS:
        update: Document = {"$pull": {"pending_requests": person_id}}
        if await _person_joined(people, person_id, community_id, manager=False):
            update["$addToSet"] = {"members": person_id}
        await communities.update_one({"_id": community_id}, update, upsert=True)
    elif event_type in MEMBERSHIP_ENDS:
        await communities.update_one(
            {"_id": community_id},
            {"$pull": {"members": person_id, "managers": person_id}},
            upsert=True,
        )
        await people.update_one(
            {"_id": person_id},
            {"$pull": {"communities": community_id, "managed": community_id}},
            upsert=True,
        )
    elif event_type == "agora.communities.join_requested":
        await communities.update_one(
            {"_id": community_id}, {"$addToSet": {"pending_requests": person_id}}, upsert=True
        )
    elif event_type == "agora.communities.join_request_rejected":
        await communities.update_one(
            {"_id": community_id}, {"$pull": {"pending_requests": person_id}}, upsert=True
        )


async def _person_joined(
    people: AsyncCollection[Document], person_id: str, community_id: str, *, manager: bool
) -> bool:
    """Record the membership in the person's facts; ``False`` (nothing recorded) when the
    person was erased before it was applied (the communities topic is another partition)."""
    additions: Document = {"communities": community_id}
    if manager:
        additions["managed"] = community_id
    return await _unless_erased(people, person_id, {"$addToSet": additions})
