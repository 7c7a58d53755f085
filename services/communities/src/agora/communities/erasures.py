"""The erasure follower: takes every erased person out of the communities.

The profiles service appends ``person_erased`` when a person's personal data is erased. Which
communities someone belonged to is personal data too (a membership can say much about a
person), so this worker consumes the profiles topic in a consumer group of its own and, for each
erasure, runs ``erase_person`` on every community the directory read model lists the person in
(member, pending join request, pending invitation). The communities' own events record the
change (``member_removed``, and ``member_role_changed`` when ownership passes on; see the
decision), so every consumer of the communities topic sees the person leave.

It runs under the projection runner for its delivery guarantees (offsets committed after the
commands succeeded, retries, dead letters); a redelivered erasure decides nothing new. It reads
only the event's type and stream: the profiles schema is the contract, checked by
``tests/communities/test_erasures.py``.

Limit: the directory read model is eventually consistent, so a membership appended in the very
instant before the erasure reached this worker, and not yet projected, is not found.
"""

from collections.abc import Sequence

from agora.communities.domain.decisions import erase_person
from agora.communities.domain.state import CommunityState
from agora.communities.queries import DirectoryQueries
from agora.eventsourcing import AggregateRepository, EventEnvelope, ReadModel

PERSON_ERASED = "agora.profiles.person_erased"
PROFILE_STREAM_PREFIX = "profile-"
ERASURE_ACTOR = "system:erasure"


class ErasureFollower:
    """Consumes the profiles topic; applies each erasure to the person's communities."""

    def __init__(
        self,
        *,
        name: str,
        profiles_topic: str,
        repository: AggregateRepository[CommunityState],
        queries: DirectoryQueries,
    ) -> None:
        self.name = name
        self.topics: Sequence[str] = (profiles_topic,)
        self._repository = repository
        self._queries = queries

    async def setup(self, read_model: ReadModel) -> None:
        """It keeps no read model of its own."""

    async def apply(self, envelope: EventEnvelope, read_model: ReadModel) -> None:
        """Take the erased person out of every community that lists them (other events of the
        profiles topic are ignored)."""
        if envelope.type != PERSON_ERASED or not envelope.streamid.startswith(
            PROFILE_STREAM_PREFIX
        ):
            return
        person_id = envelope.streamid.removeprefix(PROFILE_STREAM_PREFIX)
        for community_id in await self._queries.communities_involving(person_id=person_id):
            await self._repository.execute(
                stream_id=self._repository.stream_id(community_id),
                decide=erase_person(person_id=person_id),
                actor=ERASURE_ACTOR,
            )
