"""Reading a topic for as long as the gateway runs, through Kafka's outages.

The gateway's readers (live updates, ended access) keep no offsets: each makes a fresh consumer
on every (re)connection and reads from where it means to. Kafka down is expected now and then:
one warning line per attempt, no traceback, and attempts spaced from 1 s up to 30 s.
"""

import asyncio
import contextlib
import logging
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
