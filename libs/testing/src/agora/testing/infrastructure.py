"""Pytest plugin: the session fixture `infra_endpoints` hands tests real Kafka, Mongo and ES.

Sources, in order: endpoints given in AGORA_TEST_KAFKA_BOOTSTRAP, AGORA_TEST_MONGO_URL and
AGORA_TEST_ELASTICSEARCH_URL; containers when a Docker engine answers; otherwise the local `test`
profile stack (reused when it already runs; AGORA_TEST_KEEP_INFRA=1 leaves it running).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import docker
import pytest
from docker.errors import DockerException
from testcontainers.community.elasticsearch import ElasticSearchContainer
from testcontainers.community.kafka import KafkaContainer
from testcontainers.community.mongodb import MongoDbContainer

from agora.localinfra import ComponentError, InfraEndpoints, InfraError, LocalStack
from agora.localinfra.paths import file_lock

KEEP_INFRA_VARIABLE = "AGORA_TEST_KEEP_INFRA"
# Confluent Platform 7.9 ships Apache Kafka 3.9, the version the local stack runs.
KAFKA_IMAGE = "confluentinc/cp-kafka:7.9.1"
MONGO_IMAGE = "mongo:7.0"
ELASTICSEARCH_IMAGE = "docker.elastic.co/elasticsearch/elasticsearch:7.10.2"


def external_endpoints(environ: Mapping[str, str]) -> InfraEndpoints | None:
    """Return endpoints from the AGORA_TEST_* variables when all three are set."""
    kafka = environ.get("AGORA_TEST_KAFKA_BOOTSTRAP")
    mongo = environ.get("AGORA_TEST_MONGO_URL")
    elasticsearch = environ.get("AGORA_TEST_ELASTICSEARCH_URL")
    if kafka and mongo and elasticsearch:
        return InfraEndpoints(kafka, mongo, elasticsearch)
    return None


@functools.cache
def docker_available() -> bool:
    """Whether a Docker engine answers a ping (asked once per session)."""
    try:
        return bool(docker.from_env().ping())
    except (DockerException, OSError):
        return False


@contextmanager
def container_endpoints() -> Iterator[InfraEndpoints]:
    """Run Kafka, MongoDB and Elasticsearch containers for the duration of the block."""
    kafka = (
        KafkaContainer(KAFKA_IMAGE)
        .with_kraft()
        .with_env("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
        .with_env("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
        .with_env("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
    )
    mongo = MongoDbContainer(MONGO_IMAGE)
    elasticsearch = (
        ElasticSearchContainer(ELASTICSEARCH_IMAGE)
        .with_env("discovery.type", "single-node")
        .with_env("ES_JAVA_OPTS", "-Xms1g -Xmx1g")
    )
    with kafka, mongo, elasticsearch:
        host = elasticsearch.get_container_host_ip()
        port = elasticsearch.get_exposed_port(elasticsearch.port)
        yield InfraEndpoints(
            kafka_bootstrap=kafka.get_bootstrap_server(),
            mongo_url=mongo.get_connection_url(),
            elasticsearch_url=f"http://{host}:{port}",
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def local_endpoints(keep: bool) -> Iterator[InfraEndpoints]:
    """Run the `test` profile stack; the last pytest session using it stops it, if one started it.

    Sessions (several pytest runs, or xdist workers) each hold a lease file named by their pid;
    a stack started by `agora-infra up --profile test`, or with keep set, is never stopped here.
    """
    stack = LocalStack("test")
    sessions = stack.layout.root / "pytest-sessions"
    started_by_pytest = sessions / "started-by-pytest"
    lease = sessions / str(os.getpid())
    with file_lock(sessions / "lock"):
        if not stack.is_running() and not keep:
            # The test stack is disposable: starting from empty data keeps topics and indices
            # left by earlier runs from piling up (thousands of partitions slow Kafka down).
            stack.discard_data()
            started_by_pytest.touch()
        lease.touch()
    try:
        try:
            endpoints = stack.start()
        except ComponentError as error:
            pytest.fail(f"local test stack: {error}\n{error.log_tail}", pytrace=False)
        yield endpoints
    finally:
        with file_lock(sessions / "lock"):
            lease.unlink()
            if keep:
                started_by_pytest.unlink(missing_ok=True)
            others = [p for p in sessions.glob("[0-9]*") if _alive(int(p.name))]
            if started_by_pytest.exists() and not others:
                stack.stop()
                started_by_pytest.unlink()


def _uses_local_stack() -> bool:
    return external_endpoints(os.environ) is None and not docker_available()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Install the local stack before the first test runs, outside any per-test timeout."""
    wanted = any("infra_endpoints" in getattr(item, "fixturenames", ()) for item in session.items)
    if wanted and not session.config.option.collectonly and _uses_local_stack():
        try:
            LocalStack("test").install()
        except InfraError as error:
            raise pytest.UsageError(f"agora-infra: {error}") from None


@pytest.fixture(scope="session")
def infra_endpoints() -> Iterator[InfraEndpoints]:
    """Real Kafka, MongoDB-compatible and Elasticsearch endpoints for the whole session."""
    external = external_endpoints(os.environ)
    if external is not None:
        yield external
        return
    keep = os.environ.get(KEEP_INFRA_VARIABLE) == "1"
    with local_endpoints(keep) if _uses_local_stack() else container_endpoints() as endpoints:
        yield endpoints
