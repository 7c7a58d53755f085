"""Committing a consumer's offsets after the apply, a few times a second rather than every poll.

Each commit is a request the broker appends to ``__consumer_offsets``: committed after every
poll, under a steady trickle of events (a poll per event or two) it cost Kafka more CPU than
producing and fetching the events themselves (``make bench``: a third of a core at 100 events
a second, a fifteenth once commits were spaced). Spacing them costs only redelivery after a
crash, of at most ``interval`` seconds of events, which projections apply idempotently.
Offsets are still committed only once their records are applied; pending ones are committed
when the consumer goes idle, when it stops, and for revoked partitions before a rebalance.
"""

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import CommitFailedError
from aiokafka.structs import ConsumerRecord, OffsetAndMetadata, TopicPartition

logger = logging.getLogger(__name__)

COMMIT_INTERVAL_SECONDS = 0.25
"""Longest time applied offsets wait for their commit while records keep coming."""


def next_offsets(
    batches: Mapping[TopicPartition, Sequence[ConsumerRecord[Any, Any]]],
) -> dict[TopicPartition, int]:
    """The offset after the last record of each partition that brought records."""
    return {partition: records[-1].offset + 1 for partition, records in batches.items() if records}


class PendingOffsets:
    """The offsets one consumer has applied up to and not yet committed."""

    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        *,
        interval: float = COMMIT_INTERVAL_SECONDS,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._consumer = consumer
        self._interval = interval
        self._timer = timer
        self._pending: dict[TopicPartition, int] = {}
        self._last_commit = timer()

    @property
    def pending(self) -> Mapping[TopicPartition, int]:
        """The next offset to commit, per partition with applied records not yet committed."""
        return dict(self._pending)

    def applied(self, offsets: Mapping[TopicPartition, int]) -> None:
        """Records up to (not including) these offsets are applied."""
        self._pending.update(offsets)

    async def after_poll(self, *, brought_records: bool) -> None:
        """What a consumer loop does once a poll's records are applied: commit if due, or at
        once when the poll brought nothing (so nothing applied waits through a quiet spell)."""
        if brought_records:
            await self.commit_if_due()
        else:
            await self.commit()

    async def commit_if_due(self) -> None:
        """Commit what is pending if the last commit is ``interval`` seconds old."""
        if self._pending and self._timer() - self._last_commit >= self._interval:
            await self.commit()

    async def commit(self, partitions: Iterable[TopicPartition] | None = None) -> None:
        """Commit what is pending now (of ``partitions`` only, when given); what it tried to
        commit is no longer pending, even when the commit failed."""
        chosen = self._pending if partitions is None else set(partitions) & self._pending.keys()
        offsets = {partition: self._pending.pop(partition) for partition in list(chosen)}
        if partitions is None:
            self._last_commit = self._timer()
        if not offsets:
            return
        try:
            await self._consumer.commit(
                {partition: OffsetAndMetadata(offset, "") for partition, offset in offsets.items()}
            )
        except CommitFailedError:
            # The group rebalanced while we applied: the new owner gets these records again,
            # and applying them twice changes nothing.
            logger.warning("commit for %s failed after a rebalance", sorted(offsets))

    async def commit_on_leaving(self) -> None:
        """Commit what is pending as the consumer stops; a failure is logged, not raised: the
        records then come again to the next consumer, which applies them once."""
        try:
            await self.commit()
        except Exception as error:  # noqa: BLE001 - aiokafka's errors, timeouts, lost connections
            logger.warning("final commit of %s failed: %r", sorted(self._pending), error)
