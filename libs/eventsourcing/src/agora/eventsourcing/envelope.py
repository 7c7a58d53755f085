"""The event envelope: CloudEvents 1.0 attributes plus stream, actor, command and trace context.

On Kafka an envelope travels in CloudEvents *structured* mode: the message value is the JSON
below (``application/cloudevents+json``) and the message key is the stream id. Extension
attribute names follow the CloudEvents rule (lower-case letters and digits only).
"""

import json
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from agora.eventsourcing.errors import EventTooLargeError
from agora.eventsourcing.events import DomainEvent
from agora.eventsourcing.registry import EventRegistry

CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
MAX_EVENT_BYTES = 256 * 1024
"""Kafka's default message limit is 1 MiB; keeping events far below it means a stored event can
always be published, so the relay never meets a message it cannot send."""

STREAM_ID_PATTERN = r"^[a-z][a-z0-9_]*-[A-Za-z0-9_:-]{1,120}$"
StreamId = Annotated[str, StringConstraints(pattern=STREAM_ID_PATTERN)]
_STREAM_ID = re.compile(STREAM_ID_PATTERN)


def is_valid_stream_id(stream_id: str) -> bool:
    """Whether a stream id has the ``<aggregate kind>-<id>`` shape the store accepts."""
    return _STREAM_ID.fullmatch(stream_id) is not None


def dataschema_uri(event_type: str, schema_version: int) -> str:
    """The URI naming an event type's payload schema at one version."""
    return f"urn:agora:event:{event_type}:v{schema_version}"


class EventEnvelope(BaseModel):
    """One stored and published event: CloudEvents attributes and Agora's extensions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: str
    source: str
    type: str
    subject: StreamId
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str
    data: dict[str, Any]
    streamid: StreamId
    streamversion: int = Field(ge=1)
    schemaversion: int = Field(ge=1)
    actor: str | None = None
    commandid: str | None = None
    traceparent: str | None = None
    tracestate: str | None = None

    def to_json_bytes(self) -> bytes:
        """Serialise in CloudEvents structured JSON (the Kafka message value)."""
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def from_json_bytes(cls, raw: bytes) -> "EventEnvelope":
        """Parse a CloudEvents structured JSON message; raises ``pydantic.ValidationError``."""
        return cls.model_validate_json(raw)

    def payload(self, registry: EventRegistry) -> DomainEvent:
        """The typed payload, upcast to the newest schema version the registry knows."""
        return registry.decode(self.type, self.schemaversion, self.data)


def new_envelopes(
    *,
    source: str,
    stream_id: str,
    first_version: int,
    events: Sequence[DomainEvent],
    actor: str | None,
    command_id: str | None,
    traceparent: str | None,
    tracestate: str | None,
    now: datetime | None = None,
) -> list[EventEnvelope]:
    """Wrap new payloads for one stream, numbering them from ``first_version``."""
    time = now or datetime.now(UTC)
    envelopes = []
    for offset, event in enumerate(events):
        envelope = EventEnvelope(
            id=str(uuid.uuid4()),
            source=source,
            type=event.event_type,
            subject=stream_id,
            time=time,
            dataschema=dataschema_uri(event.event_type, event.schema_version),
            data=event.model_dump(mode="json"),
            streamid=stream_id,
            streamversion=first_version + offset,
            schemaversion=event.schema_version,
            actor=actor,
            commandid=command_id,
            traceparent=traceparent,
            tracestate=tracestate,
        )
        size = len(envelope.to_json_bytes())
        if size > MAX_EVENT_BYTES:
            raise EventTooLargeError(event_type=event.event_type, size=size, limit=MAX_EVENT_BYTES)
        envelopes.append(envelope)
    return envelopes


def canonical_json(value: Any) -> str:
    """Deterministic JSON (sorted keys, no spaces) for fingerprints and stored payloads."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
