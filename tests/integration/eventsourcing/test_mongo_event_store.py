from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import AggregateRepository, MongoEventStore
from agora.eventsourcing.lease import MongoLease
from agora.eventsourcing.mongo_store import COMMITS_COLLECTION
from agora.eventsourcing.snapshots import SNAPSHOTS_COLLECTION, MongoSnapshotStore
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
