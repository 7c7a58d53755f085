import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from agora.eventsourcing import (
    DomainEvent,
    EventEnvelope,
    EventRegistry,
    EventTooLargeError,
    UnknownEventTypeError,
)
from agora.eventsourcing.envelope import MAX_EVENT_BYTES, new_envelopes
from agora.eventsourcing.registry import EventDecodeError
from tests.support.tally import TallyIncremented, TallyOpened, registry

pytestmark = pytest.mark.unit


def envelope_for(event: DomainEvent, version: int = 1) -> EventEnvelope:
    (envelope,) = new_envelopes(
        source="/agora/test",
        stream_id="tally-1",
        first_version=version,
        events=[event],
        actor="person-1",
        command_id="cmd-1",
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        tracestate=None,
        now=datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
    )
    return envelope


def test_an_envelope_serialises_as_a_structured_cloudevent() -> None:
    document = json.loads(envelope_for(TallyOpened(title="Réseau")).to_json_bytes())
    assert document["specversion"] == "1.0"
    assert document["type"] == "agora.test.tally_opened"
    assert document["source"] == "/agora/test"
    assert document["subject"] == "tally-1"
    assert document["datacontenttype"] == "application/json"
    assert document["dataschema"] == "urn:agora:event:agora.test.tally_opened:v1"
    assert document["time"] == "2026-11-23T12:00:00Z"
    assert document["data"] == {"title": "Réseau"}
    assert document["streamid"] == "tally-1"
    assert document["streamversion"] == 1
    assert document["schemaversion"] == 1
    assert document["actor"] == "person-1"
    assert document["commandid"] == "cmd-1"
    assert document["traceparent"].startswith("00-0af7651916cd43dd")
    assert "tracestate" not in document  # absent attributes are omitted, as CloudEvents asks


def test_an_envelope_survives_a_json_round_trip() -> None:
    envelope = envelope_for(TallyIncremented(by=3, note="x"), version=7)
    assert EventEnvelope.from_json_bytes(envelope.to_json_bytes()) == envelope


def test_an_envelope_with_unknown_attributes_is_refused() -> None:
    document = json.loads(envelope_for(TallyOpened(title="t")).to_json_bytes())
    document["surprise"] = True
    with pytest.raises(ValidationError):
        EventEnvelope.model_validate(document)


def test_the_payload_is_decoded_into_its_registered_class() -> None:
    assert envelope_for(TallyOpened(title="t")).payload(registry) == TallyOpened(title="t")


def test_an_old_schema_version_is_upcast_step_by_step() -> None:
    event = registry.decode("agora.test.tally_incremented", 1, {"amount": 4})
    assert event == TallyIncremented(by=4)


def test_a_newer_schema_version_than_known_is_refused() -> None:
    with pytest.raises(UnknownEventTypeError):
        registry.decode("agora.test.tally_incremented", 3, {"by": 1})


def test_an_unknown_event_type_is_refused() -> None:
    with pytest.raises(UnknownEventTypeError):
        registry.decode("agora.test.nothing", 1, {})


def test_a_payload_that_does_not_match_its_schema_is_a_decode_error() -> None:
    with pytest.raises(EventDecodeError):
        registry.decode("agora.test.tally_opened", 1, {"title": 3, "extra": True})


def test_registering_the_same_type_and_version_twice_is_refused() -> None:
    local = EventRegistry()
    local.register(TallyOpened)
    with pytest.raises(ValueError, match="already registered"):
        local.register(TallyOpened)


def test_events_are_immutable() -> None:
    event = TallyOpened(title="t")
    with pytest.raises(ValidationError):
        event.title = "changed"  # type: ignore[misc]


def test_an_event_larger_than_the_limit_is_refused_before_it_is_stored() -> None:
    with pytest.raises(EventTooLargeError) as raised:
        envelope_for(TallyOpened(title="x" * MAX_EVENT_BYTES))
    assert raised.value.limit == MAX_EVENT_BYTES
