"""The erasure follower: takes every erased person out of the communities, for good.

The profiles service appends ``person_erased`` when a person's personal data is erased. Which
communities someone belonged to is personal data too (a membership can say much about a
person), so this worker, in a consumer group of its own, follows two topics:

* the communities topic, to keep a small index of its own: for each person, every community
  that took them in (created by them, joined, asked to join, invited, approved, accepted);
* the profiles topic, for the erasures.

On an erasure it marks the person erased in the index, then runs ``erase_person`` on every
community listed there (member, pending join request, pending invitation end; see the
decision), then forgets the list. A community event that takes an already erased person in
(an invitation sent to them afterwards, a membership appended just before the erasure but
consumed after it) is answered with ``erase_person`` on that community at once. The index is
this worker's own, updated in the order this worker consumes, so no interleaving of the two
topics (or lag of the directory projection) can make it miss a community: whichever of the
membership and the erasure it reads second finds the other.

The communities' own events record each change (``member_removed``, and
``member_role_changed`` when ownership passes on), so every consumer of the communities topic
sees the person leave. It runs under the projection runner for its delivery guarantees
(offsets committed after the commands succeeded, retries, dead letters); a redelivered event
decides nothing new, because ``erase_person`` decides nothing where the person is no longer
involved. It reads only the events' types, streams and ``person_id``/``creator_id``: the
profiles schema is the contract, checked by ``tests/communities/test_erasures.py``.
"""

from collections.abc import Sequence
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from agora.communities.domain.decisions import erase_person
from agora.communities.domain.events import (
    CommunityCreated,
    InvitationAccepted,
    JoinRequestApproved,
    JoinRequested,
    MemberInvited,
    MemberJoined,
)
from agora.communities.domain.state import CommunityState
from agora.eventsourcing import AggregateRepository, ApplyOrder, EventEnvelope, ReadModel

Document = dict[str, Any]
PERSON_ERASED = "agora.profiles.person_erased"
PROFILE_STREAM_PREFIX = "profile-"
COMMUNITY_STREAM_PREFIX = "community-"
ERASURE_ACTOR = "system:erasure"
TAKEN_IN = {
    MemberJoined.event_type: "person_id",
    JoinRequested.event_type: "person_id",
    MemberInvited.event_type: "person_id",
    JoinRequestApproved.event_type: "person_id",
    InvitationAccepted.event_type: "person_id",
    CommunityCreated.event_type: "creator_id",
}
"""The community events that involve a person, and the field naming them."""
NOT_ERASED: Document = {"erased": {"$ne": True}}
"""Added to an upsert's ``_id`` filter: on an erased person's document it matches nothing, the
upsert's insert then fails on the ``_id``, and the update is refused in one round trip."""


class ErasureFollower:
    """Consumes the communities and profiles topics; takes erased people out of communities."""

    order = ApplyOrder.LOG

    def __init__(
        self,
        *,
        name: str,
        communities_topic: str,
        profiles_topic: str,
        repository: AggregateRepository[CommunityState],
    ) -> None:
        self.name = name
        self.topics: Sequence[str] = (communities_topic, profiles_topic)
        self._repository = repository

    async def setup(self, read_model: ReadModel) -> None:
        """The index is looked up by ``_id`` only: no other index."""

    async def apply(self, envelope: EventEnvelope, read_model: ReadModel) -> None:
        """Index a person a community took in, or erase a person (other events are ignored)."""
        people = read_model.collection()
        if envelope.type == PERSON_ERASED and envelope.streamid.startswith(PROFILE_STREAM_PREFIX):
            await self._erase(people, envelope.streamid.removeprefix(PROFILE_STREAM_PREFIX))
            return
        field = TAKEN_IN.get(envelope.type)
        data = envelope.data if isinstance(envelope.data, dict) else {}
        person_id = data.get(field) if field is not None else None
        if not isinstance(person_id, str) or not envelope.streamid.startswith(
            COMMUNITY_STREAM_PREFIX
        ):
            return
        community_id = envelope.streamid.removeprefix(COMMUNITY_STREAM_PREFIX)
        try:
            await people.update_one(
                {"_id": person_id, **NOT_ERASED},
                {"$addToSet": {"communities": community_id}},
                upsert=True,
            )
        except DuplicateKeyError:
            # Taken in after their erasure (in the log, or only in the order read here).
            await self._erase_from(community_id, person_id)

    async def _erase(self, people: AsyncCollection[Document], person_id: str) -> None:
        # Marked first: from here on a membership is refused by the index and erased on the
        # spot, so none can slip in between reading the list and forgetting it. The list stays
        # until every community is done, so a crash in between repeats the whole erasure.
        await people.update_one({"_id": person_id}, {"$set": {"erased": True}}, upsert=True)
        found = await people.find_one({"_id": person_id})
        communities = sorted(found.get("communities", [])) if found is not None else []
        for community_id in communities:
            await self._erase_from(community_id, person_id)
        await people.update_one({"_id": person_id}, {"$unset": {"communities": ""}})

    async def _erase_from(self, community_id: str, person_id: str) -> None:
        await self._repository.execute(
            stream_id=self._repository.stream_id(community_id),
            decide=erase_person(person_id=person_id),
            actor=ERASURE_ACTOR,
        )
