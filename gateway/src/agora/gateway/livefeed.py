"""What feeds live updates: the feed's events from Kafka, and the feed's answers over HTTP.

``FeedEventConsumer`` reads ``agora.feed.events`` from the newest offsets, without a consumer
group (each replica reads every partition; nothing is committed: live only). For each event
that could change someone's home timeline or notifications, ``interests`` names the kind of
change, the post and the people it may concern (everyone connected, or the people the event
names); the hub then asks ``FeedChecker``, as each of them, whether the feed shows it.

The events are read as the feed publishes them (``docs/events/feed.schema.json``, the public
contract); only type names, the stream id and a few fields are used, never to decide who may
see what.
"""

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiokafka import AIOKafkaConsumer
from pydantic import ValidationError

from agora.eventsourcing import EventEnvelope
from agora.gateway.live import LiveHub, NotificationSeen, SignalKind
from agora.gateway.upstream import ServiceRoute
from agora.servicekit.kafka_reading import TopicReader

_logger = logging.getLogger(__name__)
LIVE_FETCH_MIN_BYTES = 64 * 1024
LIVE_FETCH_MAX_WAIT_MS = 100

POST_STREAM_PREFIX = "post-"
POST_PUBLISHED = "agora.feed.post_published"
POST_EDITED = "agora.feed.post_edited"
POST_REPORTED = "agora.feed.post_reported"
COMMENT_ADDED = "agora.feed.comment_added"
COMMENT_EDITED = "agora.feed.comment_edited"
REACTION_SET = "agora.feed.reaction_set"
ANSWER_ACCEPTED = "agora.feed.answer_accepted"
WATCHED_TYPES = frozenset(
    {
        POST_PUBLISHED,
        POST_EDITED,
        POST_REPORTED,
        COMMENT_ADDED,
        COMMENT_EDITED,
        REACTION_SET,
        ANSWER_ACCEPTED,
    }
)
"""The feed events that can add to a home timeline or notify someone."""
STORED_TIME_RESOLUTION = timedelta(milliseconds=1)
"""The feed's database keeps times to the millisecond: a notification made from an event may
show a time up to this much earlier than the event's."""
CHECK_PAGE_SIZE = 20
"""Items read per check: a new post or notification is among the newest."""


@dataclass(frozen=True, slots=True)
class Interest:
    """A change the feed may show some people: check ``kind`` about ``post_id`` for them."""

    kind: SignalKind
    post_id: str
    since: datetime
    people: frozenset[str] | None
    """Who may be concerned; ``None``: anyone (the feed knows who follows, subscribed, …)."""
    excluded: frozenset[str] = frozenset()
    """Nobody is notified of their own action."""

    def concerns(self, person_id: str) -> bool:
        """Whether the person should be checked."""
        if person_id in self.excluded:
            return False
        return self.people is None or person_id in self.people


def interests(envelope: EventEnvelope) -> list[Interest]:
    """The checks one feed event calls for (none for imports, inbox events and the rest)."""
    if envelope.type not in WATCHED_TYPES or not envelope.streamid.startswith(POST_STREAM_PREFIX):
        return []
    data = envelope.data
    if data.get("published_at") is not None:
        return []  # imported history: no live signal for a bulk load
    post_id = envelope.streamid.removeprefix(POST_STREAM_PREFIX)
    since = envelope.time - STORED_TIME_RESOLUTION
    actor = frozenset({envelope.actor}) if envelope.actor else frozenset()

    def notify(people: frozenset[str] | None) -> Interest:
        return Interest(
            kind="notifications", post_id=post_id, since=since, people=people, excluded=actor
        )

    named = _names(data.get("content"), "mentions")
    if envelope.type == POST_PUBLISHED:
        found = [Interest(kind="timeline", post_id=post_id, since=since, people=None)]
        named |= _names(data.get("praise"), "person_ids")
        if named:
            found.append(notify(named))
        return found
    if envelope.type in (POST_EDITED, COMMENT_EDITED):
        return [notify(named)] if named else []
    if envelope.type == ANSWER_ACCEPTED:
        author = data.get("answer_author_id")
        return [notify(frozenset({author}))] if isinstance(author, str) else []
    # Comments (subscribers), reactions (the author of what was reacted to) and reports (the
    # community's managers): only the feed knows who they concern.
    return [notify(None)]


def _names(part: Any, key: str) -> frozenset[str]:
    if not isinstance(part, Mapping):
        return frozenset()
    values = part.get(key)
    if not isinstance(values, Sequence) or isinstance(values, str):
        return frozenset()
    return frozenset(value for value in values if isinstance(value, str))


def dispatch(hub: LiveHub, raw: bytes | None) -> int:
    """Hand one Kafka record's checks to the watches it may concern; returns how many."""
    watchers = hub.watchers()
    if not watchers or raw is None:
        return 0  # nobody connected: consume and drop
    try:
        envelope = EventEnvelope.from_json_bytes(raw)
    except (ValidationError, ValueError):
        _logger.warning("a record of the feed's topic is not an event envelope; skipped")
        return 0
    count = 0
    for interest in interests(envelope):
        for person_id, watch in watchers.items():
            if interest.concerns(person_id):
                watch.expect(interest.kind, interest.post_id, interest.since)
                count += 1
    return count


class FeedChecker:
    """Asks the feed, with a person's own token, what it shows them (``FeedChecks``)."""

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession,
        route: ServiceRoute,
        concurrency: int,
        timeout_seconds: float,
    ) -> None:
        self._session = session
        self._route = route
        self._slots = asyncio.Semaphore(concurrency)
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def timeline(self, token: str) -> set[str] | None:
        """Post ids of the first page of the home timeline (``GET /me/timeline``)."""
        body = await self._get(b"/me/timeline", token)
        if body is None:
            return None
        return {
            item["post_id"]
            for item in body.get("items", [])
            if isinstance(item, Mapping) and isinstance(item.get("post_id"), str)
        }

    async def notifications(self, token: str) -> list[NotificationSeen] | None:
        """The newest notifications (``GET /me/notifications``) that are about a post."""
        body = await self._get(b"/me/notifications", token)
        if body is None:
            return None
        seen = []
        for item in body.get("items", []):
            try:
                post_id = item["target"]["post_id"]
                updated_at = datetime.fromisoformat(item["updated_at"])
            except (KeyError, TypeError, ValueError):
                continue
            if isinstance(post_id, str) and updated_at.tzinfo is not None:
                seen.append(NotificationSeen(post_id=post_id, updated_at=updated_at))
        return seen

    async def _get(self, path: bytes, token: str) -> dict[str, Any] | None:
        url = self._route.url(path + f"?limit={CHECK_PAGE_SIZE}".encode())
        async with self._slots:
            try:
                async with self._session.get(
                    url,
                    headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                    allow_redirects=False,
                    timeout=self._timeout,
                ) as response:
                    if response.status != 200:
                        _logger.info("live updates: the feed answered %s", response.status)
                        return None
                    body = await response.json(content_type=None)
            except (aiohttp.ClientError, TimeoutError) as error:
                _logger.info("live updates: the feed did not answer (%s)", type(error).__name__)
                return None
            except ValueError:
                return None
        return body if isinstance(body, dict) else None


class FeedEventConsumer(TopicReader):
    """Reads the feed's events as they come and dispatches them to the hub (a ``Worker``).

    No consumer group: every replica reads every partition from the newest offset on start,
    commits nothing, and keeps no state in Kafka. If Kafka cannot be reached it retries with
    backoff; live updates pause meanwhile (streams stay open, heartbeats go on).
    """

    what = "live updates: reading the feed's events"

    def __init__(self, *, bootstrap_servers: str, topic: str, hub: LiveHub, client_id: str) -> None:
        super().__init__(bootstrap_servers=bootstrap_servers, client_id=client_id)
        self._topic = topic
        self._hub = hub
        self.ready = False
        """Positioned at the end of every partition: events from now on will be seen."""

    def _consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            self._topic,
            bootstrap_servers=self._bootstrap_servers,
            client_id=self._client_id,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="latest",
            isolation_level="read_committed",
            metadata_max_age_ms=30_000,
            # The broker answers a fetch once it holds this much or after the wait: under a
            # stream of posts, a fetch per few events was a sixth of the gateway's CPU
            # (py-spy); a live update may arrive up to the wait later.
            fetch_min_bytes=LIVE_FETCH_MIN_BYTES,
            fetch_max_wait_ms=LIVE_FETCH_MAX_WAIT_MS,
        )

    async def _prepare(self) -> None:
        """Nothing: the feed's topic is the feed's to create, and it is read from its end."""

    def _disconnected(self) -> None:
        self.ready = False

    async def _read(self, consumer: AIOKafkaConsumer) -> None:
        while not self._stopping.is_set():
            if not self.ready:
                assigned = consumer.assignment()
                for partition in assigned:
                    await consumer.position(partition)  # resolves "latest" now
                self.ready = bool(assigned)
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            for records in batches.values():
                for record in records:
                    dispatch(self._hub, record.value)
