"""How far the feed's projection has got: its consumer group's committed offsets against the
ends of the topics it consumes (the runner commits a partition only after applying its batch)."""

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import ProjectionCatalog
from agora.eventsourcing.runner import consumer_group
from agora.feed.settings import FeedSettings
from bench.waiting import StalledError

Document = dict[str, Any]
logger = logging.getLogger(__name__)


def consumed_topics(settings: FeedSettings) -> list[str]:
    """The topics the feed's projection consumes."""
    return [
        settings.events_topic,
        settings.profiles_topic,
        settings.profile_cards_topic,
        settings.communities_topic,
    ]


class ProjectionProgress:
    """Reads the projection's lag, with one admin client and one offsets consumer kept open."""

    def __init__(self, settings: FeedSettings, database: AsyncDatabase[Document]) -> None:
        self._settings = settings
        self._database = database
        bootstrap = settings.kafka_bootstrap_servers
        self._topics = consumed_topics(settings)
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        self._consumer = AIOKafkaConsumer(*self._topics, bootstrap_servers=bootstrap, group_id=None)
        self._partitions: list[TopicPartition] = []

    async def start(self) -> None:
        """Connect, and learn the partitions of the consumed topics."""
        await self._admin.start()
        await self._consumer.start()
        self._partitions = [
            TopicPartition(described["topic"], partition["partition"])
            for described in await self._admin.describe_topics(self._topics)
            for partition in described["partitions"]
        ]

    async def stop(self) -> None:
        """Disconnect."""
        await self._consumer.stop()
        await self._admin.close()

    async def lag(self, topics: list[str] | None = None) -> int:
        """Events on the topics (all consumed ones by default) not yet applied."""
        partitions = [p for p in self._partitions if topics is None or p.topic in topics]
        generation = await ProjectionCatalog(database=self._database).active_generation(
            self._settings.projection_prefix
        )
        group = consumer_group(self._settings.projection_prefix, generation)
        ends = await self._consumer.end_offsets(partitions)
        committed = await self._admin.list_consumer_group_offsets(group, partitions=partitions)
        behind = 0
        for partition, end in ends.items():
            offset = committed.get(partition)
            done = offset.offset if offset is not None and offset.offset >= 0 else 0
            behind += max(0, end - done)
        return behind

    async def lag_or_none(self, topics: list[str] | None = None) -> int | None:
        """The lag, or ``None`` when the broker could not tell just now (a coordinator moving,
        a broker restarting): waits treat that as no progress rather than as a failure."""
        try:
            return await self.lag(topics)
        except KafkaError as error:
            logger.warning("could not read the projection's lag: %r", error)
            return None

    async def wait_caught_up(
        self,
        *,
        what: str,
        stall_seconds: float,
        topics: list[str] | None = None,
        interval: float = 0.25,
        report: Callable[[str], None] | None = None,
    ) -> float:
        """Wait until the lag is zero; returns when that was seen (``perf_counter``).

        Raises ``StalledError`` when the lag has not shrunk for ``stall_seconds``.
        """
        best = None
        last_progress = time.perf_counter()
        last_report = 0.0
        while True:
            behind = await self.lag_or_none(topics)
            now = time.perf_counter()
            if behind == 0:
                return now
            if behind is None:  # the broker did not answer: no progress seen this time
                if now - last_progress > stall_seconds:
                    raise StalledError(f"{what}: the broker has not answered for a while")
                await asyncio.sleep(interval)
                continue
            if best is None or behind < best:
                best, last_progress = behind, now
            elif now - last_progress > stall_seconds:
                raise StalledError(f"{what}: {behind} events stay unapplied")
            if report is not None and now - last_report > 10.0:
                report(f"{what}: {behind:,} events still to apply")
                last_report = now
            await asyncio.sleep(interval)
