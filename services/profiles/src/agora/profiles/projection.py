"""The people read model: one document per person, and one per follow relation.

Each person document holds the folded profile state plus precomputed equality keys
(department, location, skills), because FerretDB only pushes equality filters down to SQL.
"""

from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, IndexModel

from agora.eventsourcing import ApplyOrder, EventEnvelope, ReadModel, apply_once
from agora.eventsourcing.mongo_indexes import ensure_indexes
from agora.profiles.crypto import FernetCipher, PersonKeys
from agora.profiles.domain.events import (
    Audience,
    PersonErased,
    PersonFollowed,
    PersonProvisioned,
    PersonUnfollowed,
    ProfileEdited,
    registry,
)
from agora.profiles.domain.state import Profile, evolve
from agora.profiles.skills import fold

STREAM_PREFIX = "profile-"
FOLLOWS_PART = "follows"
Document = dict[str, Any]


def person_document(profile: Profile, *, version: int) -> Document:
    """The stored fields of a person's read-model document."""
    location_listed = profile.visibility.location is Audience.EVERYONE and profile.location
    if profile.erased:
        return {
            "version": version,
            "erased": True,
            "profile": Profile(exists=True, erased=True).model_dump(mode="json"),
            "department_key": None,
            "location_key": None,
            "skill_keys": [],
        }
    return {
        "version": version,
        "erased": False,
        "profile": profile.model_dump(mode="json"),
        "department_key": fold(profile.department) if profile.department else None,
        # A hidden location must not be findable through the filter either.
        "location_key": fold(profile.location) if location_listed and profile.location else None,
        "skill_keys": [skill.name for skill in profile.skills],
    }


def follow_id(follower_id: str, followee_id: str) -> str:
    """The id of the document recording that one person follows another."""
    return f"{follower_id}:{followee_id}"


class PeopleProjection:
    """Folds ``profile-*`` streams into person documents and follow documents."""

    # An erasure deletes the follow documents other people's streams wrote.
    order = ApplyOrder.LOG

    def __init__(self, *, name: str, topics: Sequence[str], keys: PersonKeys) -> None:
        self.name = name
        self.topics: Sequence[str] = tuple(topics)
        self._keys = keys

    async def setup(self, read_model: ReadModel) -> None:
        """Index the filter keys and the follow relation's two directions."""
        await ensure_indexes(
            read_model.collection(),
            [
                IndexModel([("department_key", ASCENDING)], name="by_department"),
                IndexModel([("location_key", ASCENDING)], name="by_location"),
                IndexModel([("skill_keys", ASCENDING)], name="by_skill"),
            ],
        )
        await ensure_indexes(
            read_model.collection(FOLLOWS_PART),
            [
                IndexModel([("followee", ASCENDING), ("active", ASCENDING)], name="by_followee"),
                IndexModel([("follower", ASCENDING), ("active", ASCENDING)], name="by_follower"),
            ],
        )

    async def apply(self, envelope: EventEnvelope, read_model: ReadModel) -> None:
        """Fold one event into the person's document (and the follow relation it names)."""
        if not envelope.streamid.startswith(STREAM_PREFIX) or envelope.type not in registry:
            return
        person_id = envelope.streamid.removeprefix(STREAM_PREFIX)
        event = envelope.payload(registry)
        people = read_model.collection()
        stored = await people.find_one(
            {"_id": person_id}, projection={"profile": 1, "version": 1, "erased": 1}
        )
        if stored is not None and stored.get("erased"):
            return  # nothing of an erased person comes back, not even from a redelivery
        # Events of one stream arrive in order on one partition, so read-then-write is safe;
        # apply_once still refuses a redelivered event.
        if stored is None or stored["version"] < envelope.streamversion:
            profile = Profile() if stored is None else Profile.model_validate(stored["profile"])
            sealed = isinstance(event, PersonProvisioned | ProfileEdited)
            cipher = await self._keys.cipher(person_id) if sealed else FernetCipher(None)
            changed = evolve(profile, event, cipher=cipher)
            update = person_document(changed, version=envelope.streamversion)
            await apply_once(
                people, document_id=person_id, envelope=envelope, update={"$set": update}
            )
        if isinstance(event, PersonErased):
            follows = read_model.collection(FOLLOWS_PART)
            await follows.delete_many({"follower": person_id})
            await follows.delete_many({"followee": person_id})
        if isinstance(event, PersonFollowed | PersonUnfollowed):
            await apply_once(
                read_model.collection(FOLLOWS_PART),
                document_id=follow_id(person_id, event.followee_id),
                envelope=envelope,
                update={
                    "$set": {
                        "follower": person_id,
                        "followee": event.followee_id,
                        "active": isinstance(event, PersonFollowed),
                    }
                },
            )
