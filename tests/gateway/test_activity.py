"""The activity signal: one person_active event per person per day, and nothing about reads."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from agora.eventsourcing import EventEnvelope
from agora.eventsourcing.mongo_store import COMMITS_COLLECTION
from agora.gateway.events import registry
from agora.gateway.settings import GatewaySettings
from agora.testing.identity import TestIdentityProvider
from tests.gateway.harness import bearer, running_gateway, signed
from tests.support.kafka_reading import read_topic

pytestmark = pytest.mark.integration


async def test_each_person_is_recorded_once_a_day_however_many_requests_and_replicas(
    settings: GatewaySettings, identity: TestIdentityProvider
) -> None:
    alice = bearer(signed(identity.key, identity, "person-alice"))
    bob = bearer(signed(identity.key, identity, "person.bob@example.com"))

    async with running_gateway(settings, drop_database=False) as first:
        for path in ("/api/v1/echo/echo/a", "/api/v1/echo/echo/b", "/api/v1/search/x"):
            await first.get(path, headers=alice)
        await first.get("/api/v1/echo/echo/c", headers=bob)
        await first.get("/api/v1/echo/echo/d")  # no token: nobody to record
    # A second replica (or a restart) knows nothing in memory; the event store refuses the
    # second append of the day's stream.
    async with running_gateway(settings, drop_database=False) as second:
        await second.get("/api/v1/echo/echo/e", headers=alice)
        records = await read_topic(
            settings.kafka_bootstrap_servers, settings.events_topic, expected=2
        )

    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_url.get_secret_value()
    )
    try:
        database = mongo[settings.mongo_database]
        stored = await database[COMMITS_COLLECTION].count_documents({})
    finally:
        await mongo.drop_database(settings.mongo_database)
        await mongo.close()
    assert stored == 2

    envelopes = [EventEnvelope.from_json_bytes(record.value) for record in records]
    today = datetime.now(UTC).date()
    assert sorted((e.data["person_id"], e.data["day"]) for e in envelopes) == [
        ("person-alice", today.isoformat()),
        ("person.bob@example.com", today.isoformat()),
    ]
    for envelope, record in zip(envelopes, records, strict=True):
        assert envelope.type == "agora.gateway.person_active"
        assert envelope.streamversion == 1
        assert record.key is not None
        assert record.key.decode() == envelope.streamid
        assert set(envelope.data) == {"person_id", "day"}  # never what they read
        assert "/api/v1" not in json.dumps(envelope.model_dump(mode="json"))
        registry.decode(envelope.type, envelope.schemaversion, envelope.data)
