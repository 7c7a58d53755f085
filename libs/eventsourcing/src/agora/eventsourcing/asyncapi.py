"""AsyncAPI 3.0 documents for the event topics, generated from the event registries.

Integrators read these to consume Agora's topics: every message is a CloudEvents structured
JSON envelope (see ``envelope.py``) whose ``data`` follows the payload schema of its
``type`` and ``schemaversion``; its ``summary`` says what the event means (the event class's
docstring, whose wording is documentation, not contract).
"""

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agora.eventsourcing.contract import registry_schemas, split_key
from agora.eventsourcing.envelope import CLOUDEVENTS_CONTENT_TYPE, EventEnvelope
from agora.eventsourcing.events import DomainEvent
from agora.eventsourcing.registry import EventRegistry


@dataclass(frozen=True)
class Channel:
    """One topic and the events published on it."""

    topic: str
    registry: EventRegistry
    description: str
    key: str = "stream id"
    """What the Kafka message key holds."""


def asyncapi_document(
    *, title: str, version: str, description: str, channels: Sequence[Channel]
) -> dict[str, Any]:
    """The AsyncAPI 3.0 document describing ``channels``."""
    envelope_schema = EventEnvelope.model_json_schema()
    components_messages: dict[str, Any] = {}
    components_schemas: dict[str, Any] = {"CloudEventEnvelope": envelope_schema}
    document_channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for channel in channels:
        channel_id = _identifier(channel.topic)
        channel_messages: dict[str, Any] = {}
        summaries = {
            f"{event_class.event_type}@v{event_class.schema_version}": _summary(event_class)
            for event_class in channel.registry
        }
        for key, payload_schema in registry_schemas(channel.registry).items():
            event_type, schema_version = split_key(key)
            message_id = _identifier(f"{event_type}.v{schema_version}")
            components_schemas[message_id] = payload_schema
            components_messages[message_id] = {
                "name": event_type,
                "title": f"{event_type} (schema version {schema_version})",
                "summary": summaries[key],
                "contentType": CLOUDEVENTS_CONTENT_TYPE,
                "headers": {
                    "type": "object",
                    "properties": {
                        "traceparent": {"type": "string", "description": "W3C trace context"},
                        "tracestate": {"type": "string"},
                        "content-type": {"const": CLOUDEVENTS_CONTENT_TYPE},
                    },
                },
                "payload": {
                    "allOf": [
                        {"$ref": "#/components/schemas/CloudEventEnvelope"},
                        {
                            "type": "object",
                            "properties": {
                                "type": {"const": event_type},
                                "schemaversion": {"const": schema_version},
                                "data": {"$ref": f"#/components/schemas/{message_id}"},
                            },
                        },
                    ]
                },
                "bindings": {"kafka": {"key": {"type": "string", "description": channel.key}}},
            }
            channel_messages[message_id] = {"$ref": f"#/components/messages/{message_id}"}
        document_channels[channel_id] = {
            "address": channel.topic,
            "description": channel.description,
            "messages": channel_messages,
        }
        operations[f"consume_{channel_id}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"Consume the events published on {channel.topic}",
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": title, "version": version, "description": description},
        "defaultContentType": CLOUDEVENTS_CONTENT_TYPE,
        "channels": document_channels,
        "operations": operations,
        "components": {"messages": components_messages, "schemas": components_schemas},
    }


def _summary(event_class: type[DomainEvent]) -> str:
    """What the event means: the first paragraph of its class's own docstring, on one line
    (reStructuredText literals as Markdown code)."""
    own = inspect.cleandoc(event_class.__doc__ or "")
    paragraph = " ".join(own.split("\n\n", 1)[0].split()).replace("``", "`")
    return paragraph or event_class.event_type


def _identifier(name: str) -> str:
    return "".join(character if character.isalnum() else "_" for character in name)
