"""One image, two roles: an `api` process publishes its commands; a `worker` process projects."""

import pytest
from opentelemetry.sdk.trace import TracerProvider

from agora.profiles.app import create_profiles_app
from agora.profiles.settings import ProfilesSettings
from agora.testing.identity import TestIdentityProvider
from tests.profiles.harness import ADMIN, ADMIN_ROLES, new_email
from tests.support.kafka_reading import eventually, read_topic
from tests.support.process_roles import (
    assert_serves_only_health_and_metrics,
    consumer_groups,
    projection_groups,
    serving,
)

pytestmark = pytest.mark.integration


async def test_the_api_role_publishes_and_only_the_worker_role_projects(
    profiles_settings: ProfilesSettings, idp: TestIdentityProvider
) -> None:
    settings = profiles_settings
    api_app = create_profiles_app(
        settings=settings.model_copy(update={"process_role": "api"}),
        tracer_provider=TracerProvider(),
    )
    worker_app = create_profiles_app(
        settings=settings.model_copy(update={"process_role": "worker"}),
        tracer_provider=TracerProvider(),
    )
    async with serving(api_app) as api:
        created = await api.post(
            "/people",
            json={"display_name": "Roles", "email": new_email("roles")},
            headers=idp.headers(ADMIN, roles=ADMIN_ROLES),
        )
        assert created.status_code == 201, created.text
        person_id = created.json()["id"]
        # The API process's relay published the event at once ...
        published = await read_topic(
            settings.kafka_bootstrap_servers, settings.events_topic, expected=1
        )
        assert published
        # ... and no projection consumes in an API process.
        groups = await consumer_groups(settings.kafka_bootstrap_servers)
        assert not projection_groups(groups, settings.read_model_name)
        assert not projection_groups(groups, settings.cards_projection)
        assert (
            await api.get(f"/people/{person_id}", headers=idp.headers(person_id))
        ).status_code == 404

        async with serving(worker_app) as worker:
            await assert_serves_only_health_and_metrics(worker)
            assert (
                await worker.get(f"/people/{person_id}", headers=idp.headers(person_id))
            ).status_code == 404

            async def projected() -> bool:
                answer = await api.get(f"/people/{person_id}", headers=idp.headers(person_id))
                return answer.status_code == 200

            await eventually(projected)

            async def both_projections_joined() -> bool:
                # The cards runner joins its group beside the read model's, not before it.
                groups = await consumer_groups(settings.kafka_bootstrap_servers)
                return bool(
                    projection_groups(groups, settings.read_model_name)
                    and projection_groups(groups, settings.cards_projection)
                )

            await eventually(both_projections_joined)
