"""Event store on MongoDB (and FerretDB) with one document per append: the commit is the outbox.

Only single-document atomicity is assumed. A commit document holds the whole batch of one
append, so a batch is stored entirely or not at all, and it carries ``published: false`` until
the relay has sent it to Kafka. A unique index on ``(stream_id, first_version)`` lets exactly
one of two concurrent writers win; every writer starts its commit at the head it read, so
commits of a stream never overlap. A command's idempotency id becomes the commit's ``_id``.
"""

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from agora.eventsourcing.envelope import EventEnvelope, is_valid_stream_id, new_envelopes
from agora.eventsourcing.errors import ConcurrencyError, IdempotencyKeyReusedError
from agora.eventsourcing.events import DomainEvent
from agora.eventsourcing.mongo_indexes import ensure_indexes
from agora.eventsourcing.store import AppendResult
from agora.eventsourcing.tracing import current_trace_headers

Document = dict[str, Any]
COMMITS_COLLECTION = "event_commits"
MAX_EVENTS_PER_APPEND = 100
_ANY_VERSION_ATTEMPTS = 5


class MongoEventStore:
    """``EventStore`` on a MongoDB-compatible database; also the outbox the relay reads."""

    def __init__(self, *, database: AsyncDatabase[Document], source: str) -> None:
        self._commits: AsyncCollection[Document] = database[COMMITS_COLLECTION]
        self._source = source
        self.appended = asyncio.Event()
        """Set after every successful append so an in-process relay can publish at once."""

    @property
    def commits(self) -> AsyncCollection[Document]:
        """The commit collection (the outbox), for the relay."""
        return self._commits

    async def create_indexes(self) -> None:
        """Create the indexes the store's guarantees rest on (idempotent)."""
        await ensure_indexes(
            self._commits,
            [
                IndexModel(
                    [("stream_id", ASCENDING), ("first_version", ASCENDING)],
                    unique=True,
                    name="stream_version_unique",
                ),
                IndexModel(
                    [("published", ASCENDING), ("stream_id", ASCENDING)],
                    name="unpublished_by_stream",
                ),
            ],
        )

    async def append(
        self,
        *,
        stream_id: str,
        expected_version: int | None,
        events: Sequence[DomainEvent],
        actor: str | None = None,
        command_id: str | None = None,
        command_fingerprint: str | None = None,
    ) -> AppendResult:
        """Append one batch atomically; see ``EventStore.append``."""
        if not is_valid_stream_id(stream_id):
            raise ValueError(f"invalid stream id {stream_id!r}")
        if not events:
            raise ValueError("an append needs at least one event")
        if len(events) > MAX_EVENTS_PER_APPEND:
            raise ValueError(f"an append takes at most {MAX_EVENTS_PER_APPEND} events")
        commit_id = _commit_id(actor=actor, command_id=command_id)
        if command_id is not None:
            original = await self._original(commit_id, command_id, command_fingerprint)
            if original is not None:
                return original
        attempts = _ANY_VERSION_ATTEMPTS if expected_version is None else 1
        for attempt in range(1, attempts + 1):
            head = await self.stream_version(stream_id)
            if expected_version is not None and head != expected_version:
                raise ConcurrencyError(
                    stream_id=stream_id, expected_version=expected_version, actual_version=head
                )
            trace = current_trace_headers()
            envelopes = new_envelopes(
                source=self._source,
                stream_id=stream_id,
                first_version=head + 1,
                events=events,
                actor=actor,
                command_id=command_id,
                traceparent=trace.get("traceparent"),
                tracestate=trace.get("tracestate"),
            )
            document: Document = {
                "_id": commit_id,
                "stream_id": stream_id,
                "first_version": head + 1,
                "last_version": head + len(envelopes),
                "events": [envelope.model_dump_json(exclude_none=True) for envelope in envelopes],
                "fingerprint": command_fingerprint,
                "published": False,
                "recorded_at": datetime.now(UTC),
            }
            try:
                await self._commits.insert_one(document)
            except DuplicateKeyError:
                if command_id is not None:
                    original = await self._original(commit_id, command_id, command_fingerprint)
                    if original is not None:
                        return original
                if attempt == attempts:
                    raise ConcurrencyError(
                        stream_id=stream_id,
                        expected_version=head if expected_version is None else expected_version,
                        actual_version=await self.stream_version(stream_id),
                    ) from None
                continue
            self.appended.set()
            return AppendResult(stream_id=stream_id, events=tuple(envelopes), deduplicated=False)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    async def load(self, stream_id: str, *, after_version: int = 0) -> list[EventEnvelope]:
        """The stream's events above ``after_version``, in version order."""
        cursor = self._commits.find(
            {"stream_id": stream_id}, projection={"events": True, "last_version": True}
        ).sort("first_version", ASCENDING)
        envelopes: list[EventEnvelope] = []
        async for commit in cursor:
            if commit["last_version"] <= after_version:
                continue
            for raw in commit["events"]:
                envelope = EventEnvelope.model_validate_json(raw)
                if envelope.streamversion > after_version:
                    envelopes.append(envelope)
        return envelopes

    async def stream_version(self, stream_id: str) -> int:
        """The last version stored for the stream, 0 when it has none."""
        head = await self._commits.find_one(
            {"stream_id": stream_id},
            projection={"last_version": True},
            sort=[("first_version", -1)],
        )
        return 0 if head is None else int(head["last_version"])

    async def command_result(
        self, *, actor: str | None, command_id: str, command_fingerprint: str | None = None
    ) -> AppendResult | None:
        """What an earlier append with this actor's idempotency id stored, or ``None``."""
        return await self._original(
            _commit_id(actor=actor, command_id=command_id), command_id, command_fingerprint
        )

    async def _original(
        self, commit_id: str, command_id: str, fingerprint: str | None
    ) -> AppendResult | None:
        commit = await self._commits.find_one({"_id": commit_id})
        if commit is None:
            return None
        if fingerprint is not None and commit.get("fingerprint") not in (None, fingerprint):
            raise IdempotencyKeyReusedError(command_id=command_id)
        return AppendResult(
            stream_id=commit["stream_id"],
            events=tuple(EventEnvelope.model_validate_json(raw) for raw in commit["events"]),
            deduplicated=True,
        )


def _commit_id(*, actor: str | None, command_id: str | None) -> str:
    """Idempotency ids are scoped to the actor, so two people's keys can never collide."""
    if command_id is None:
        return f"auto:{uuid.uuid4()}"
    return f"cmd:{actor or '-'}:{command_id}"
