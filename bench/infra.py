"""Where the benchmark runs: given endpoints, or the local test-profile stack; per-run names."""

import contextlib
import logging
import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from agora.eventsourcing.topics import dead_letter_topic_name
from agora.localinfra import LocalStack
from agora.localinfra.paths import file_lock
from agora.localinfra.profiles import POSTGRESQL

KAFKA_VARIABLE = "AGORA_BENCH_KAFKA_BOOTSTRAP"
MONGO_VARIABLE = "AGORA_BENCH_MONGO_URL"
STACK_PROFILE = "test"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BenchEndpoints:
    """The broker and database one run measures, and where they came from."""

    kafka_bootstrap: str
    mongo_url: str
    origin: str
    storage_address: str | None = None
    """Where the database FerretDB stores into listens (PostgreSQL), when it is a server."""


@dataclass(frozen=True)
class RunNames:
    """Topics, database and projection of one run, unique so runs never see each other's data."""

    run_id: str

    @classmethod
    def fresh(cls) -> "RunNames":
        """Names for a new run."""
        return cls(uuid.uuid4().hex[:10])

    @property
    def database(self) -> str:
        """The database holding the raw collection, the event store and the read model."""
        return f"bench_{self.run_id}"

    @property
    def raw_topic(self) -> str:
        """The topic of the raw Kafka measurement."""
        return f"agora.bench{self.run_id}.raw"

    @property
    def event_topic(self) -> str:
        """The topic the relay publishes the pipeline's events to."""
        return f"agora.bench{self.run_id}.events"

    @property
    def projection(self) -> str:
        """The projection's name (its consumer group and read-model collection derive from it)."""
        return f"bench_{self.run_id}"

    @property
    def topics(self) -> list[str]:
        """Every topic the run creates, the projection's dead-letter topic included."""
        return [self.raw_topic, self.event_topic, dead_letter_topic_name(self.projection)]


def _report(message: str) -> None:
    print(f"[infra] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def bench_endpoints() -> Iterator[BenchEndpoints]:
    """Given endpoints, else the test stack: reused when it runs, else started and later stopped."""
    kafka = os.environ.get(KAFKA_VARIABLE)
    mongo = os.environ.get(MONGO_VARIABLE)
    if kafka or mongo:
        if not (kafka and mongo):
            raise SystemExit(f"set both {KAFKA_VARIABLE} and {MONGO_VARIABLE}, or neither")
        yield BenchEndpoints(kafka, mongo, f"given by {KAFKA_VARIABLE} and {MONGO_VARIABLE}")
        return
    stack = LocalStack(profile=STACK_PROFILE, report=_report)
    was_running = True
    try:
        with _lease(stack):
            was_running = stack.is_running()
            endpoints = stack.start()
            origin = f"local {STACK_PROFILE} stack, " + (
                "already running (reused)" if was_running else "started by the benchmark"
            )
            origin += f", FerretDB on {stack.profile.ferretdb_backend}"
            storage = (
                f"127.0.0.1:{stack.profile.postgresql_port}"
                if stack.profile.ferretdb_backend == POSTGRESQL
                else None
            )
            yield BenchEndpoints(endpoints.kafka_bootstrap, endpoints.mongo_url, origin, storage)
    finally:
        if not was_running:  # our lease is gone by now: only other users keep it running
            _stop_unless_in_use(stack)


@contextlib.contextmanager
def _lease(stack: LocalStack) -> Iterator[None]:
    """Hold a lease on the stack as pytest sessions do (a file named by our pid), so a pytest
    session that started the stack does not stop it under a running benchmark."""
    sessions = stack.layout.root / "pytest-sessions"
    lease = sessions / str(os.getpid())
    with file_lock(sessions / "lock"):
        ours = not lease.exists()  # inside a pytest session, the lease is the session's
        lease.touch()
    try:
        yield
    finally:
        if ours:
            with file_lock(sessions / "lock"):
                lease.unlink(missing_ok=True)


def _stop_unless_in_use(stack: LocalStack) -> None:
    """Stop the stack we started, unless a pytest session has started using it meanwhile."""
    sessions = stack.layout.root / "pytest-sessions"
    if sessions.is_dir():
        with file_lock(sessions / "lock"):
            users = [path for path in sessions.glob("[0-9]*") if _alive(int(path.name))]
        if users:
            _report(f"leaving the {STACK_PROFILE} stack running: pytest sessions use it")
            return
    stack.stop()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def clean_up(
    *, endpoints: BenchEndpoints, names: RunNames, client: AsyncMongoClient[dict[str, Any]]
) -> None:
    """Drop the run's database and delete its topics; failures are reported, not raised."""
    await drop_run(endpoints=endpoints, database=names.database, topics=names.topics, client=client)


async def drop_run(
    *,
    endpoints: BenchEndpoints,
    database: str,
    topics: list[str],
    client: AsyncMongoClient[dict[str, Any]],
) -> None:
    """Drop a database and delete topics; failures are reported, not raised."""
    try:
        await client.drop_database(database)
    except Exception as error:
        _report(f"could not drop database {database}: {error!r}")
    admin = AIOKafkaAdminClient(bootstrap_servers=endpoints.kafka_bootstrap)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        doomed = [topic for topic in topics if topic in existing]
        if doomed:
            await admin.delete_topics(doomed)
    except Exception as error:
        _report(f"could not delete topics {topics}: {error!r}")
    finally:
        await admin.close()
