import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import AggregateRepository, ConcurrencyError, MongoEventStore
from agora.eventsourcing.errors import IdempotencyKeyReusedError
from agora.eventsourcing.lease import MongoLease
from agora.eventsourcing.mongo_store import (
    COMMANDS_COLLECTION,
    COMMITS_COLLECTION,
    HEADS_COLLECTION,
    HINT_INTERVAL,
)
from agora.eventsourcing.snapshots import SNAPSHOTS_COLLECTION, MongoSnapshotStore
from agora.eventsourcing.store import AppendResult
from agora.localinfra import InfraEndpoints
from tests.support.event_store_contract import EventStoreContract, new_stream
from tests.support.tally import (
    Tally,
    TallyIncremented,
    TallyOpened,
    increment,
    open_tally,
    registry,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def store(database: AsyncDatabase[dict[str, Any]]) -> MongoEventStore:
    store = MongoEventStore(database=database, source="/agora/test")
    await store.create_indexes()
    return store


class TestMongoEventStore(EventStoreContract):
    """The shared event-store contract, against real FerretDB."""


async def test_one_append_is_one_unpublished_commit_document(
    store: MongoEventStore, database: AsyncDatabase[dict[str, Any]]
) -> None:
    stream = new_stream()
    await store.append(
        stream_id=stream,
        expected_version=0,
        events=[TallyOpened(title="t"), TallyIncremented(by=1)],
    )
    commits = await database[COMMITS_COLLECTION].find({"stream_id": stream}).to_list()
    assert len(commits) == 1
    assert commits[0]["published"] is False
    assert (commits[0]["first_version"], commits[0]["last_version"]) == (1, 2)
    assert store.appended.is_set()


async def test_user_text_is_stored_exactly_as_given(store: MongoEventStore) -> None:
    stream = new_stream()
    text = "<script>alert('é')</script> $where {\"a.b\": [[1]]} \u202e"
    await store.append(stream_id=stream, expected_version=0, events=[TallyOpened(title=text)])
    (loaded,) = await store.load(stream)
    assert loaded.data["title"] == text


async def test_an_aggregate_loads_from_its_latest_snapshot(
    store: MongoEventStore, database: AsyncDatabase[dict[str, Any]]
) -> None:
    snapshots = MongoSnapshotStore(database=database)
    repository = AggregateRepository(
        aggregate=Tally(), store=store, registry=registry, snapshots=snapshots, snapshot_every=3
    )
    stream = new_stream()
    await repository.execute(stream_id=stream, decide=open_tally("t"))
    for _ in range(4):
        await repository.execute(stream_id=stream, decide=increment(2))
    snapshot = await database[SNAPSHOTS_COLLECTION].find_one({"_id": stream})
    assert snapshot is not None
    assert snapshot["version"] == 3
    loaded = await repository.load(stream)
    assert (loaded.version, loaded.state.total, loaded.state.title) == (5, 8, "t")
    # Proof that load used the snapshot: a snapshot with a different total shows through.
    await database[SNAPSHOTS_COLLECTION].update_one(
        {"_id": stream}, {"$set": {"state": '{"title": "t", "total": 100}'}}
    )
    assert (await repository.load(stream)).state.total == 104


async def test_a_lease_is_held_by_one_owner_until_released(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    first = MongoLease(database=database, name="relay:test", owner="a")
    second = MongoLease(database=database, name="relay:test", owner="b")
    assert await first.acquire()
    assert await first.acquire()  # renewing
    assert not await second.acquire()
    await first.release()
    assert await second.acquire()


async def test_creating_the_store_indexes_twice_is_harmless(store: MongoEventStore) -> None:
    await store.create_indexes()
    await store.create_indexes()
    stream = new_stream()
    await store.append(stream_id=stream, expected_version=0, events=[TallyOpened(title="t")])
    assert await store.stream_version(stream) == 1


async def test_a_stale_or_lost_head_hint_only_costs_lookups(
    store: MongoEventStore, database: AsyncDatabase[dict[str, Any]]
) -> None:
    stream = new_stream()
    await store.append(stream_id=stream, expected_version=0, events=[TallyOpened(title="t")])
    await store.append(stream_id=stream, expected_version=1, events=[TallyIncremented(by=1)] * 3)
    await database[HEADS_COLLECTION].delete_many({})
    assert await store.stream_version(stream) == 4
    await database[HEADS_COLLECTION].update_one({"_id": stream}, {"$set": {"version": 1}})
    assert await store.stream_version(stream) == 4
    result = await store.append(
        stream_id=stream, expected_version=4, events=[TallyIncremented(by=1)]
    )
    assert result.last_version == 5


async def test_a_newer_stored_hint_is_never_lowered(
    store: MongoEventStore, database: AsyncDatabase[dict[str, Any]]
) -> None:
    """Another process may have raised the hint past this one's append (in a race, or
    from a restored database): the raise then changes nothing and the append succeeds."""
    stream = new_stream()
    newer = {"_id": stream, "version": 1000, "commit_id": "another process's"}
    await database[HEADS_COLLECTION].insert_one(newer)
    await store.append(stream_id=stream, expected_version=0, events=[TallyOpened(title="t")])

    result = await store.append(
        stream_id=stream, expected_version=1, events=[TallyIncremented(by=1)] * HINT_INTERVAL
    )

    assert result.last_version == HINT_INTERVAL + 1
    assert await database[HEADS_COLLECTION].find_one({"_id": stream}) == newer


class CommandLog(monitoring.CommandListener):
    """The names of the database commands a client sends."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.find_filters: list[dict[str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.names.append(event.command_name)
        if event.command_name == "find":
            self.find_filters.append(dict(event.command.get("filter", {})))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@dataclass
class LoggedDatabase:
    """The test's database through a client that logs the commands it sends."""

    database: AsyncDatabase[dict[str, Any]]
    log: CommandLog

    def store(self) -> MongoEventStore:
        """A new store (a process of its own, remembering nothing) on the logged client."""
        return MongoEventStore(database=self.database, source="/agora/test")


@pytest.fixture
async def logged(
    infra_endpoints: InfraEndpoints, database: AsyncDatabase[dict[str, Any]]
) -> AsyncIterator[LoggedDatabase]:
    log = CommandLog()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        infra_endpoints.mongo_url, event_listeners=[log]
    )
    try:
        yield LoggedDatabase(database=client[database.name], log=log)
    finally:
        await client.close()


async def test_an_append_from_a_remembered_head_is_one_insert(
    logged: LoggedDatabase, database: AsyncDatabase[dict[str, Any]]
) -> None:
    log = logged.log
    store = logged.store()
    stream = new_stream()
    await store.append(stream_id=stream, expected_version=0, events=[TallyOpened(title="t")])
    for version in range(1, HINT_INTERVAL - 1):
        log.names.clear()
        await store.append(
            stream_id=stream, expected_version=version, events=[TallyIncremented(by=1)]
        )
        assert log.names == ["insert"]
    assert await database[HEADS_COLLECTION].count_documents({}) == 0
    log.names.clear()
    await store.append(stream_id=stream, expected_version=None, events=[TallyIncremented(by=1)])
    assert log.names[0] == "insert"  # crossing the interval raises the stored hint too
    assert await database[HEADS_COLLECTION].find_one({"_id": stream}) == {
        "_id": stream,
        "version": HINT_INTERVAL,
        "commit_id": f"{stream}@{HINT_INTERVAL}",
    }


async def test_an_append_creating_a_stream_is_one_insert_and_refused_if_it_exists(
    logged: LoggedDatabase,
) -> None:
    """Expecting version 0 needs no lookup, even in a process that never saw the stream: its
    first commit is ``stream@1``, and that insert fails when the stream has events."""
    log = logged.log
    creator = logged.store()
    stream = new_stream()
    await creator.append(stream_id=stream, expected_version=0, events=[TallyOpened(title="t")])
    assert log.names == ["insert"]

    elsewhere = logged.store()
    await elsewhere.append(stream_id=stream, expected_version=1, events=[TallyIncremented(by=1)])
    log.names.clear()
    with pytest.raises(ConcurrencyError) as refused:
        await creator.append(
            stream_id=stream, expected_version=0, events=[TallyOpened(title="again")]
        )
    assert log.names[0] == "insert"
    assert (refused.value.expected_version, refused.value.actual_version) == (0, 2)
    assert [e.streamversion for e in await creator.load(stream)] == [1, 2]


async def test_creating_an_aggregate_under_a_fresh_id_reads_nothing(
    logged: LoggedDatabase,
) -> None:
    """``expected_version=0`` loads nothing (no snapshot, no chain) and looks no command up:
    the commit's insert, then the marker's. A retry (under a fresh id of its own) collides on
    the command's key and gets the original, as does a reuse of the key with another body."""
    log = logged.log
    await logged.store().create_indexes()
    repository = AggregateRepository(
        aggregate=Tally(),
        store=logged.store(),
        registry=registry,
        snapshots=MongoSnapshotStore(database=logged.database),
    )
    stream = new_stream()
    log.names.clear()

    outcome = await repository.execute(
        stream_id=stream,
        decide=open_tally("Coffee"),
        expected_version=0,
        actor="person-1",
        command_id="create-1",
        command_fingerprint="coffee",
    )

    assert log.names == ["insert", "insert"]
    assert (outcome.version, outcome.state.title) == (1, "Coffee")
    retry = await repository.execute(
        stream_id=new_stream(),  # a retried creation comes with a fresh id of its own
        decide=open_tally("Coffee"),
        expected_version=0,
        actor="person-1",
        command_id="create-1",
        command_fingerprint="coffee",
    )
    assert retry.deduplicated
    assert [e.id for e in retry.events] == [e.id for e in outcome.events]
    assert retry.state.title == "Coffee"
    with pytest.raises(IdempotencyKeyReusedError):
        await repository.execute(
            stream_id=new_stream(),
            decide=open_tally("Tea"),
            expected_version=0,
            actor="person-1",
            command_id="create-1",
            command_fingerprint="tea",
        )
    with pytest.raises(ConcurrencyError) as exists:
        await repository.execute(
            stream_id=stream, decide=open_tally("Tea"), expected_version=0, command_id="other"
        )
    assert (exists.value.expected_version, exists.value.actual_version) == (0, 1)


async def test_a_version_conflict_of_a_keyed_command_reads_no_whole_collection(
    logged: LoggedDatabase,
) -> None:
    """A command with an idempotency key that loses the race for a version looks at the
    commit that took it and at its own marker, both by ``_id``: finding a commit by its
    command key would read every commit on FerretDB. It then appends after the winner."""
    log = logged.log
    await logged.store().create_indexes()
    winner, loser = logged.store(), logged.store()
    stream = new_stream()
    await winner.append(stream_id=stream, expected_version=0, events=[TallyOpened(title="t")])
    await loser.append(  # the loser remembers the head at version 2
        stream_id=stream, expected_version=1, events=[TallyIncremented(by=1)], command_id="a"
    )
    await winner.append(
        stream_id=stream, expected_version=None, events=[TallyIncremented(by=2)], command_id="b"
    )  # the winner takes version 3
    log.find_filters.clear()

    result = await loser.append(
        stream_id=stream, expected_version=None, events=[TallyIncremented(by=3)], command_id="c"
    )

    assert not result.deduplicated
    assert result.last_version == 4
    assert log.find_filters, "the collision was looked into"
    assert all(set(found) == {"_id"} for found in log.find_filters), log.find_filters


async def test_a_retry_stored_after_the_callers_check_is_found_by_its_collision(
    store: MongoEventStore,
) -> None:
    """``command_checked``: the caller's lookup found nothing, then a concurrent retry of the
    same command was stored (here: in another stream, as a creation under a fresh id): the
    append collides on the command's key and answers with what that retry stored."""
    first = await store.append(
        stream_id=new_stream(),
        expected_version=0,
        events=[TallyOpened(title="t")],
        actor="person-1",
        command_id="k1",
    )

    again = await store.append(
        stream_id=(elsewhere := new_stream()),
        expected_version=0,
        events=[TallyOpened(title="t")],
        actor="person-1",
        command_id="k1",
        command_checked=True,
    )

    assert again.deduplicated
    assert again.stream_id == first.stream_id
    assert [e.id for e in again.events] == [e.id for e in first.events]
    assert await store.stream_version(elsewhere) == 0


async def test_concurrent_appends_share_one_insert_and_each_learns_its_own_outcome(
    logged: LoggedDatabase,
) -> None:
    """Appends arriving together go out as one ``insert_many`` (group commit); an append that
    collides in the group is refused alone, the others are stored."""
    log = logged.log
    store = logged.store()
    streams = [new_stream() for _ in range(21)]
    opened = [TallyOpened(title="t")]
    for stream in streams:  # heads the store remembers: each append below is its insert
        await store.append(stream_id=stream, expected_version=0, events=opened)
    contested, others = streams[0], streams[1:]
    log.names.clear()

    outcomes = await asyncio.gather(
        *(
            store.append(stream_id=stream, expected_version=1, events=[TallyIncremented(by=1)])
            for stream in others
        ),
        *(
            store.append(stream_id=contested, expected_version=1, events=[TallyIncremented(by=n)])
            for n in range(1, 4)
        ),
        return_exceptions=True,
    )

    assert log.names.count("insert") == 1, log.names
    assert all(isinstance(outcome, AppendResult) for outcome in outcomes[:20]), outcomes
    refused = [outcome for outcome in outcomes[20:] if isinstance(outcome, ConcurrencyError)]
    assert len(refused) == 2, outcomes[20:]
    assert await store.stream_version(contested) == 2
    for stream in others:
        assert await store.stream_version(stream) == 2


async def test_processes_remembering_stale_heads_still_append_in_order(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    first = MongoEventStore(database=database, source="/agora/test")
    second = MongoEventStore(database=database, source="/agora/test")
    stream = new_stream()
    await first.append(stream_id=stream, expected_version=0, events=[TallyOpened(title="t")])
    await second.append(stream_id=stream, expected_version=1, events=[TallyIncremented(by=1)])

    with pytest.raises(ConcurrencyError) as raised:  # ``first`` still remembers version 1
        await first.append(stream_id=stream, expected_version=1, events=[TallyIncremented(by=2)])
    assert raised.value.actual_version == 2

    await second.append(stream_id=stream, expected_version=2, events=[TallyIncremented(by=3)])
    landed = await first.append(  # remembers 2 now; the store holds 3
        stream_id=stream, expected_version=None, events=[TallyIncremented(by=4)]
    )
    assert landed.last_version == 4
    commits = await database[COMMITS_COLLECTION].find({"stream_id": stream}).to_list()
    chain = {c["_id"]: c["previous_commit"] for c in commits}
    assert chain == {
        f"{stream}@1": None,
        f"{stream}@2": f"{stream}@1",
        f"{stream}@3": f"{stream}@2",
        f"{stream}@4": f"{stream}@3",
    }
    assert [e.payload(registry).by for e in (await second.load(stream))[1:]] == [1, 3, 4]  # type: ignore[attr-defined]


async def test_loading_from_inside_a_batch_returns_the_rest_of_it(store: MongoEventStore) -> None:
    stream = new_stream()
    await store.append(
        stream_id=stream, expected_version=0, events=[TallyIncremented(by=n) for n in range(4)]
    )
    assert [e.streamversion for e in await store.load(stream, after_version=2)] == [3, 4]
    assert await store.load(stream, after_version=4) == []


async def test_a_command_whose_marker_was_lost_in_a_crash_is_still_stored_once(
    store: MongoEventStore, database: AsyncDatabase[dict[str, Any]]
) -> None:
    stream = new_stream()
    first = await store.append(
        stream_id=stream,
        expected_version=0,
        events=[TallyOpened(title="t")],
        actor="person-1",
        command_id="k-crash",
    )
    await database[COMMANDS_COLLECTION].delete_many({})  # as if the process died right here
    assert await store.command_result(actor="person-1", command_id="k-crash") is None
    retry = await store.append(
        stream_id=stream,
        expected_version=None,
        events=[TallyOpened(title="t")],
        actor="person-1",
        command_id="k-crash",
    )
    assert retry.deduplicated
    assert [e.id for e in retry.events] == [e.id for e in first.events]
    assert await store.stream_version(stream) == 1


async def test_of_many_contenders_for_a_lapsed_lease_exactly_one_wins(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    lapsed = MongoLease(database=database, name="rebuild:x", owner="gone", ttl=timedelta(0))
    assert await lapsed.acquire()
    contenders = [MongoLease(database=database, name="rebuild:x", owner=f"c{n}") for n in range(10)]
    for _ in range(3):  # races are probabilistic: give a lost update several chances
        results = await asyncio.gather(*(c.acquire() for c in contenders))
        assert sum(results) == 1
        winner = contenders[results.index(True)]
        await winner.release()
        await MongoLease(
            database=database, name="rebuild:x", owner="gone", ttl=timedelta(0)
        ).acquire()


async def test_a_lease_past_its_expiry_is_taken_over(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    old = MongoLease(database=database, name="relay:y", owner="old", ttl=timedelta(0))
    assert await old.acquire()
    new = MongoLease(database=database, name="relay:y", owner="new")
    assert await new.acquire()
    assert not await old.acquire()
