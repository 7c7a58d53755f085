"""A service reached without the gateway refuses people who left or were erased, as the gateway
does: the service kit's card follower runs in every API process (defence in depth)."""

from collections.abc import AsyncIterator

import pytest

from agora.communities.settings import CommunitiesSettings
from tests.communities.harness import Api, person
from tests.support.kafka_reading import eventually
from tests.support.person_cards import CardPublisher, card_publisher

pytestmark = pytest.mark.integration


@pytest.fixture
async def cards(settings: CommunitiesSettings) -> AsyncIterator[CardPublisher]:
    async with card_publisher(
        bootstrap_servers=settings.kafka_bootstrap_servers, topic=settings.profile_cards_topic
    ) as publisher:
        yield publisher


async def test_the_tokens_of_people_who_left_or_were_erased_are_refused_by_the_service(
    api: Api, cards: CardPublisher
) -> None:
    stays, leaves, erased = person(), person(), person()
    community = await api.create(stays)
    for someone in (stays, leaves, erased):
        await cards.card(someone, active=True)

    async def ready_and_following() -> bool:
        readiness = await api.client.get("/readyz")
        answer = await api.call("GET", f"/communities/{community}", person=leaves)
        return (
            readiness.status_code == 200
            and readiness.json()["checks"]["revoked_access"] == {"status": "ok"}
            and answer.status_code == 200
        )

    await eventually(ready_and_following)
    await cards.card(leaves, active=False)
    await cards.erased(erased)

    async def refused() -> bool:
        left = await api.call("GET", f"/communities/{community}", person=leaves)
        gone = await api.call("POST", f"/communities/{community}/members/me", person=erased)
        return (left.status_code, gone.status_code) == (401, 401)

    await eventually(refused)
    answer = await api.call("GET", "/me/invitations", person=leaves)
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "no longer has access" in answer.json()["detail"]
    still = await api.call("GET", f"/communities/{community}", person=stays)
    assert still.status_code == 200

    # A card made active again (someone rehired) gives access back.
    await cards.card(leaves, active=True)

    async def restored() -> bool:
        answer = await api.call("GET", f"/communities/{community}", person=leaves)
        return answer.status_code == 200

    await eventually(restored)
