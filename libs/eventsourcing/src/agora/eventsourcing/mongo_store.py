"""Event store on MongoDB (and FerretDB) with one document per append: the commit is the outbox.

Only single-document atomicity is assumed, and every hot lookup is by ``_id`` (FerretDB's
SQLite backend pushes nothing else down to SQL):

- A commit document holds the whole batch of one append, so a batch is stored entirely or not
  at all, and carries ``published: false`` until the relay has sent it to Kafka.
- Its ``_id`` is ``<stream id>@<first version>``. Every writer starts its commit right after
  the head it found, so of two concurrent writers exactly one insert succeeds, and the commits
  of a stream form a chain: the commit after one ending at version v has ``_id`` ``stream@v+1``.
- The head is found by following that chain from the best lower bound at hand: this process's
  memory of the streams it has seen, else a hint (``stream_heads``, raised every
  ``HINT_INTERVAL`` versions so a cold lookup walks at most that many commits). A stale
  lower bound only costs lookups; an append from a remembered head skips the lookups entirely,
  because the insert of ``stream@head+1`` itself fails when another process got there first.
  So does an append expecting a new stream (version 0): every stream's first commit is
  ``stream@1``, whose insert fails if the stream has any event.
  (So a database restored to an older state under a running process needs that process
  restarted, as any cache would.)
- A command's idempotency key is unique across commits (``command_key``); a marker document
  keyed by it makes the retry check one lookup.
- Concurrent appends share their inserts (``GroupedInserts``: one unordered ``insert_many``,
  each append still learning whether its own commit was refused), so appends arriving together
  cost the database one write, not one each.
"""

import asyncio
import contextlib
from collections import OrderedDict, deque
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
from agora.eventsourcing.grouped_inserts import GroupedInserts
from agora.eventsourcing.grouped_upserts import grouped_upserts
from agora.eventsourcing.mongo_indexes import ensure_indexes
from agora.eventsourcing.store import AppendResult
from agora.eventsourcing.tracing import current_trace_headers

Document = dict[str, Any]
COMMITS_COLLECTION = "event_commits"
HEADS_COLLECTION = "event_stream_heads"
COMMANDS_COLLECTION = "event_commands"
MAX_EVENTS_PER_APPEND = 100
_ANY_VERSION_ATTEMPTS = 5
RECENT_COMMITS = 10_000
REMEMBERED_HEADS = 100_000
HINT_INTERVAL = 8
"""The stored head hint is raised when an append crosses a multiple of this many versions:
each hint write is a database update (about as costly as the commit's insert on FerretDB), and
a cold lookup walks at most this many commits past the hint."""


def commit_id(stream_id: str, first_version: int) -> str:
    """The ``_id`` of the commit of ``stream_id`` that starts at ``first_version``."""
    return f"{stream_id}@{first_version}"


def command_key(*, actor: str | None, command_id: str) -> str:
    """Idempotency ids are scoped to the actor, so two people's keys can never collide."""
    return f"cmd:{actor or '-'}:{command_id}"


class MongoEventStore:
    """``EventStore`` on a MongoDB-compatible database; also the outbox the relay reads."""

    def __init__(self, *, database: AsyncDatabase[Document], source: str) -> None:
        self._commits: AsyncCollection[Document] = database[COMMITS_COLLECTION]
        self._heads: AsyncCollection[Document] = database[HEADS_COLLECTION]
        self._commands: AsyncCollection[Document] = database[COMMANDS_COLLECTION]
        self._commit_inserts = GroupedInserts(self._commits)
        self._command_inserts = GroupedInserts(self._commands)
        self._source = source
        self.appended = asyncio.Event()
        """Set after every successful append so an in-process relay can publish at once."""
        self.recent_commits: deque[Document] = deque(maxlen=RECENT_COMMITS)
        """Commits this process appended, for the relay's fast path; anything that falls off
        the end is found by the relay's periodic catch-up scan."""
        self._known_heads: OrderedDict[str, tuple[int, str | None]] = OrderedDict()
        """Version and last commit of streams this process read or appended: a lower bound of
        each stream's head (versions only grow), most recently used last."""

    @property
    def commits(self) -> AsyncCollection[Document]:
        """The commit collection (the outbox), for the relay."""
        return self._commits

    async def create_indexes(self) -> None:
        """Create the indexes the store's guarantees rest on (idempotent)."""
        await ensure_indexes(
            self._commits,
            [
                IndexModel([("command_key", ASCENDING)], unique=True, name="command_unique"),
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
        command_checked: bool = False,
    ) -> AppendResult:
        """Append one batch atomically; see ``EventStore.append``."""
        _check_append(stream_id, events)
        key = None if command_id is None else command_key(actor=actor, command_id=command_id)
        if key is not None and command_id is not None and not command_checked:
            original = await self._original_by_marker(key, command_id, command_fingerprint)
            if original is not None:
                return original
        attempts = _ANY_VERSION_ATTEMPTS if expected_version is None else 1
        known = self._known_heads.get(stream_id)
        for attempt in range(1, attempts + 1):
            if known is not None and expected_version in (None, known[0]):
                head, previous = known  # the insert below checks it: no lookup
            elif expected_version == 0 and attempt == 1:
                head, previous = 0, None  # the insert of ``stream@1`` checks it: no lookup
            else:
                head, previous = await self._head(stream_id)
            known = None  # after a collision, look the head up
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
            document_id = commit_id(stream_id, head + 1)
            last_version = head + len(envelopes)
            document: Document = {
                "_id": document_id,
                "stream_id": stream_id,
                "first_version": head + 1,
                "last_version": last_version,
                "events": [envelope.model_dump_json(exclude_none=True) for envelope in envelopes],
                "previous_commit": previous,
                "command_key": key or f"auto:{document_id}",
                "fingerprint": command_fingerprint,
                "published": False,
                "recorded_at": datetime.now(UTC),
            }
            try:
                await self._commit_inserts.insert(document)
            except DuplicateKeyError:
                if key is not None and command_id is not None:
                    original = await self._original_after_collision(
                        document_id, key, command_id, command_fingerprint, expected_version
                    )
                    if original is not None:
                        return original
                if attempt == attempts:
                    raise ConcurrencyError(
                        stream_id=stream_id,
                        expected_version=head if expected_version is None else expected_version,
                        actual_version=await self.stream_version(stream_id),
                    ) from None
                continue
            await self._remember(stream_id, head, last_version, key, document_id)
            self.recent_commits.append(document)
            self.appended.set()
            return AppendResult(stream_id=stream_id, events=tuple(envelopes), deduplicated=False)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    async def command_result(
        self, *, actor: str | None, command_id: str, command_fingerprint: str | None = None
    ) -> AppendResult | None:
        """What an earlier append with this actor's idempotency id stored, or ``None``.

        One lookup: it relies on the marker written right after the commit. A crash between
        the two leaves no marker; ``append`` still refuses to store the command twice.
        """
        key = command_key(actor=actor, command_id=command_id)
        return await self._original_by_marker(key, command_id, command_fingerprint)

    async def load(self, stream_id: str, *, after_version: int = 0) -> list[EventEnvelope]:
        """The stream's events above ``after_version``, in version order."""
        start = after_version
        if after_version > 0 and not await self._starts_a_commit(stream_id, after_version + 1):
            if await self.stream_version(stream_id) <= after_version:
                return []
            start = 0  # ``after_version`` falls inside a batch: walk from the start
        envelopes: list[EventEnvelope] = []
        for commit in await self._chain(stream_id, start):
            for raw in commit["events"]:
                envelope = EventEnvelope.model_validate_json(raw)
                if envelope.streamversion > after_version:
                    envelopes.append(envelope)
        return envelopes

    async def stream_version(self, stream_id: str) -> int:
        """The last version stored for the stream, 0 when it has none."""
        version, _ = await self._head(stream_id)
        return version

    async def _head(self, stream_id: str) -> tuple[int, str | None]:
        """The stream's version and the ``_id`` of its last commit (``None`` when unknown)."""
        known = self._known_heads.get(stream_id)
        if known is not None:
            version, last = known
        else:
            hint = await self._heads.find_one({"_id": stream_id})
            version = 0 if hint is None else int(hint["version"])
            last = None if hint is None else hint.get("commit_id")
        while True:
            following = await self._commits.find_one(
                {"_id": commit_id(stream_id, version + 1)}, projection={"last_version": True}
            )
            if following is None:
                self._know_head(stream_id, version, last)
                return version, last
            version, last = int(following["last_version"]), str(following["_id"])

    def _know_head(self, stream_id: str, version: int, last_commit: str | None) -> None:
        """Remember a head just read or written (never lower than one remembered)."""
        known = self._known_heads.get(stream_id)
        if known is None or known[0] <= version:
            self._known_heads[stream_id] = (version, last_commit)
        self._known_heads.move_to_end(stream_id)
        if len(self._known_heads) > REMEMBERED_HEADS:
            self._known_heads.popitem(last=False)

    async def _chain(self, stream_id: str, after_version: int) -> list[Document]:
        """The commits after the boundary ``after_version``, following the chain."""
        commits: list[Document] = []
        version = after_version
        while True:
            commit = await self._commits.find_one({"_id": commit_id(stream_id, version + 1)})
            if commit is None:
                if commits:
                    self._know_head(stream_id, version, str(commits[-1]["_id"]))
                elif version == 0:
                    self._know_head(stream_id, 0, None)
                return commits
            commits.append(commit)
            version = int(commit["last_version"])

    async def _starts_a_commit(self, stream_id: str, version: int) -> bool:
        found = await self._commits.find_one(
            {"_id": commit_id(stream_id, version)}, projection={"_id": True}
        )
        return found is not None

    async def _remember(
        self, stream_id: str, head: int, last_version: int, key: str | None, document_id: str
    ) -> None:
        """Remember the new head, raise the stored hint when the append crossed a multiple of
        ``HINT_INTERVAL``, and mark the command; losing the hint or the marker to a crash is
        safe."""
        self._know_head(stream_id, last_version, document_id)
        if head // HINT_INTERVAL != last_version // HINT_INTERVAL:
            await self._raise_hint(stream_id, last_version, document_id)
        if key is not None:
            with contextlib.suppress(DuplicateKeyError):
                await self._command_inserts.insert({"_id": key, "commit_id": document_id})

    async def _raise_hint(self, stream_id: str, version: int, document_id: str) -> None:
        # Grouped with concurrent appends' hints; when a newer hint is stored the filter
        # matches nothing and the upsert's insert is refused.
        with contextlib.suppress(DuplicateKeyError):
            await grouped_upserts(self._heads).upsert(
                {"_id": stream_id, "version": {"$lt": version}},
                {"$set": {"version": version, "commit_id": document_id}},
            )

    async def _original_by_marker(
        self, key: str, command_id: str, fingerprint: str | None
    ) -> AppendResult | None:
        marker = await self._commands.find_one({"_id": key})
        if marker is None:
            return None
        commit = await self._commits.find_one({"_id": marker["commit_id"]})
        return None if commit is None else _original(commit, command_id, fingerprint)

    async def _original_after_collision(
        self,
        document_id: str,
        key: str,
        command_id: str,
        fingerprint: str | None,
        expected_version: int | None,
    ) -> AppendResult | None:
        """The command's original when the insert of ``document_id`` collided because the
        command was stored already; ``None`` when the collision was another writer's commit.

        FerretDB does not say which unique key collided, and finding a commit by its command key
        reads the whole collection there, so the cheap answers come first: the commit that holds
        ``document_id``, then the command's marker.
        """
        taken = await self._commits.find_one({"_id": document_id})
        if taken is not None and taken.get("command_key") == key:
            return _original(taken, command_id, fingerprint)
        original = await self._original_by_marker(key, command_id, fingerprint)
        if original is not None or (taken is not None and expected_version is None):
            # Another writer's commit took the version: the caller looks the head up again
            # and retries, and a retry that collides on the key alone comes back here.
            return original
        # A marker lost in a crash, or not yet written by a concurrent retry.
        return await self._original_by_key(key, command_id, fingerprint)

    async def _original_by_key(
        self, key: str, command_id: str, fingerprint: str | None
    ) -> AppendResult | None:
        # Reached only when an insert collided on the command's key with no marker written.
        commit = await self._commits.find_one({"command_key": key})
        return None if commit is None else _original(commit, command_id, fingerprint)


def _check_append(stream_id: str, events: Sequence[DomainEvent]) -> None:
    if not is_valid_stream_id(stream_id):
        raise ValueError(f"invalid stream id {stream_id!r}")
    if not events:
        raise ValueError("an append needs at least one event")
    if len(events) > MAX_EVENTS_PER_APPEND:
        raise ValueError(f"an append takes at most {MAX_EVENTS_PER_APPEND} events")


def _original(commit: Document, command_id: str, fingerprint: str | None) -> AppendResult:
    if fingerprint is not None and commit.get("fingerprint") not in (None, fingerprint):
        raise IdempotencyKeyReusedError(command_id=command_id)
    return AppendResult(
        stream_id=commit["stream_id"],
        events=tuple(EventEnvelope.model_validate_json(raw) for raw in commit["events"]),
        deduplicated=True,
    )
