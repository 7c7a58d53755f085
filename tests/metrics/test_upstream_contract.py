"""The metrics service's reading of other services' events matches what they publish.

The producers' recorded schemas (docs/events/*.schema.json) are the contract: every field the
metrics require must be a required field of the producer's newest schema of that type, with a
compatible JSON type (presence-only fields, read as "is it given?", accept any type).
"""

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from agora.metrics.upstream import (
    CARD_EVENTS,
    COMMUNITY_EVENTS,
    FEED_EVENTS,
    GATEWAY_EVENTS,
    PROFILE_EVENTS,
    UpstreamEvent,
)

pytestmark = pytest.mark.unit

EVENTS_DIR = Path(__file__).resolve().parents[2] / "docs" / "events"
PRESENCE_ONLY = {"topics", "job_title", "photo_url"}


def newest_schemas(name: str) -> dict[str, dict[str, Any]]:
    schemas: dict[str, tuple[int, dict[str, Any]]] = {}
    document = json.loads((EVENTS_DIR / name).read_text(encoding="utf-8"))
    for key, schema in document.items():
        event_type, version = key.rsplit("@v", 1)
        if event_type not in schemas or int(version) > schemas[event_type][0]:
            schemas[event_type] = (int(version), schema)
    return {event_type: schema for event_type, (_, schema) in schemas.items()}


def json_types(schema: dict[str, Any], definitions: dict[str, Any]) -> set[str]:
    if "$ref" in schema:
        return json_types(definitions[schema["$ref"].rsplit("/", 1)[1]], definitions)
    if "type" in schema:
        kinds = schema["type"]
        return set(kinds) if isinstance(kinds, list) else {kinds}
    found: set[str] = set()
    for option in schema.get("anyOf", []):
        found |= json_types(option, definitions)
    return found


def required_fields(model: type[BaseModel]) -> dict[str, set[str]]:
    schema = model.model_json_schema()
    definitions = schema.get("$defs", {})
    return {
        name: json_types(schema["properties"][name], definitions)
        for name in schema.get("required", [])
    }


def check(event_type: str, model: type[UpstreamEvent], file: str) -> None:
    schemas = newest_schemas(file)
    assert event_type in schemas, f"the producer no longer publishes {event_type}"
    produced = schemas[event_type]
    definitions = produced.get("$defs", {})
    for field, kinds in required_fields(model).items():
        assert field in produced.get("required", []), f"{event_type}.{field} is not required"
        if field in PRESENCE_ONLY:
            continue
        produced_kinds = json_types(produced["properties"][field], definitions)
        assert produced_kinds <= kinds or not kinds, (
            f"{event_type}.{field}: the metrics read {kinds}, the producer writes {produced_kinds}"
        )


@pytest.mark.parametrize("event_type", sorted(PROFILE_EVENTS))
def test_profiles_events_carry_what_the_metrics_read(event_type: str) -> None:
    check(event_type, PROFILE_EVENTS[event_type], "profiles.schema.json")


@pytest.mark.parametrize("event_type", sorted(CARD_EVENTS))
def test_profile_cards_carry_what_the_metrics_read(event_type: str) -> None:
    check(event_type, CARD_EVENTS[event_type], "profiles.cards.schema.json")


@pytest.mark.parametrize("event_type", sorted(COMMUNITY_EVENTS))
def test_communities_events_carry_what_the_metrics_read(event_type: str) -> None:
    check(event_type, COMMUNITY_EVENTS[event_type], "communities.schema.json")


@pytest.mark.parametrize("event_type", sorted(FEED_EVENTS))
def test_feed_events_carry_what_the_metrics_read(event_type: str) -> None:
    check(event_type, FEED_EVENTS[event_type], "feed.schema.json")


@pytest.mark.parametrize("event_type", sorted(GATEWAY_EVENTS))
def test_gateway_events_carry_what_the_metrics_read(event_type: str) -> None:
    check(event_type, GATEWAY_EVENTS[event_type], "gateway.schema.json")
