"""A valid token of someone who left or was erased is refused: their token outlives their access.

The gateway follows the person cards on a topic of the test's own, as the profiles service
publishes them, and is ready only once it read the cards that existed when it started (every
service does the same through the service kit: tests/communities/test_ended_access.py).
"""

from collections.abc import AsyncIterator

import httpx
import pytest

from agora.gateway.settings import GatewaySettings
from agora.testing.identity import TestIdentityProvider
from tests.gateway.harness import bearer, problem_of, running_gateway, signed
from tests.support.kafka_reading import eventually
from tests.support.person_cards import CardPublisher, card_publisher

pytestmark = pytest.mark.integration

PATH = "/api/v1/echo/echo/whoami"


@pytest.fixture
async def cards(settings: GatewaySettings) -> AsyncIterator[CardPublisher]:
    async with card_publisher(
        bootstrap_servers=settings.kafka_bootstrap_servers, topic=settings.profile_cards_topic
    ) as publisher:
        yield publisher


async def _status(client: httpx.AsyncClient, identity: TestIdentityProvider, person: str) -> int:
    response = await client.get(PATH, headers=bearer(signed(identity.key, identity, person)))
    return response.status_code


async def test_people_who_left_or_were_erased_are_refused_and_readiness_waits_for_the_cards(
    settings: GatewaySettings, cards: CardPublisher, identity: TestIdentityProvider
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
