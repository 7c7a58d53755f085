"""A valid token of someone who left or was erased is refused: their token outlives their access.

The gateway follows the person cards on a topic of the test's own, as the profiles service
publishes them, and is ready only once it read the cards that existed when it started.
"""

from collections.abc import AsyncIterator

import httpx
import pytest

from agora.eventsourcing.topics import cards_topic, ensure_topics
from agora.gateway.settings import GatewaySettings
from agora.testing.identity import TestIdentityProvider
from tests.gateway.harness import bearer, problem_of, running_gateway, signed
from tests.support.kafka_reading import eventually
from tests.support.stream_publisher import StreamPublisher
from tests.support.upstream_events import CARD_ERASED, CARD_PUBLISHED, card_envelope

pytestmark = pytest.mark.integration

PATH = "/api/v1/echo/echo/whoami"


@pytest.fixture
async def cards(settings: GatewaySettings) -> AsyncIterator["Cards"]:
    await ensure_topics(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        topics=[cards_topic(settings.profile_cards_topic)],
    )
    publisher = Cards(settings)
    await publisher.start()
    try:
        yield publisher
    finally:
        await publisher.stop()


class Cards(StreamPublisher):
    """Publishes person cards as the profiles service's card worker does."""

    def __init__(self, settings: GatewaySettings) -> None:
        super().__init__(bootstrap_servers=settings.kafka_bootstrap_servers, client_id="cards")
        self._topic = settings.profile_cards_topic

    async def card(self, person_id: str, *, active: bool) -> None:
        data = {"person_id": person_id, "display_name": "Someone", "active": active}
        await self._send_card(person_id, CARD_PUBLISHED, data)

    async def erased(self, person_id: str) -> None:
        await self._send_card(person_id, CARD_ERASED, {"person_id": person_id})

    async def _send_card(self, person_id: str, card_type: str, data: dict[str, object]) -> None:
        version = self.claim_version(f"profile-{person_id}")
        envelope = card_envelope(
            person_id, version, card_type=card_type, schema_version=1, data=data
        )
        await self.send(self._topic, envelope)


async def _status(client: httpx.AsyncClient, identity: TestIdentityProvider, person: str) -> int:
    response = await client.get(PATH, headers=bearer(signed(identity.key, identity, person)))
    return response.status_code


async def test_people_who_left_or_were_erased_are_refused_and_readiness_waits_for_the_cards(
    settings: GatewaySettings, cards: Cards, identity: TestIdentityProvider
) -> None:
    await cards.card("person-stays", active=True)
    await cards.card("person-left", active=True)
    await cards.card("person-left", active=False)
    await cards.card("person-erased", active=True)
    await cards.erased("person-erased")

    async with running_gateway(settings) as client:

        async def ready() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await eventually(ready)
        refused = await client.get(
            PATH, headers=bearer(signed(identity.key, identity, "person-left"))
        )

        assert await _status(client, identity, "person-stays") == 200
        assert refused.status_code == 401
        assert "no longer has access" in problem_of(refused)["detail"]
        assert await _status(client, identity, "person-erased") == 401
        assert await _status(client, identity, "person-never-carded") == 200

        # Followed live: a departure after the start, and a card made active again.
        await cards.card("person-stays", active=False)
        await cards.card("person-left", active=True)

        async def followed() -> bool:
            stays = await _status(client, identity, "person-stays")
            left = await _status(client, identity, "person-left")
            return (stays, left) == (401, 200)

        await eventually(followed)
