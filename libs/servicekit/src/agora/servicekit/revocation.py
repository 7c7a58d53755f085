"""Access that ended: a person who left or was erased gets no answer from any Agora process.

The identity provider stops issuing someone's tokens when they leave, but a token already
issued stays valid until it expires. The gateway and every service (defence in depth: a service
reached without the gateway decides the same) close that window: each API process follows the
profiles service's public person cards (``agora.profiles.cards``, compacted, so the newest card
per person is always there) and refuses with 401 every token whose subject's card says the
person is no longer active, or was erased. A card made active again gives access back.

``CardFollower`` reads every partition from its beginning, without a consumer group (each
replica keeps its own set, nothing is committed), then follows new cards; the process is not
ready until that first read reached the end offsets it found, so a restarted replica never lets
a revoked token through. Only the envelope's type and ``data.person_id``/``data.active`` are
read (``docs/events/profiles.cards.schema.json`` is the contract).
"""

import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import ValidationError

from agora.eventsourcing import EventEnvelope
from agora.eventsourcing.topics import TopicSpec, ensure_topics
from agora.servicekit.health import ReadinessFailure
from agora.servicekit.kafka_reading import TopicReader

_logger = logging.getLogger(__name__)
CARD_PUBLISHED = "agora.profiles.person_card_published"
CARD_ERASED = "agora.profiles.person_card_erased"


class RevokedAccess:
    """The people whose newest card says they left or were erased."""

    def __init__(self) -> None:
        self._people: set[str] = set()

    def __contains__(self, person_id: object) -> bool:
        return person_id in self._people

    def __len__(self) -> int:
        return len(self._people)

    def apply(self, value: bytes | None) -> None:
        """Take one record of the cards topic into account (anything else is ignored)."""
        if value is None:
            return  # a compaction tombstone: the newest card of that person is elsewhere
        try:
            envelope = EventEnvelope.from_json_bytes(value)
        except (ValidationError, ValueError):
            return
        data: dict[str, Any] = envelope.data if isinstance(envelope.data, dict) else {}
        person_id = data.get("person_id")
        if not isinstance(person_id, str):
            return
        if envelope.type == CARD_ERASED or (
            envelope.type == CARD_PUBLISHED and data.get("active") is False
        ):
            self._people.add(person_id)
        elif envelope.type == CARD_PUBLISHED:
            self._people.discard(person_id)


class CardFollower(TopicReader):
    """Keeps a ``RevokedAccess`` up to date from the cards topic (a ``Worker``)."""

    what = "revoked access: reading the person cards"

    def __init__(
        self,
        *,
        bootstrap_servers: str,
        topic: TopicSpec,
        revoked: RevokedAccess,
        client_id: str,
    ) -> None:
        super().__init__(bootstrap_servers=bootstrap_servers, client_id=client_id)
        self._topic = topic
        self.revoked = revoked
        self.ready = False
        """Every card that existed when the follower started has been read."""

    async def check_ready(self) -> None:
        """A readiness check: ``ReadinessFailure`` until the first read reached its end."""
        if not self.ready:
            raise ReadinessFailure("the person cards are not read to their end yet")

    async def _prepare(self) -> None:
        # A consumer without a group would see a topic created after its start only at its
        # next metadata refresh (minutes): the topic must exist first.
        await ensure_topics(bootstrap_servers=self._bootstrap_servers, topics=[self._topic])

    def _disconnected(self) -> None:
        """Nothing: what was read stays true; new cards wait for the reconnection."""

    def _consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            self._topic.name,
            bootstrap_servers=self._bootstrap_servers,
            client_id=self._client_id,
            group_id=None,  # every partition, from its beginning: no offsets are kept
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            isolation_level="read_committed",
        )

    async def _read(self, consumer: AIOKafkaConsumer) -> None:
        ends: dict[TopicPartition, int] | None = None
        while not self._stopping.is_set():
            if ends is None and consumer.assignment():
                ends = await consumer.end_offsets(list(consumer.assignment()))
            batches = await consumer.getmany(timeout_ms=500, max_records=1000)
            for records in batches.values():
                for record in records:
                    self.revoked.apply(record.value)
            if not self.ready and ends is not None and await _reached(consumer, ends):
                self.ready = True
                _logger.info("revoked access: %d people no longer have access", len(self.revoked))


async def _reached(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    """Whether the consumer read every partition up to the offsets in ``ends``."""
    for partition, end in ends.items():
        if await consumer.position(partition) < end:
            return False
    return True
