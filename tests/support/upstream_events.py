"""Events of the profiles and communities services, as the services they feed receive them."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from agora.communities.domain import events as community_events
from agora.eventsourcing import DomainEvent, EventEnvelope
from agora.eventsourcing.envelope import dataschema_uri
from tests.support.stream_publisher import StreamPublisher

CARD_PUBLISHED = "agora.profiles.person_card_published"
CARD_ERASED = "agora.profiles.person_card_erased"


def card_envelope(
    person_id: str, version: int, *, card_type: str, schema_version: int, data: dict[str, Any]
) -> EventEnvelope:
    """A person's card as profiles publishes it on its cards topic, built from its payload so
    that a test can send any schema version of it."""
    stream_id = f"profile-{person_id}"
    return EventEnvelope(
        id=str(uuid.uuid4()),
        source="/agora/profiles",
        type=card_type,
        subject=stream_id,
        time=datetime.now(UTC),
        dataschema=dataschema_uri(card_type, schema_version),
        data=data,
        streamid=stream_id,
        streamversion=version,
        schemaversion=schema_version,
        actor=person_id,
    )


def community_founding(
    community_id: str,
    owner: str,
    *,
    name: str,
    description: str,
    tags: Sequence[str] = (),
    kind: str = "interest",
    visibility: str = "open",
    members: Sequence[str] = (),
    managers: Sequence[str] = (),
) -> list[DomainEvent]:
    """A community's first events: created by ``owner``, joined by the members and the
    managers, then the managers given their role."""
    created = community_events.CommunityCreated(
        community_id=community_id,
        name=name,
        description=description,
        tags=tuple(tags),
        kind=kind,
        visibility=visibility,
        end_date=None,
        creator_id=owner,
    )
    joined = [community_events.MemberJoined(person_id=person) for person in [*members, *managers]]
    promoted = [
        community_events.MemberRoleChanged(person_id=person, role="manager") for person in managers
    ]
    return [created, *joined, *promoted]


class CommunitiesPublisher(StreamPublisher):
    """A publisher that also speaks for the communities service: a community's events, and
    members joining and being removed."""

    def __init__(self, *, bootstrap_servers: str, client_id: str, communities_topic: str) -> None:
        super().__init__(bootstrap_servers=bootstrap_servers, client_id=client_id)
        self._communities_topic = communities_topic

    @property
    def communities_topic(self) -> str:
        """Where the communities service's events go."""
        return self._communities_topic

    async def community_events(
        self,
        community_id: str,
        *events: DomainEvent,
        actor: str = "system",
        at: datetime | None = None,
    ) -> list[EventEnvelope]:
        """Publish events of a community's stream, dated ``at`` (now by default)."""
        return await self.publish(
            self._communities_topic, f"community-{community_id}", events, actor=actor, at=at
        )

    async def join(self, community_id: str, person_id: str) -> None:
        """The person joins the community."""
        await self.community_events(
            community_id, community_events.MemberJoined(person_id=person_id), actor=person_id
        )

    async def remove(self, community_id: str, person_id: str) -> None:
        """A manager removes the person from the community."""
        await self.community_events(
            community_id, community_events.MemberRemoved(person_id=person_id)
        )
