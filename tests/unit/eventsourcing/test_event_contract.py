from pathlib import Path

import pytest

from agora.eventsourcing import DomainEvent, EventRegistry
from agora.eventsourcing.contract import contract_violations, registry_schemas
from agora.testing.event_contract import assert_event_contract
from tests.support import tally

pytestmark = pytest.mark.unit

SNAPSHOT = Path(__file__).parents[2] / "support" / "tally_events.schema.json"


def test_the_sample_events_match_their_published_schemas() -> None:
    assert_event_contract(tally.registry, SNAPSHOT)


class Opened(DomainEvent):
    """First wording."""

    event_type = "agora.test.opened"
    title: str


def published_for(*classes: type[DomainEvent]) -> dict[str, dict[str, object]]:
    registry = EventRegistry()
    for event_class in classes:
        registry.register(event_class)
    return registry_schemas(registry)


def violations(published: dict[str, dict[str, object]], *classes: type[DomainEvent]) -> list[str]:
    registry = EventRegistry()
    for event_class in classes:
        registry.register(event_class)
    return contract_violations(
        published=published, current=registry_schemas(registry), registry=registry
    )


def test_an_unchanged_event_keeps_the_contract() -> None:
    assert violations(published_for(Opened), Opened) == []


def test_rewording_the_documentation_keeps_the_contract() -> None:
    class Reworded(DomainEvent):
        """Second wording, same fields."""

        event_type = "agora.test.opened"
        title: str

    assert violations(published_for(Opened), Reworded) == []


def test_removing_a_field_from_a_published_version_breaks_the_contract() -> None:
    class Shrunk(DomainEvent):
        event_type = "agora.test.opened"

    (problem,) = violations(published_for(Opened), Shrunk)
    assert "agora.test.opened@v1 changed" in problem
    assert "removed ['title']" in problem


def test_changing_a_field_type_breaks_the_contract() -> None:
    class Retyped(DomainEvent):
        event_type = "agora.test.opened"
        title: int

    (problem,) = violations(published_for(Opened), Retyped)
    assert "changed ['title']" in problem


def test_adding_a_required_field_to_a_published_version_breaks_the_contract() -> None:
    class Grown(DomainEvent):
        event_type = "agora.test.opened"
        title: str
        owner: str

    (problem,) = violations(published_for(Opened), Grown)
    assert "added ['owner']" in problem


def test_dropping_a_published_event_breaks_the_contract() -> None:
    (problem,) = violations(published_for(Opened))
    assert "no longer registered" in problem


def test_a_new_version_needs_an_upcaster_from_the_previous_one() -> None:
    class OpenedV2(DomainEvent):
        event_type = "agora.test.opened"
        schema_version = 2
        name: str

    (problem,) = violations(published_for(Opened), Opened, OpenedV2)
    assert "no upcaster" in problem

    registry = EventRegistry()
    registry.register(Opened)
    registry.register(OpenedV2)
    registry.upcaster("agora.test.opened", 1)(lambda data: {"name": data["title"]})
    assert (
        contract_violations(
            published=published_for(Opened), current=registry_schemas(registry), registry=registry
        )
        == []
    )


def test_a_missing_snapshot_entry_fails_until_it_is_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = EventRegistry()
    registry.register(Opened)
    snapshot = tmp_path / "events.schema.json"
    with pytest.raises(AssertionError, match="missing"):
        assert_event_contract(registry, snapshot)
    monkeypatch.setenv("AGORA_UPDATE_EVENT_SCHEMAS", "1")
    assert_event_contract(registry, snapshot)
    monkeypatch.delenv("AGORA_UPDATE_EVENT_SCHEMAS")
    assert_event_contract(registry, snapshot)
