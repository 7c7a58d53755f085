"""The activity signal: one ``person_active`` event per person per day, never more, never what.

The first request of a person on a day (UTC) appends ``PersonActive`` to the stream
``activity-<person>_<YYYYMMDD>`` expecting an empty stream, so of any number of requests,
processes and replicas exactly one append succeeds; the others get ``ConcurrencyError``,
which means "already recorded". An in-process set of the day's people makes every later
request cost a set lookup. The outbox relay publishes the events to Kafka.
"""

import asyncio
import hashlib
import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime

from prometheus_client import Counter

from agora.eventsourcing import ConcurrencyError, EventStore
from agora.gateway.events import PersonActive

_logger = logging.getLogger(__name__)

STREAM_KIND = "activity"
_PLAIN_PERSON_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")
MAX_PENDING_APPENDS = 1000
"""With the database down, appends fail; beyond this many in flight new ones are skipped
(and retried on a later request) instead of piling up."""

ACTIVITY_APPENDS = Counter(
    "agora_gateway_activity_appends_total",
    "Activity appends by outcome (recorded, already_recorded, failed, skipped).",
    ["outcome"],
)


def activity_stream_id(person_id: str, day: date) -> str:
    """``activity-<person>_<YYYYMMDD>``; ids the stream id cannot hold are hashed.

    A plain id has no ``:``, a hashed one starts with ``sha256:``, so two people can never
    share a stream.
    """
    key = (
        person_id
        if _PLAIN_PERSON_ID.fullmatch(person_id)
        else "sha256:" + hashlib.sha256(person_id.encode()).hexdigest()
    )
    return f"{STREAM_KIND}-{key}_{day:%Y%m%d}"


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


class ActivityRecorder:
    """Records each person's first request of the day, in the background of that request."""

    def __init__(self, *, store: EventStore, clock: Callable[[], datetime] = utc_now) -> None:
        self._store = store
        self._clock = clock
        self._day: date | None = None
        self._recorded: set[str] = set()
        self._pending: set[asyncio.Task[None]] = set()

    def seen(self, person_id: str) -> None:
        """Note a request by ``person_id``: appends only for the first one of the day."""
        day = self._clock().astimezone(UTC).date()
        if day != self._day:
            self._day, self._recorded = day, set()
        if person_id in self._recorded:
            return
        if len(self._pending) >= MAX_PENDING_APPENDS:
            ACTIVITY_APPENDS.labels("skipped").inc()
            return
        self._recorded.add(person_id)
        # Not awaited: the person's request never waits for the database.
        task = asyncio.create_task(self._append(person_id, day))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _append(self, person_id: str, day: date) -> None:
        try:
            await self._store.append(
                stream_id=activity_stream_id(person_id, day),
                expected_version=0,
                events=[PersonActive(person_id=person_id, day=day)],
                actor=person_id,
            )
        except ConcurrencyError:
            ACTIVITY_APPENDS.labels("already_recorded").inc()
        except Exception:
            ACTIVITY_APPENDS.labels("failed").inc()
            _logger.warning("could not record a person's activity; will retry", exc_info=True)
            if self._day == day:
                self._recorded.discard(person_id)
        else:
            ACTIVITY_APPENDS.labels("recorded").inc()

    async def drain(self) -> None:
        """Wait for the appends still in flight (at shutdown)."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
