"""Reading a topic for as long as a process runs, through Kafka's outages.

Readers that keep no offsets (every service's ended-access follower, the gateway's live
updates) make a fresh consumer on every (re)connection and read from where they mean to.
Kafka down is expected now and then: one warning line per attempt, no traceback, and attempts
spaced from 1 s up to 30 s.
"""

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

_logger = logging.getLogger(__name__)
FIRST_RETRY_SECONDS = 1.0
LONGEST_RETRY_SECONDS = 30.0


async def read_until_stopped(
    *,
    connect: Callable[[], AIOKafkaConsumer],
    read: Callable[[AIOKafkaConsumer], Awaitable[None]],
    stopping: asyncio.Event,
    what: str,
    prepare: Callable[[], Awaitable[None]] | None = None,
    disconnected: Callable[[], None] = lambda: None,
) -> None:
    """Start a consumer made by ``connect`` (after ``prepare``, if given: creating its topic,
    say) and ``read`` with it until ``stopping`` is set; after a failure, stop it, call
    ``disconnected`` and start again with backoff."""
    backoff = FIRST_RETRY_SECONDS
    while not stopping.is_set():
        consumer = connect()
        try:
            if prepare is not None:
                await prepare()
            await consumer.start()
            await read(consumer)
            backoff = FIRST_RETRY_SECONDS
        except (KafkaError, OSError) as error:
            _logger.warning(
                "%s failed (%s: %s); retrying in %.0f s", what, type(error).__name__, error, backoff
            )
        except Exception:
            _logger.exception("%s failed; retrying", what)
        finally:
            disconnected()
            await consumer.stop()
        if not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), backoff)
            backoff = min(backoff * 2, LONGEST_RETRY_SECONDS)


class TopicReader(ABC):
    """A worker reading a topic through ``read_until_stopped``."""

    what: str
    """What it does, for the log lines of its failures."""

    def __init__(self, *, bootstrap_servers: str, client_id: str) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._client_id = client_id
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Finish the current poll and return."""
        self._stopping.set()

    async def run(self) -> None:
        """Read until ``stop()``; reconnect with backoff after failures."""
        await read_until_stopped(
            connect=self._consumer,
            read=self._read,
            stopping=self._stopping,
            what=self.what,
            prepare=self._prepare,
            disconnected=self._disconnected,
        )

    @abstractmethod
    def _consumer(self) -> AIOKafkaConsumer:
        """A new, unstarted consumer, positioned as this reader needs."""

    @abstractmethod
    async def _read(self, consumer: AIOKafkaConsumer) -> None:
        """Read with a started consumer until stopped (or until it fails)."""

    @abstractmethod
    async def _prepare(self) -> None:
        """What must be done before a consumer starts."""

    @abstractmethod
    def _disconnected(self) -> None:
        """What a lost connection changes."""
