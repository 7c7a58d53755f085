"""Project communities are archived once their end date has passed."""

from datetime import timedelta

import pytest

from tests.communities.harness import Api, MovableClock, person
from tests.support.kafka_reading import eventually

pytestmark = pytest.mark.integration


async def test_a_project_past_its_end_date_is_archived_and_refuses_new_members(
    api: Api, clock: MovableClock
) -> None:
    owner, member, latecomer = person(), person(), person()
    tomorrow = (clock() + timedelta(days=1)).date()
    community = await api.create(owner, kind="project", end_date=tomorrow.isoformat())
    joined = await api.call("POST", f"/communities/{community}/members/me", person=member)
    assert joined.status_code == 201

    clock.offset = timedelta(days=3)
    refused = await api.call("POST", f"/communities/{community}/members/me", person=latecomer)

    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/communities/community-ended")
    assert str(tomorrow) in refused.json()["detail"]

    async def archived() -> bool:
        response = await api.call("GET", f"/communities/{community}", person=member)
        return bool(response.json()["archived"])

    await eventually(archived)
    reopened = await api.call("POST", f"/communities/{community}:unarchive", person=owner)
    assert reopened.status_code == 409
    assert reopened.json()["type"].endswith("/communities/community-ended")
