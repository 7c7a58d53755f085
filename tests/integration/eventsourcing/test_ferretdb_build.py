"""What our FerretDB build fixes, on whichever backend the stack runs (AGORA_FERRETDB_BACKEND)."""

import asyncio
import operator
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from bson import Binary, ObjectId, Regex, Timestamp
from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, WriteError

from agora.localinfra.install import ID_IN_PUSHDOWN_LIMIT, UPDATE_MANY_BATCH
from agora.localinfra.paths import run_dir
from agora.localinfra.profiles import SQLITE, load_profile

pytestmark = pytest.mark.integration

# More than either backend's connection pool: SQLite 100, PostgreSQL 200 (our setting).
STATEMENTS = 250


async def test_an_update_command_with_more_statements_than_the_pool_completes(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """Upstream 1.24.2 held a pooled connection per statement until the command ended and
    hung for good once the pool ran out; our build releases each statement's connection."""
    commits = database["commits"]
    await commits.insert_many([{"_id": f"c{n}", "published": False} for n in range(STATEMENTS)])
    marks = [UpdateOne({"_id": f"c{n}"}, {"$set": {"published": True}}) for n in range(STATEMENTS)]

    result = await asyncio.wait_for(commits.bulk_write(marks), timeout=60)

    assert result.modified_count == STATEMENTS
    assert await commits.count_documents({"published": True}) == STATEMENTS


async def test_an_update_of_many_documents_changes_each_once_across_batches(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """Our build writes a multi-document update's documents ``UPDATE_MANY_BATCH`` at a time."""
    count = 2 * UPDATE_MANY_BATCH + 500
    things = database["things"]
    await things.insert_many([{"_id": n, "n": n, "kind": "a"} for n in range(count)])
    await things.insert_one({"_id": "other", "n": 0, "kind": "b"})

    result = await things.update_many({"kind": "a"}, {"$inc": {"n": 10_000}})

    assert (result.matched_count, result.modified_count) == (count, count)
    found = {document["_id"]: document["n"] async for document in things.find()}
    expected: dict[int | str, int] = {n: n + 10_000 for n in range(count)}
    assert found == {**expected, "other": 0}
    unchanged = await things.update_many({"kind": "a"}, {"$set": {"kind": "a"}})
    assert (unchanged.matched_count, unchanged.modified_count) == (count, 0)


async def test_a_document_an_update_cannot_change_ends_it_after_the_ones_before(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """As upstream (and MongoDB): the documents before the failing one stay updated, also
    those our build still held in an unwritten batch."""
    before = UPDATE_MANY_BATCH + 500
    things = database["things"]
    await things.insert_many([{"_id": n, "n": n} for n in range(before)])
    await things.insert_one({"_id": before, "n": "not a number"})

    with pytest.raises(WriteError):
        await things.update_many({}, {"$inc": {"n": 1}})

    found = {document["_id"]: document["n"] async for document in things.find()}
    assert found == {**{n: n + 1 for n in range(before)}, before: "not a number"}


def _statements_with_a_taken_id() -> list[UpdateOne]:
    """Four upserts; the third matches nothing and its insert would take a taken ``_id``."""
    return [
        UpdateOne({"_id": "a"}, {"$inc": {"n": 1}}, upsert=True),
        UpdateOne({"_id": "new 1"}, {"$set": {"n": 5}}, upsert=True),
        UpdateOne({"_id": "b", "done": {"$ne": True}}, {"$set": {"n": 9}}, upsert=True),
        UpdateOne({"_id": "new 2"}, {"$set": {"n": 7}}, upsert=True),
    ]


@pytest.mark.parametrize("ordered", [True, False])
async def test_a_failed_statement_is_reported_under_its_index_after_the_ones_before(
    database: AsyncDatabase[dict[str, Any]], ordered: bool
) -> None:
    """As MongoDB: the statements before the failed one are written and counted, an ordered
    command stops there, an unordered one goes on. Upstream answered a bare error (nothing
    counted, as if nothing were written) and ignored ``ordered``."""
    things = database["things"]
    await things.insert_many([{"_id": "a", "n": 1}, {"_id": "b", "n": 1, "done": True}])

    with pytest.raises(BulkWriteError) as raised:
        await things.bulk_write(_statements_with_a_taken_id(), ordered=ordered)

    details = raised.value.details
    assert [(error["index"], error["code"]) for error in details["writeErrors"]] == [(2, 11000)]
    assert details["nMatched"] == 1
    upserted = [(entry["index"], entry["_id"]) for entry in details["upserted"]]
    found = {document["_id"]: document["n"] async for document in things.find()}
    if ordered:
        assert upserted == [(1, "new 1")]
        assert found == {"a": 2, "b": 1, "new 1": 5}
    else:
        assert upserted == [(1, "new 1"), (3, "new 2")]
        assert found == {"a": 2, "b": 1, "new 1": 5, "new 2": 7}


async def test_an_upserted_document_is_reported_under_its_statement_index(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """Upstream numbered upserts by their place among the upserts, not by statement."""
    things = database["things"]
    await things.insert_one({"_id": "old", "n": 1})

    result = await things.bulk_write(
        [
            UpdateOne({"_id": "old"}, {"$inc": {"n": 1}}, upsert=True),
            UpdateOne({"_id": "new"}, {"$set": {"n": 1}}, upsert=True),
        ]
    )

    assert result.upserted_ids == {1: "new"}
    assert (result.matched_count, result.modified_count) == (1, 1)


async def test_statements_of_one_command_see_what_the_ones_before_wrote(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """Our build holds the documents a command's statements change and writes them together;
    a statement that could read a held document runs after they are written."""
    things = database["things"]
    await things.insert_many([{"_id": "x", "n": 0}, {"_id": 1, "n": 0}, {"_id": "y", "n": 0}])

    await things.bulk_write(
        [
            UpdateOne({"_id": "x"}, {"$inc": {"n": 1}}),
            UpdateOne({"_id": "x"}, {"$inc": {"n": 1}}),  # the same _id again
            UpdateOne({"_id": "x", "n": 2}, {"$set": {"saw": 2}}),
            UpdateOne({"_id": 1}, {"$inc": {"n": 1}}),
            UpdateOne({"_id": 1.0}, {"$inc": {"n": 1}}),  # equal to 1, not by its text
            UpdateOne({"_id": "y"}, {"$set": {"flag": True}}),
            UpdateOne({"flag": True}, {"$set": {"found by flag": True}}),  # no _id
            UpdateOne({"_id": "x"}, {"$set": {"kind": "k"}}),
            UpdateOne({"kind": "k", "saw": 2}, {"$inc": {"n": 10}}, upsert=True),
        ]
    )

    assert await things.find({}, sort={"n": 1}).to_list() == [
        {"_id": "y", "n": 0, "flag": True, "found by flag": True},
        {"_id": 1, "n": 2},
        {"_id": "x", "n": 12, "saw": 2, "kind": "k"},
    ]


async def test_a_command_of_more_statements_than_one_batch_writes_each_once(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    count = 2 * UPDATE_MANY_BATCH + 500
    things = database["things"]
    await things.insert_many([{"_id": f"t{n}", "n": n} for n in range(count)])

    result = await things.bulk_write(
        [UpdateOne({"_id": f"t{n}"}, {"$inc": {"n": 10_000}}) for n in range(count)]
    )

    assert (result.matched_count, result.modified_count) == (count, count)
    found = {document["_id"]: document["n"] async for document in things.find()}
    assert found == {f"t{n}": n + 10_000 for n in range(count)}


async def test_documents_written_together_find_their_rows_whatever_their_id_type(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """Our build writes a command's documents with one ``UPDATE … FROM (VALUES …)`` joined on
    the stored ``_id``'s JSON text; every type of ``_id`` must find its own row."""
    things = database["things"]
    ids: list[Any] = [
        "7",
        7,
        7.5,
        ObjectId(),
        'a"quote',
        "é",
        True,
        datetime(2026, 1, 1, tzinfo=UTC),
    ]
    await things.insert_many([{"_id": key, "n": 0} for key in ids])

    await things.bulk_write([UpdateOne({"_id": key}, {"$inc": {"n": 1}}) for key in ids * 2])
    await things.update_many({}, {"$inc": {"n": 10}})

    found = [document["n"] async for document in things.find()]
    assert found == [12] * len(ids)


@pytest.mark.parametrize("ordered", [True, False])
async def test_the_statements_before_a_failed_one_are_written_with_it_held_back(
    database: AsyncDatabase[dict[str, Any]], ordered: bool
) -> None:
    things = database["things"]
    await things.insert_many(
        [{"_id": "a", "n": 1}, {"_id": "b", "n": "text"}, {"_id": "c", "n": 1}]
    )

    with pytest.raises(BulkWriteError) as raised:
        await things.bulk_write(
            [UpdateOne({"_id": key}, {"$inc": {"n": 1}}) for key in ("a", "b", "c")],
            ordered=ordered,
        )

    assert [error["index"] for error in raised.value.details["writeErrors"]] == [1]
    found = {document["_id"]: document["n"] async for document in things.find()}
    assert found == {"a": 2, "b": "text", "c": 1 if ordered else 2}


async def test_id_lookups_find_exactly_the_document_among_similar_ones(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """On PostgreSQL our build compares `_id` with `=` on its index instead of `@>`."""
    stream = database["stream"]
    await stream.insert_many([{"_id": f"s@{n}", "n": n} for n in range(1, 30)])

    assert await stream.find_one({"_id": "s@3"}) == {"_id": "s@3", "n": 3}
    assert await stream.find_one({"_id": "s@3", "n": {"$lt": 3}}) is None
    assert await stream.find_one({"_id": "s@30"}) is None
    assert [doc["_id"] async for doc in stream.find({"_id": "s@12"})] == ["s@12"]


async def test_an_id_list_finds_exactly_the_named_documents(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """`_id: {$in: [...]}` reads the named rows by the index in our build; the answer is the
    one MongoDB gives, whatever the list holds."""
    posts = database["posts"]
    object_id = ObjectId()
    await posts.insert_many(
        [{"_id": f"p{n}", "n": n} for n in range(1, 40)] + [{"_id": object_id}, {"_id": 7}]
    )

    async def ids(query: dict[str, Any]) -> list[Any]:
        return [doc["_id"] async for doc in posts.find(query).sort("n", 1)]

    assert await ids({"_id": {"$in": ["p3", "p12", "missing", "p3", object_id]}}) == [
        object_id,
        "p3",
        "p12",
    ]
    assert await ids({"_id": {"$in": ["p3", "p12"]}, "n": {"$gt": 5}}) == ["p12"]
    # Not read by the index (an element is neither a string nor an ObjectId), still right.
    assert await ids({"_id": {"$in": ["p5", 7]}}) == [7, "p5"]
    # Longer than our build reads by the index: filtered as upstream does.
    many = [f"p{n}" for n in range(ID_IN_PUSHDOWN_LIMIT + 1)]
    assert len(await ids({"_id": {"$in": many}})) == 39
    assert await ids({"_id": {"$in": []}}) == []


async def test_an_id_list_of_strings_is_read_through_the_id_index(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """FerretDB's explain says whether the filter reached the storage (MongoDB: no such key)."""
    posts = database["posts"]
    await posts.insert_many([{"_id": f"p{n}"} for n in range(10)])

    async def pushed_down(query: dict[str, Any]) -> bool | None:
        plan = await database.command("explain", {"find": "posts", "filter": query})
        return cast(bool | None, plan.get("filterPushdown"))

    if await pushed_down({"_id": "p1"}) is None:
        pytest.skip("not FerretDB: MongoDB reads `$in` on `_id` by its index")
    assert await pushed_down({"_id": {"$in": ["p1", "p2"]}}) is True
    assert await pushed_down({"_id": {"$in": ["p1", ObjectId()]}, "other": 1}) is True
    assert await pushed_down({"_id": {"$in": ["p1", 2]}}) is False
    assert await pushed_down({"_id": {"$in": ["p1"] * (ID_IN_PUSHDOWN_LIMIT + 1)}}) is False


# `_id`s among which a range read must keep MongoDB's answer: plain ones (ASCII '#' to '~')
# and ones whose JSON text is not plain (escapes, spaces, '!') or sorts beside the bounds.
PLAIN_IDS = [f"t:a|{n:04d}" for n in range(60)] + [f"t:b|{n:04d}" for n in range(5)]
AWKWARD_IDS = [
    "t:a|0010 x",  # a space: JSON text sorts below the closing quote
    "t:a|0011!",
    't:a|0020"q',  # escaped quote
    "t:a|0030\\",
    "t:a|0040<",  # escaped by FerretDB's JSON
    "t:a|0050\n",
    "t:a|\u00e9t\u00e9",
    "t:a|",
    "t:a",
    "t:a|~",
]


async def test_an_id_range_sorted_by_id_answers_as_mongodb_does(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """Our build reads `{_id: {$gt: a, $lt: b}}` sorted by `_id` from the index on SQLite,
    with the limit; the answer must stay exact for any `_id` the collection holds."""
    entries = database["entries"]
    await entries.insert_many([{"_id": id_} for id_ in PLAIN_IDS + AWKWARD_IDS])
    # Not strings, though FerretDB keeps them as JSON strings: never in a string range.
    await entries.insert_many(
        [{"_id": ObjectId()} for _ in range(5)] + [{"_id": b"t:a|0005"}, {"_id": 12}]
    )
    strings = PLAIN_IDS + AWKWARD_IDS

    async def read(low: dict[str, str], high: dict[str, str], order: int, limit: int) -> list[Any]:
        query = {"_id": {**low, **high}}
        return [doc["_id"] async for doc in entries.find(query).sort("_id", order).limit(limit)]

    for low, high in [
        ({"$gt": "t:a|"}, {"$lt": "t:a|~"}),
        ({"$gte": "t:a|"}, {"$lte": "t:a|~"}),
        ({"$gt": "t:a|0010"}, {"$lt": "t:a|0021"}),
        ({"$gte": "t"}, {"$lt": "u"}),
        # Bounds that are not plain: filtered as upstream does, still right.
        ({"$gt": "t:a| "}, {"$lt": "t:a|0011!"}),
    ]:
        matching = sorted(s for s in strings if _within(s, low) and _within(s, high))
        for order in (1, -1):
            expected = matching if order == 1 else matching[::-1]
            for limit in (0, 1, 7, 30, 1000):
                assert await read(low, high, order, limit) == (
                    expected[:limit] if limit else expected
                ), (low, high, order, limit)


_COMPARISONS: dict[str, Callable[[str, str], bool]] = {
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$lte": operator.le,
}


def _within(value: str, bound: dict[str, str]) -> bool:
    """Python compares strings by code point, which is MongoDB's (UTF-8 byte) order."""
    ((name, limit),) = bound.items()
    return _COMPARISONS[name](value, limit)


async def test_writes_by_id_range_change_exactly_the_documents_in_it(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """Updates and deletes by an `_id` range read the same rows as a find."""
    entries = database["entries"]
    await entries.insert_many([{"_id": id_, "seen": False} for id_ in PLAIN_IDS + AWKWARD_IDS])

    updated = await entries.update_many(
        {"_id": {"$gte": "t:a|0010", "$lt": "t:a|0020"}}, {"$set": {"seen": True}}
    )
    deleted = await entries.delete_many({"_id": {"$gt": "t:a|", "$lte": "t:a|0004"}})

    assert updated.modified_count == 12  # 0010 to 0019, "t:a|0010 x" and "t:a|0011!"
    assert deleted.deleted_count == 5  # 0000 to 0004
    assert await entries.count_documents({"seen": True}) == 12
    assert await entries.count_documents({}) == len(PLAIN_IDS + AWKWARD_IDS) - 5


async def test_an_id_range_of_plain_strings_is_read_in_order_through_the_index(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """On SQLite the range, its `_id` order and the limit all reach the storage."""
    entries = database["entries"]
    await entries.insert_many([{"_id": id_} for id_ in PLAIN_IDS])

    async def pushdown(query: dict[str, Any], sort: dict[str, int]) -> dict[str, Any]:
        command = {"find": "entries", "filter": query, "sort": sort, "limit": 30}
        plan = await database.command("explain", command)
        return {key: plan.get(key) for key in ("filterPushdown", "sortPushdown", "limitPushdown")}

    plain = {"_id": {"$gt": "t:a|", "$lt": "t:a|~"}}
    found = await pushdown(plain, {"_id": -1})
    if found["filterPushdown"] is None:
        pytest.skip("not FerretDB: MongoDB reads `_id` ranges by its index")
    if load_profile("test").ferretdb_backend != SQLITE:
        assert found == {"filterPushdown": False, "sortPushdown": False, "limitPushdown": False}
        return
    expected = {"filterPushdown": True, "sortPushdown": True, "limitPushdown": True}
    assert found == expected
    assert await pushdown(plain, {"_id": 1}) == expected
    # Another sort key, another filter key or bounds that are not plain: not pushed down.
    assert (await pushdown(plain, {"other": 1}))["limitPushdown"] is False
    assert (await pushdown({**plain, "other": 1}, {"_id": -1}))["limitPushdown"] is False
    not_plain = {"_id": {"$gt": "t:a| ", "$lt": "t:a|~"}}
    assert (await pushdown(not_plain, {"_id": -1}))["limitPushdown"] is False


async def test_documents_of_every_stored_type_read_back_exactly_as_written(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """Our build decodes stored documents with its own single-pass decoder (upstream's remains
    for anything unexpected): every BSON type FerretDB stores, nested and escaped, must come
    back as written, whichever decoder read it."""
    text = 'é<b>&amp;"quoted"\\ \n\t\u2028 日本 😀 \x01 /'
    moon_landing = datetime(1969, 7, 20, 20, 17, 40, 123000, tzinfo=UTC)
    document: dict[str, Any] = {
        "_id": "every-type",
        "string": text,
        "empty string": "",
        "int": -(2**31),
        "long": 2**63 - 1,
        "negative long": -(2**63),
        "double": 1.5e300,
        "negative zero": -0.0,  # reads back as 0.0, equal to it (lost before either decoder)
        "tiny": 5e-324,
        "true": True,
        "false": False,
        "null": None,
        "date": moon_landing,
        "object id": ObjectId("5f1e0c9a8b7d6c5e4f3a2b1c"),
        "binary": b"\x00\xffbytes",  # subtype 0, which PyMongo reads as bytes
        "user binary": Binary(b"\x01\x02", 0x80),
        "uuid binary": Binary(b"0123456789abcdef", 4),
        "regex": Regex("^é.*[a-z]$", "im"),
        "timestamp": Timestamp(1_700_000_000, 7),
        "nested": {
            "deeper": {"list": [1, "two", 3.5, None, {"k": [True, {}]}], "empty": {}},
            "clé <b> & 日本 😀": "a key beyond ASCII",
            'a "quoted" key\\ with\ta tab': "a key JSON escapes",
        },
        "mixed list": [{}, "", 0, -1, 2**40, {"a": {"b": [text]}}],  # no arrays in arrays in 1.x
        "keys in order": {"z": 1, "a": 2, "m": 3},
    }
    collection = database["every_type"]
    await collection.insert_one(document)

    read = await collection.find_one({"_id": "every-type"})

    expected = {**document, "date": moon_landing.replace(tzinfo=None)}  # PyMongo reads naive UTC
    assert read == expected
    assert read is not None
    assert list(read["keys in order"]) == ["z", "a", "m"]
    assert [found async for found in collection.find({"_id": {"$in": ["every-type"]}})] == [
        expected
    ]


WAL_UPDATES = 4000
WAL_WRITERS = 8


async def test_the_sqlite_wal_starts_over_under_concurrent_updates(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """Upstream's updates held their read (a WAL snapshot) while writing, and SQLite's own
    checkpoint never let the WAL start over while clients kept reading: 4,000 updates by 8
    clients left a WAL of about 30 MB, growing without end. Our build reads before writing and
    checkpoints every thousand writes to a file, so the WAL stays a few megabytes."""
    if load_profile("test").ferretdb_backend != SQLITE:
        pytest.skip("the WAL is SQLite's")
    wal = run_dir("test") / "data" / "ferretdb" / f"{database.name}.sqlite-wal"
    tallies = database["tallies"]
    ids = [f"t{n}" for n in range(400)]
    await tallies.insert_many([{"_id": id_, "count": 0} for id_ in ids])
    if not wal.exists():
        pytest.skip(f"not this stack's FerretDB: no {wal}")
    numbers = iter(range(WAL_UPDATES))

    async def writer() -> None:
        for number in numbers:
            await tallies.update_one({"_id": ids[number % len(ids)]}, {"$inc": {"count": 1}})

    await asyncio.gather(*(writer() for _ in range(WAL_WRITERS)))

    assert sum([doc["count"] async for doc in tallies.find({})]) == WAL_UPDATES
    assert wal.stat().st_size < 16 * 2**20, f"the WAL holds {wal.stat().st_size:,} bytes"


SLOW_CHECKPOINT_LOG = "slow WAL checkpoint"
CHECKPOINT_WRITES = 1000
"""``SQLiteCheckpointEvery`` in fsql_agora_checkpoint.go."""


async def test_a_slow_checkpoint_is_logged(database: AsyncDatabase[dict[str, Any]]) -> None:
    """Every write to a file waits for its checkpoint, so a slow one is logged: a thousand
    32 KB documents make a WAL of some 8,000 pages, whose copy and sync take longer than the
    20 ms threshold."""
    if load_profile("test").ferretdb_backend != SQLITE:
        pytest.skip("the WAL is SQLite's")
    log = run_dir("test") / "logs" / "ferretdb.log"
    wal = run_dir("test") / "data" / "ferretdb" / f"{database.name}.sqlite-wal"
    blobs = database["blobs"]
    await blobs.insert_one({"_id": "first"})
    if not (log.exists() and wal.exists()):
        pytest.skip(f"not this stack's FerretDB: no {log} or {wal}")
    logged_before = log.read_text(errors="replace").count(SLOW_CHECKPOINT_LOG)

    for number in range(CHECKPOINT_WRITES):
        await blobs.insert_one({"_id": number, "blob": Binary(bytes(32 * 1024))})

    for _ in range(50):
        if log.read_text(errors="replace").count(SLOW_CHECKPOINT_LOG) > logged_before:
            return
        await asyncio.sleep(0.1)
    pytest.fail("no slow checkpoint was logged")
