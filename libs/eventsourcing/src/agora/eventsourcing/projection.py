"""Projections and the processing of one consumed message: decode, apply, retry, dead-letter."""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from opentelemetry import trace
from prometheus_client import Counter, Histogram
from pydantic import ValidationError
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import ConnectionFailure, ExecutionTimeout, WriteConcernError

from agora.eventsourcing.envelope import EventEnvelope
from agora.eventsourcing.errors import TransientError, UnknownEventTypeError
from agora.eventsourcing.readmodel import ProjectionCatalog
from agora.eventsourcing.registry import EventDecodeError
from agora.eventsourcing.tracing import KafkaHeaders, extract_from_kafka_headers, tracer

logger = logging.getLogger(__name__)

Document = dict[str, Any]
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    TransientError,
    ConnectionFailure,
    ExecutionTimeout,
    WriteConcernError,
    OSError,
    TimeoutError,
)
"""Failures of a dependency rather than of the event: retried without limit, never dead-lettered."""
POISON_ERRORS: tuple[type[BaseException], ...] = (
    ValidationError,
    EventDecodeError,
    UnknownEventTypeError,
    UnicodeDecodeError,
)
"""Failures of the event itself: retrying cannot help, so it goes straight to the dead letters."""

APPLIED = Counter(
    "agora_projection_events_total",
    "Events handled by a projection, by outcome",
    ["projection", "outcome"],
)
APPLY_SECONDS = Histogram(
    "agora_projection_apply_seconds",
    "Time to apply one event to a read model",
    ["projection"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5),
)


class ReadModel:
    """The collections of one generation of a projection's read model."""

    def __init__(self, *, catalog: ProjectionCatalog, name: str, generation: int) -> None:
        self._catalog = catalog
        self.name = name
        self.generation = generation

    def collection(self, part: str = "") -> AsyncCollection[Document]:
        """A collection of this generation (``part`` names one of several)."""
        return self._catalog.collection(self.name, self.generation, part)


class ApplyOrder(StrEnum):
    """Which order among a topic's records a projection needs its events applied in."""

    LOG = "log"
    """Each partition's records one after another, as the log holds them: for a projection
    whose documents are written by the events of several streams, or whose ``apply`` reads what
    other streams wrote."""
    STREAM = "stream"
    """Each stream's records in version order, different streams at the same time: for a
    projection each of whose documents is written by the events of one stream only, and whose
    ``apply`` reads nothing another stream's events write. (FerretDB's updates of one document
    are not atomic against each other, so two streams must never write the same document at
    the same time.)"""


class Projection(Protocol):
    """Turns events from some topics into a read model; ``apply`` must be idempotent."""

    name: str
    topics: Sequence[str]
    """The topics it consumes. When one poll brings records of several, they are applied in
    this order: list the topics of upstream facts first, so that an event and the facts that
    came just before it in another topic (a post and its mentioned person's membership, say)
    are applied facts first."""
    order: ApplyOrder
    """How the records of one topic may be applied: ``LOG`` unless every document belongs to
    one stream (see ``ApplyOrder``)."""

    async def setup(self, read_model: ReadModel) -> None:
        """Create the read model's indexes (called for each new generation)."""
        ...

    async def apply(self, envelope: EventEnvelope, read_model: ReadModel) -> None:
        """Apply one event; ignore types it does not care about."""
        ...


@dataclass(frozen=True)
class RetryPolicy:
    """How often an unexplained failure is retried before the event is dead-lettered."""

    max_attempts: int = 3
    initial_backoff: float = 0.1
    max_backoff: float = 30.0


DEFAULT_RETRY = RetryPolicy()


class MessageProcessor:
    """Applies consumed messages to a projection, retrying and dead-lettering failures."""

    def __init__(
        self,
        *,
        projection: Projection,
        dead_letter_producer: AIOKafkaProducer,
        dead_letter_topic: str,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        self._projection = projection
        self._producer = dead_letter_producer
        self._dead_letter_topic = dead_letter_topic
        self._retry = retry
        # Children bound once: `labels()` per event was 2 % of a benchmark process's CPU.
        self._apply_seconds = APPLY_SECONDS.labels(projection.name)
        self._applied = APPLIED.labels(projection.name, "applied")

    async def process(self, record: ConsumerRecord[bytes, bytes], read_model: ReadModel) -> None:
        """Apply one record; returns once it is applied or dead-lettered."""
        name = self._projection.name
        with tracer.start_as_current_span(
            f"{record.topic} process",
            context=extract_from_kafka_headers(record.headers),
            kind=trace.SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": record.topic,
                "messaging.consumer.group.name": name,
                "messaging.kafka.offset": record.offset,
            },
        ):
            try:
                envelope = EventEnvelope.from_json_bytes(record.value or b"")
            except POISON_ERRORS as error:
                await self._dead_letter(record, error)
                return
            attempt = 0
            backoff = self._retry.initial_backoff
            while True:
                attempt += 1
                try:
                    with self._apply_seconds.time():
                        await self._projection.apply(envelope, read_model)
                except POISON_ERRORS as error:
                    await self._dead_letter(record, error)
                    return
                except TRANSIENT_ERRORS as error:
                    logger.warning(
                        "projection %s: transient failure on %s v%s (%s); retrying",
                        name,
                        envelope.streamid,
                        envelope.streamversion,
                        error,
                    )
                except Exception as error:  # noqa: BLE001 - any other failure: retry, then dead-letter
                    if attempt >= self._retry.max_attempts:
                        await self._dead_letter(record, error)
                        return
                    logger.warning(
                        "projection %s: attempt %d failed on %s v%s: %r",
                        name,
                        attempt,
                        envelope.streamid,
                        envelope.streamversion,
                        error,
                    )
                else:
                    self._applied.inc()
                    return
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._retry.max_backoff)

    async def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], error: BaseException
    ) -> None:
        logger.error(
            "projection %s: dead-lettering %s[%d]@%d: %r",
            self._projection.name,
            record.topic,
            record.partition,
            record.offset,
            error,
        )
        headers: KafkaHeaders = list(record.headers or ())
        headers += [
            ("agora-dlt-projection", self._projection.name.encode()),
            ("agora-dlt-topic", record.topic.encode()),
            ("agora-dlt-partition", str(record.partition).encode()),
            ("agora-dlt-offset", str(record.offset).encode()),
            ("agora-dlt-error-type", type(error).__name__.encode()),
            ("agora-dlt-error", str(error)[:4000].encode(errors="replace")),
            ("agora-dlt-failed-at", datetime.now(UTC).isoformat().encode()),
        ]
        await self._send_durably(record, headers)
        APPLIED.labels(self._projection.name, "dead_lettered").inc()

    async def _send_durably(
        self, record: ConsumerRecord[bytes, bytes], headers: KafkaHeaders
    ) -> None:
        backoff = self._retry.initial_backoff
        while True:
            try:
                await self._producer.send_and_wait(
                    self._dead_letter_topic, value=record.value, key=record.key, headers=headers
                )
            except Exception as error:  # noqa: BLE001 - aiokafka's KafkaError family, timeouts, lost connections
                logger.warning("dead-letter send failed (%r); retrying", error)
            else:
                return
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self._retry.max_backoff)
