"""Publishing other services' events to a service under test, as their outbox relays would."""

from collections.abc import Sequence
from datetime import datetime

from agora.eventsourcing import DomainEvent, EventEnvelope
from agora.eventsourcing.envelope import new_envelopes
from agora.eventsourcing.kafka import create_producer


class StreamPublisher:
    """Sends events to Kafka, numbering each stream's events after the ones sent before."""

    def __init__(self, *, bootstrap_servers: str, client_id: str) -> None:
        self._producer = create_producer(bootstrap_servers=bootstrap_servers, client_id=client_id)
        self._versions: dict[str, int] = {}

    async def start(self) -> None:
        """Connect the producer."""
        await self._producer.start()

    async def stop(self) -> None:
        """Flush and disconnect."""
        await self._producer.stop()

    async def publish(
        self,
        topic: str,
        stream_id: str,
        events: Sequence[DomainEvent],
        *,
        actor: str = "system",
        at: datetime | None = None,
    ) -> list[EventEnvelope]:
        """Publish events of one stream, numbered after the stream's last version, dated ``at``
        (now by default)."""
        first = self._versions.get(stream_id, 0) + 1
        envelopes = new_envelopes(
            source="/agora/test",
            stream_id=stream_id,
            first_version=first,
            events=events,
            actor=actor,
            command_id=None,
            traceparent=None,
            tracestate=None,
            now=at,
        )
        self._versions[stream_id] = first + len(envelopes) - 1
        for envelope in envelopes:
            await self.send(topic, envelope)
        return envelopes

    async def send(self, topic: str, envelope: EventEnvelope, *, key: str | None = None) -> None:
        """Send one envelope as is (a redelivery, say), keyed by its stream unless ``key``."""
        await self.send_bytes(
            topic, value=envelope.to_json_bytes(), key=(key or envelope.streamid).encode()
        )

    async def send_bytes(self, topic: str, *, value: bytes, key: bytes) -> None:
        """Send one record that need not be an event at all (an undecodable one, say)."""
        await self._producer.send_and_wait(topic, value=value, key=key)

    def claim_version(self, stream_id: str) -> int:
        """Number one more event of the stream, sent some other way (a card); its version."""
        version = self._versions.get(stream_id, 0) + 1
        self._versions[stream_id] = version
        return version

    def last_version(self, stream_id: str) -> int:
        """The version of the stream's last event (``KeyError`` if none was published)."""
        return self._versions[stream_id]
