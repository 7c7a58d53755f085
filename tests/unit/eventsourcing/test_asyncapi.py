from typing import Any

import pytest

from agora.eventsourcing.asyncapi import Channel, asyncapi_document
from tests.support import tally

pytestmark = pytest.mark.unit


def test_the_asyncapi_document_lists_every_event_of_every_channel() -> None:
    document = asyncapi_document(
        title="Tally events",
        version="1",
        description="test",
        channels=[Channel(topic="agora.test.events", registry=tally.registry, description="t")],
    )
    assert document["asyncapi"] == "3.0.0"
    channel = document["channels"]["agora_test_events"]
    assert channel["address"] == "agora.test.events"
    assert sorted(channel["messages"]) == [
        "agora_test_tally_incremented_v2",
        "agora_test_tally_opened_v1",
    ]
    message = document["components"]["messages"]["agora_test_tally_incremented_v2"]
    assert message["contentType"].startswith("application/cloudevents+json")
    envelope, specifics = message["payload"]["allOf"]
    assert envelope == {"$ref": "#/components/schemas/CloudEventEnvelope"}
    assert specifics["properties"]["schemaversion"] == {"const": 2}
    payload = document["components"]["schemas"]["agora_test_tally_incremented_v2"]
    assert payload["required"] == ["by"]
    assert document["operations"]["consume_agora_test_events"]["action"] == "receive"


def test_a_channel_names_what_its_message_key_holds() -> None:
    channels = [
        Channel(topic="agora.test.events", registry=tally.registry, description="t"),
        Channel(topic="agora.test.cards", registry=tally.registry, description="c", key="id"),
    ]
    document = asyncapi_document(title="T", version="1", description="t", channels=channels[:1])
    keyed = asyncapi_document(title="T", version="1", description="t", channels=channels[1:])

    def key(doc: dict[str, Any]) -> Any:
        message = doc["components"]["messages"]["agora_test_tally_opened_v1"]
        return message["bindings"]["kafka"]["key"]["description"]

    assert key(document) == "stream id"
    assert key(keyed) == "id"


def test_each_message_is_summarised_by_its_event_class_docstring() -> None:
    channel = Channel(topic="agora.test.events", registry=tally.registry, description="t")
    messages = asyncapi_document(title="T", version="1", description="t", channels=[channel])[
        "components"
    ]["messages"]

    assert messages["agora_test_tally_incremented_v2"]["summary"] == (
        "A tally was counted up by `by`."
    )
    # An event class without a docstring of its own is summarised by its type.
    assert messages["agora_test_tally_opened_v1"]["summary"] == "agora.test.tally_opened"
