"""Which indexes are created: every one on MongoDB; on FerretDB only those that do something."""

from pymongo import ASCENDING, IndexModel

from agora.eventsourcing.mongo_indexes import indexes_that_serve

UNIQUE = IndexModel([("command_key", ASCENDING)], unique=True, name="command_unique")
LOOKUP = IndexModel([("published", ASCENDING), ("stream_id", ASCENDING)], name="by_state")
EXPIRING = IndexModel([("seen_at", ASCENDING)], expireAfterSeconds=60, name="expiring")


def names(indexes: list[IndexModel]) -> list[str]:
    return [index.document["name"] for index in indexes]


def test_mongodb_gets_every_index() -> None:
    assert names(indexes_that_serve([UNIQUE, LOOKUP, EXPIRING], ferretdb=False)) == [
        "command_unique",
        "by_state",
        "expiring",
    ]


def test_ferretdb_gets_constraints_and_expiry_but_no_lookup_index_it_would_never_read() -> None:
    assert names(indexes_that_serve([UNIQUE, LOOKUP, EXPIRING], ferretdb=True)) == [
        "command_unique",
        "expiring",
    ]
