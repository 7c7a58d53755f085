"""Search's reading of the profiles, communities and feed events matches what they publish.

The producers' recorded schemas (docs/events/*.schema.json) are the contract. Every field
search requires must be a required field of the producer's newest schema of that type, with a
compatible JSON type; a producer that drops or retypes one fails here before it breaks search.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from agora.search.upstream import (
    CARD_EVENTS,
    COMMUNITY_EVENTS,
    FEED_EVENTS,
    PROFILE_EVENTS,
    UpstreamEvent,
)

pytestmark = pytest.mark.unit

EVENTS_DIR = Path(__file__).resolve().parents[2] / "docs" / "events"


def newest_schemas(name: str) -> dict[str, dict[str, Any]]:
    schemas: dict[str, tuple[int, dict[str, Any]]] = {}
    for key, schema in json.loads((EVENTS_DIR / name).read_text(encoding="utf-8")).items():
        event_type, version = key.rsplit("@v", 1)
        if event_type not in schemas or int(version) > schemas[event_type][0]:
            schemas[event_type] = (int(version), schema)
    return {event_type: schema for event_type, (_, schema) in schemas.items()}


def json_types(schema: dict[str, Any]) -> set[str]:
    if "type" in schema:
        kinds = schema["type"]
        return set(kinds) if isinstance(kinds, list) else {kinds}
    if "$ref" in schema:
        return {"object"}
    found: set[str] = set()
    for option in schema.get("anyOf", []):
        found |= json_types(option)
    return found


def required_fields(model: type[BaseModel]) -> dict[str, set[str]]:
    schema = model.model_json_schema()
    return {name: json_types(schema["properties"][name]) for name in schema.get("required", [])}


def check(event_type: str, model: type[UpstreamEvent], schemas: dict[str, dict[str, Any]]) -> None:
    assert event_type in schemas, f"the producer no longer publishes {event_type}"
    produced = schemas[event_type]
    for field, kinds in required_fields(model).items():
        assert field in produced.get("required", []), f"{event_type}.{field} is not required"
        produced_kinds = json_types(produced["properties"][field])
        assert produced_kinds <= kinds or not kinds, (
            f"{event_type}.{field}: search reads {kinds}, the producer writes {produced_kinds}"
        )


@pytest.mark.parametrize("event_type", sorted(PROFILE_EVENTS))
def test_profiles_events_carry_what_search_reads(event_type: str) -> None:
    check(event_type, PROFILE_EVENTS[event_type], newest_schemas("profiles.schema.json"))


@pytest.mark.parametrize("event_type", sorted(CARD_EVENTS))
def test_profile_cards_carry_what_search_reads(event_type: str) -> None:
    check(event_type, CARD_EVENTS[event_type], newest_schemas("profiles.cards.schema.json"))


@pytest.mark.parametrize("event_type", sorted(COMMUNITY_EVENTS))
def test_communities_events_carry_what_search_reads(event_type: str) -> None:
    check(event_type, COMMUNITY_EVENTS[event_type], newest_schemas("communities.schema.json"))


@pytest.mark.parametrize("event_type", sorted(FEED_EVENTS))
def test_feed_events_carry_what_search_reads(event_type: str) -> None:
    check(event_type, FEED_EVENTS[event_type], newest_schemas("feed.schema.json"))


def test_nested_feed_fields_search_reads_are_required_by_the_producer() -> None:
    published = newest_schemas("feed.schema.json")["agora.feed.post_published"]["$defs"]
    assert {"kind", "id"} <= set(published["Place"]["required"])
    assert "text" in published["Content"]["required"]
    assert {"system", "item_id"} <= set(published["WorkItem"]["required"])
    assert "person_ids" in published["Praise"]["required"]
