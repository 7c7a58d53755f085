"""Fast tests of the gateway's parts: token buckets, the activity recorder, OpenAPI merging."""

import asyncio
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from agora.eventsourcing import AppendResult, DomainEvent
from agora.gateway.activity import ActivityRecorder, activity_stream_id
from agora.gateway.devidp import DevIdentityProvider
from agora.gateway.openapi import merge_documents, namespace_service_document
from agora.gateway.ratelimit import TokenBuckets
from agora.localinfra.identity import DEV_AUDIENCE, DEV_ISSUER, ensure_signing_key, sign_token
from tests.support.memory_store import InMemoryEventStore
from tests.support.timers import ManualTimer

pytestmark = pytest.mark.unit


def test_a_bucket_allows_its_burst_then_refills_at_its_rate() -> None:
    clock = ManualTimer()
    buckets = TokenBuckets(rate=2.0, burst=3, clock=clock)

    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(0.5)
    assert buckets.take("b") == 0.0  # buckets are per key
    clock.now += 0.5
    assert buckets.take("a") == 0.0
    clock.now += 100
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]  # never above the burst
    assert buckets.take("a") > 0


def test_buckets_keep_a_bounded_number_of_keys() -> None:
    buckets = TokenBuckets(rate=1.0, burst=1, max_keys=100, clock=ManualTimer())

    for index in range(1000):
        buckets.take(f"client-{index}")

    assert len(buckets) == 100


class FlakyStore(InMemoryEventStore):
    """The in-memory store, failing the first ``failures`` appends as a database outage would."""

    def __init__(self, failures: int) -> None:
        super().__init__(source="/agora/gateway")
        self.failures = failures
        self.attempts = 0

    async def append(
        self,
        *,
        stream_id: str,
        expected_version: int | None,
        events: Sequence[DomainEvent],
        **kwargs: Any,
    ) -> AppendResult:
        self.attempts += 1
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database down")
        return await super().append(
            stream_id=stream_id, expected_version=expected_version, events=events, **kwargs
        )


async def test_the_recorder_appends_once_per_person_per_day() -> None:
    store = FlakyStore(failures=0)
    now = datetime(2026, 3, 9, 23, 59, tzinfo=UTC)
    recorder = ActivityRecorder(store=store, clock=lambda: now)

    for _ in range(50):
        recorder.seen("person-alice")
    await recorder.drain()
    now += timedelta(minutes=2)  # the next day (UTC)
    recorder.seen("person-alice")
    await recorder.drain()

    assert store.attempts == 2
    assert await store.stream_version("activity-person-alice_20260309") == 1
    assert await store.stream_version("activity-person-alice_20260310") == 1


async def test_a_failed_append_is_retried_on_a_later_request_and_never_fails_the_request() -> None:
    store = FlakyStore(failures=1)
    recorder = ActivityRecorder(store=store)

    recorder.seen("person-bob")  # returns at once: the append runs in the background
    await recorder.drain()
    recorder.seen("person-bob")
    await recorder.drain()
    recorder.seen("person-bob")
    await recorder.drain()

    assert store.attempts == 2


async def test_an_append_that_finds_the_day_already_recorded_is_not_retried() -> None:
    store = FlakyStore(failures=0)
    first, second = ActivityRecorder(store=store), ActivityRecorder(store=store)

    first.seen("person-chloe")
    second.seen("person-chloe")
    await asyncio.gather(first.drain(), second.drain())
    second.seen("person-chloe")
    await second.drain()

    assert store.attempts == 2


def service_document(title: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1.2.3"},
        "paths": {
            "/things/{id}": {
                "get": {
                    "operationId": "get_thing",
                    "tags": ["things"],
                    "security": [{"oidc": []}],
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Thing"}
                                }
                            }
                        },
                        "404": {"$ref": "#/components/responses/NotFound"},
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "properties": {"problem": {"$ref": "#/components/schemas/ProblemDetails"}},
                },
                "ProblemDetails": {"type": "object"},
            },
            "responses": {"NotFound": {"description": "no such thing"}},
            "securitySchemes": {"oidc": {"type": "http", "scheme": "bearer"}},
        },
    }


def test_two_services_with_clashing_names_are_merged_without_clashes() -> None:
    merged = merge_documents(
        {"alpha": service_document("A"), "beta": service_document("B"), "gamma": None},
        title="Agora API",
        version="1",
    )

    assert set(merged["paths"]) == {"/api/v1/alpha/things/{id}", "/api/v1/beta/things/{id}"}
    schemas = merged["components"]["schemas"]
    assert {"alpha.Thing", "alpha.ProblemDetails", "beta.Thing", "beta.ProblemDetails"} <= set(
        schemas
    )
    assert schemas["beta.Thing"]["properties"]["problem"]["$ref"] == (
        "#/components/schemas/beta.ProblemDetails"
    )
    operation = merged["paths"]["/api/v1/alpha/things/{id}"]["get"]
    assert operation["operationId"] == "alpha.get_thing"
    assert operation["tags"] == ["alpha: things"]
    assert operation["security"] == [{"alpha.oidc": []}]
    assert operation["responses"]["404"]["$ref"] == "#/components/responses/alpha.NotFound"
    assert merged["x-agora-services"]["gamma"] == {"status": "unavailable"}
    assert "gamma" in merged["info"]["description"]


def test_every_operation_documents_what_the_gateway_itself_may_answer() -> None:
    document = service_document("A")
    document["paths"]["/things"] = {
        "post": {"requestBody": {}, "responses": {"400": {"description": "the service's"}}}
    }

    merged = merge_documents({"alpha": document}, title="Agora API", version="1")

    reading = merged["paths"]["/api/v1/alpha/things/{id}"]["get"]["responses"]
    creating = merged["paths"]["/api/v1/alpha/things"]["post"]["responses"]
    assert {"400", "429", "502", "503", "504"} <= set(reading)
    assert "413" not in reading  # no body, nothing too large
    assert "413" in creating
    assert creating["400"] == {"description": "the service's"}  # the service's own wins
    assert list(creating) == sorted(creating)
    assert "Retry-After" in reading["429"]["headers"]
    schema_ref = reading["503"]["content"]["application/problem+json"]["schema"]["$ref"]
    schema = merged["components"]["schemas"][schema_ref.removeprefix("#/components/schemas/")]
    assert {"type", "title", "status", "request_id", "service"} <= set(schema["properties"])
    errors_ref = schema["properties"]["errors"]["anyOf"][0]["items"]["$ref"]
    assert errors_ref.removeprefix("#/components/schemas/") in merged["components"]["schemas"]


def test_namespacing_leaves_the_service_document_untouched() -> None:
    document = service_document("A")

    namespace_service_document("alpha", document)

    assert document == service_document("A")


def test_agora_infra_tokens_verify_against_the_development_providers_jwks(tmp_path: Path) -> None:
    ensure_signing_key(tmp_path)
    provider = DevIdentityProvider.from_file(
        tmp_path / "signing-key.pem",
        key_id="agora-dev",
        issuer=DEV_ISSUER,
        audience=DEV_AUDIENCE,
        lifetime=600,
    )
    keys = jwt.PyJWKSet.from_dict(provider.jwks)

    for token in (sign_token(tmp_path, "person-7", ["analyst"]), provider.token("person-7")):
        (key,) = [k for k in keys.keys if k.key_id == jwt.get_unverified_header(token)["kid"]]
        claims = jwt.decode(token, key=key, audience=DEV_AUDIENCE, issuer=DEV_ISSUER)
        assert claims["sub"] == "person-7"


def test_stream_ids_hold_the_person_and_the_day_and_never_collide() -> None:
    day = date(2026, 3, 9)

    plain = activity_stream_id("person-alice", day)
    odd = activity_stream_id("auth0|alice@example.com", day)
    lookalike = activity_stream_id("sha256", day)

    assert plain == "activity-person-alice_20260309"
    assert odd.startswith("activity-sha256:")
    assert odd.endswith("_20260309")
    assert len({plain, odd, lookalike}) == 3
    assert activity_stream_id("person-alice", date(2026, 3, 10)) != plain
