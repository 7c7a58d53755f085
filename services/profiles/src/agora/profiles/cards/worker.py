"""The cards worker: a projection over the profiles events whose output is the cards topic.

For each event that can change a card (provisioned, edited, deactivated, erased) it loads the
profile's *current* state from the event store, through the service that opens the sealed
fields with the person's key, and publishes that state's card with the stream's current
version, keyed by person id. Publishing the current state is idempotent and order-safe: a
redelivered or replayed event publishes the same card again, and compaction keeps the newest.
``apply`` returns only once Kafka acknowledged the card, so the runner commits an event's
offset only after its card is durable.
"""

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from opentelemetry import trace

from agora.eventsourcing import ApplyOrder, EventEnvelope, ReadModel, TransientError
from agora.eventsourcing.envelope import CLOUDEVENTS_CONTENT_TYPE, dataschema_uri
from agora.eventsourcing.mongo_store import MongoEventStore
from agora.eventsourcing.topics import CARDS_MAX_COMPACTION_LAG_MS
from agora.eventsourcing.tracing import (
    KafkaHeaders,
    current_trace_headers,
    inject_into_kafka_headers,
)
from agora.profiles.domain.cards import CARD_CHANGING_EVENTS, PersonCard, person_card
from agora.profiles.projection import STREAM_PREFIX
from agora.profiles.service import Changed

MAX_COMPACTION_LAG_MS = CARDS_MAX_COMPACTION_LAG_MS
"""A superseded card (an erased person's last named card included) is compacted away within
about a day: the broker rolls the active segment after this long, then cleans it."""
REPUBLISH_CONCURRENCY = 50
CARD_ID_NAMESPACE = uuid.UUID("2f6d0d55-5a0f-4c55-9a53-6b1f3b0c7c1e")

tracer = trace.get_tracer("agora.profiles.cards")


class ProfileSource(Protocol):
    """Where cards come from: a person's current profile (``ProfilesService``)."""

    async def current(self, *, person_id: str) -> Changed:
        """The profile as the person's stream has it now, and that stream's version."""
        ...

    async def version(self, *, person_id: str) -> int:
        """The version of the person's stream."""
        ...


def card_envelope(
    card: PersonCard,
    *,
    person_id: str,
    version: int,
    source: str,
    traceparent: str | None = None,
    tracestate: str | None = None,
) -> EventEnvelope:
    """The envelope of a card reflecting stream version ``version`` of the person's profile.

    The id is derived from the stream, the version and the type: a card published again for
    the same version (a redelivery, a republish) is the same CloudEvent.
    """
    stream_id = f"{STREAM_PREFIX}{person_id}"
    return EventEnvelope(
        id=str(uuid.uuid5(CARD_ID_NAMESPACE, f"{stream_id}@{version}/{card.event_type}")),
        source=source,
        type=card.event_type,
        subject=stream_id,
        time=datetime.now(UTC),
        dataschema=dataschema_uri(card.event_type, card.schema_version),
        data=card.model_dump(mode="json"),
        streamid=stream_id,
        streamversion=version,
        schemaversion=card.schema_version,
        traceparent=traceparent,
        tracestate=tracestate,
    )


class CardPublisher:
    """Publishes a person's current card and waits until Kafka has it."""

    def __init__(
        self, *, profiles: ProfileSource, producer: AIOKafkaProducer, topic: str, source: str
    ) -> None:
        self._profiles = profiles
        self._producer = producer
        self._topic = topic
        self._source = source

    async def publish(self, person_id: str) -> PersonCard | None:
        """Publish the card of the person's current state; ``None`` for a person never provisioned.

        When the stream moved on while the card was on its way, the card of the newer state is
        sent too (if it differs). Two publishers at once (a rebalance, or the republish command
        beside the worker) therefore cannot leave an older card last on the topic: each checks
        after its own acknowledgement. That matters most for erasure, whose card must be the one
        compaction keeps.
        """
        current = await self._profiles.current(person_id=person_id)
        card = person_card(person_id, current.profile)
        while card is not None:
            await self._send(card, person_id=person_id, version=current.version)
            if await self._profiles.version(person_id=person_id) == current.version:
                break
            current = await self._profiles.current(person_id=person_id)
            newer = person_card(person_id, current.profile)
            if newer == card:
                break
            card = newer
        return card

    async def _send(self, card: PersonCard, *, person_id: str, version: int) -> None:
        # The envelope records the context the card was made in (the consumed event's
        # processing span); the headers carry the producer span, as the relay does.
        made_in = current_trace_headers()
        envelope = card_envelope(
            card,
            person_id=person_id,
            version=version,
            source=self._source,
            traceparent=made_in.get("traceparent"),
            tracestate=made_in.get("tracestate"),
        )
        with tracer.start_as_current_span(
            f"{self._topic} publish",
            kind=trace.SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "publish",
                "messaging.destination.name": self._topic,
                "messaging.message.id": envelope.id,
                "messaging.kafka.message.key": person_id,
            },
        ):
            headers: KafkaHeaders = [("content-type", CLOUDEVENTS_CONTENT_TYPE.encode())]
            inject_into_kafka_headers(headers)
            try:
                await self._producer.send_and_wait(
                    self._topic,
                    value=envelope.to_json_bytes(),
                    key=person_id.encode(),
                    headers=headers,
                )
            except KafkaError as error:
                # Retried without limit by the runner: a card, an erasure's above all, must
                # never be skipped by dead-lettering its event.
                raise TransientError(f"card of {person_id} not published: {error!r}") from error


class CardsProjection:
    """A ``Projection`` publishing cards; it keeps no read model of its own."""

    # Each person's card follows their own stream only.
    order = ApplyOrder.STREAM

    def __init__(self, *, name: str, topics: Sequence[str], publisher: CardPublisher) -> None:
        self.name = name
        self.topics: Sequence[str] = tuple(topics)
        self._publisher = publisher

    async def setup(self, read_model: ReadModel) -> None:
        """Nothing to create: the cards live on their topic."""

    async def apply(self, envelope: EventEnvelope, read_model: ReadModel) -> None:
        """Publish the person's current card when the event can have changed it."""
        if not envelope.streamid.startswith(STREAM_PREFIX):
            return
        if envelope.type not in CARD_CHANGING_EVENTS:
            return
        await self._publisher.publish(envelope.streamid.removeprefix(STREAM_PREFIX))


async def republish_all(
    *, publisher: CardPublisher, store: MongoEventStore, concurrency: int = REPUBLISH_CONCURRENCY
) -> int:
    """Publish the current card of every profile in the store; returns how many were published.

    Every stream has a commit starting at version 1, so that finds every person (a full scan
    of the commits, acceptable for a command run once per new topic).
    """
    firsts = store.commits.find({"first_version": 1}, projection={"stream_id": True})
    person_ids = [
        str(commit["stream_id"]).removeprefix(STREAM_PREFIX)
        async for commit in firsts
        if str(commit["stream_id"]).startswith(STREAM_PREFIX)
    ]
    published = 0
    for start in range(0, len(person_ids), concurrency):
        chunk = person_ids[start : start + concurrency]
        cards = await asyncio.gather(*(publisher.publish(person_id) for person_id in chunk))
        published += sum(card is not None for card in cards)
    return published
