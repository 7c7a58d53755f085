"""Publishing person cards as the profiles service's card worker does (for the ended-access
followers of the gateway and of every service)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from agora.eventsourcing.topics import cards_topic, ensure_topics
from tests.support.stream_publisher import StreamPublisher
from tests.support.upstream_events import CARD_ERASED, CARD_PUBLISHED, card_envelope


class CardPublisher(StreamPublisher):
    """Publishes person cards onto one cards topic."""

    def __init__(self, *, bootstrap_servers: str, topic: str) -> None:
        super().__init__(bootstrap_servers=bootstrap_servers, client_id="cards")
        self._topic = topic

    async def card(self, person_id: str, *, active: bool) -> None:
        """A person's card, saying whether they are active (``False``: they left)."""
        data = {"person_id": person_id, "display_name": "Someone", "active": active}
        await self._send_card(person_id, CARD_PUBLISHED, data)

    async def erased(self, person_id: str) -> None:
        """The erased card of a person whose personal data was erased."""
        await self._send_card(person_id, CARD_ERASED, {"person_id": person_id})

    async def _send_card(self, person_id: str, card_type: str, data: dict[str, object]) -> None:
        version = self.claim_version(f"profile-{person_id}")
        envelope = card_envelope(
            person_id, version, card_type=card_type, schema_version=1, data=data
        )
        await self.send(self._topic, envelope)


@asynccontextmanager
async def card_publisher(*, bootstrap_servers: str, topic: str) -> AsyncIterator[CardPublisher]:
    """A started publisher of cards onto ``topic`` (created first, as the profiles service
    creates it: a follower started before it existed would not see it for minutes)."""
    await ensure_topics(bootstrap_servers=bootstrap_servers, topics=[cards_topic(topic)])
    publisher = CardPublisher(bootstrap_servers=bootstrap_servers, topic=topic)
    await publisher.start()
    try:
        yield publisher
    finally:
        await publisher.stop()
