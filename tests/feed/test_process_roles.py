"""One image, two roles: an `api` process publishes its commands; a `worker` process projects."""

import pytest
from opentelemetry.sdk.trace import TracerProvider

from agora.feed.app import create_app
from agora.localinfra import InfraEndpoints
from agora.testing.identity import TestIdentityProvider
from tests.feed.harness import fresh_settings, new_id
from tests.feed.reading import PROFILE
from tests.support.kafka_reading import eventually, read_topic
from tests.support.process_roles import (
    assert_serves_only_health_and_metrics,
    consumer_groups,
    projection_groups,
    serving,
)

pytestmark = pytest.mark.integration


async def test_the_api_role_publishes_and_only_the_worker_role_projects(
    infra_endpoints: InfraEndpoints, identity: TestIdentityProvider
) -> None:
    settings = fresh_settings(infra_endpoints, identity)
    api_app = create_app(
        settings=settings.model_copy(update={"process_role": "api"}),
        tracer_provider=TracerProvider(),
    )
    worker_app = create_app(
        settings=settings.model_copy(update={"process_role": "worker"}),
        tracer_provider=TracerProvider(),
    )
    author = new_id()
    headers = identity.headers(author)
    async with serving(api_app) as api:
        created = await api.post(
            "/posts", json={"place": PROFILE, "text": "Bonjour"}, headers=headers
        )
        assert created.status_code == 201, created.text
        post_id = created.json()["id"]
        published = await read_topic(
            settings.kafka_bootstrap_servers, settings.events_topic, expected=1
        )
        assert published
        groups = await consumer_groups(settings.kafka_bootstrap_servers)
        assert not projection_groups(groups, settings.projection_prefix)
        assert (await api.get(f"/posts/{post_id}", headers=headers)).status_code == 404

        async with serving(worker_app) as worker:
            await assert_serves_only_health_and_metrics(worker)
            assert (await worker.get(f"/posts/{post_id}", headers=headers)).status_code == 404

            async def projected() -> bool:
                return (await api.get(f"/posts/{post_id}", headers=headers)).status_code == 200

            await eventually(projected)
            groups = await consumer_groups(settings.kafka_bootstrap_servers)
            assert projection_groups(groups, settings.projection_prefix)
