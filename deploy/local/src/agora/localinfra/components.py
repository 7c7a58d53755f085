"""Kafka, Elasticsearch, FerretDB (and PostgreSQL under it): configuration, commands, probes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agora.localinfra.endpoints import InfraEndpoints
from agora.localinfra.errors import InfraError
from agora.localinfra.install import Installation
from agora.localinfra.paths import RunLayout, write_if_changed
from agora.localinfra.postgresql import (
    POSTGRESQL,
    PostgresqlServer,
    ferretdb_url,
    find_server,
    postgresql_problem,
    prepare_cluster,
    server_command,
)
from agora.localinfra.profiles import SQLITE, Profile
from agora.localinfra.readiness import elasticsearch_problem, kafka_problem, mongo_problem
from agora.localinfra.supervisor import Program
from agora.localinfra.tools import run_logged

_KAFKA_CLUSTER_ID = re.compile(r"[A-Za-z0-9_-]{22}\Z")
KAFKA, ELASTICSEARCH, FERRETDB = "kafka", "elasticsearch", "ferretdb"
COMPONENT_NAMES = (KAFKA, ELASTICSEARCH, FERRETDB)


def postgresql_server(profile: Profile) -> PostgresqlServer | None:
    """Return the PostgreSQL server a profile's FerretDB needs, or None on the SQLite backend."""
    return None if profile.ferretdb_backend == SQLITE else find_server()


@dataclass(frozen=True)
class Probe:
    """Where a supervised program answers and how to tell that it is ready."""

    name: str
    address: str
    problem: Callable[[], str | None]


SQLITE_PRAGMAS = "_pragma=synchronous(normal)&_pragma=wal_autocheckpoint(0)"
"""FerretDB already runs SQLite in WAL mode; ``synchronous=NORMAL`` then syncs at checkpoints
instead of every commit (measured here: 1,400 -> 2,400 inserts/s). A crash of FerretDB or of any
process loses nothing; only a power loss or kernel crash can drop the last commits, a risk we
accept for the local stack (production runs MongoDB with majority write concern).
``wal_autocheckpoint(0)``: our FerretDB build checkpoints each file itself, every thousand writes
(``deploy/local/ferretdb/patches/fsql_agora_checkpoint.go``), so SQLite's own checkpoint, which
under constant reads never let the WAL start over, is off."""

FERRETDB_GO_ENVIRONMENT = {"GOGC": "400", "GOMEMLIMIT": "1GiB"}
"""FerretDB decodes every stored document it reads into short-lived Go values, and with Go's
default ``GOGC=100`` its garbage collector took a fifth of its CPU serving timeline pages
(pprof). Collecting when the heap has grown fourfold instead of once costs tens of megabytes
on a heap this small; ``GOMEMLIMIT`` collects sooner should it ever near a gigabyte."""

JIT_C1_ONLY = "-XX:TieredStopAtLevel=1"
"""Both JVMs compile with C1 only: C2's compiler threads were their main CPU use for minutes
after each start, on the two cores every process shares (figures in docs/architecture.md)."""

KAFKA_JVM_OPTIONS = ("-Xms256m", "-Xmx512m", JIT_C1_ONLY)
ELASTICSEARCH_JVM_OPTIONS = ("-Xms1g", "-Xmx1g", JIT_C1_ONLY)


def endpoints(profile: Profile) -> InfraEndpoints:
    """Return the connection settings of a profile's stack."""
    return InfraEndpoints(
        kafka_bootstrap=f"127.0.0.1:{profile.kafka_port}",
        mongo_url=f"mongodb://127.0.0.1:{profile.mongo_port}/",
        elasticsearch_url=f"http://127.0.0.1:{profile.elasticsearch_http_port}",
    )


def kafka_server_properties(profile: Profile, layout: RunLayout) -> str:
    """Return server.properties of a single KRaft node acting as broker and controller."""
    broker, controller = profile.kafka_port, profile.kafka_controller_port
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{controller}",
        "listeners": f"PLAINTEXT://127.0.0.1:{broker},CONTROLLER://127.0.0.1:{controller}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{broker}",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(layout.data(KAFKA)),
        "num.partitions": "1",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        # The default 3 s delay makes every consumer group start slowly.
        "group.initial.rebalance.delay.ms": "0",
        # Topics are created by the application in one place, never by a typo.
        "auto.create.topics.enable": "false",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


# stderr, so that StorageTool's stdout carries only its answer (supervisord merges the two).
KAFKA_LOG4J_PROPERTIES = """\
log4j.rootLogger=INFO, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
"""

# Without this a developer disk above 85-95 % full would leave new indices unassigned.
ELASTICSEARCH_YML = "cluster.routing.allocation.disk.threshold_enabled: false\n"


def _kafka_files(layout: RunLayout) -> tuple[Path, Path]:
    return layout.conf_dir / "kafka-server.properties", layout.conf_dir / "kafka-log4j.properties"


def _kafka_java(installation: Installation, layout: RunLayout, *args: str) -> list[str]:
    _server, log4j = _kafka_files(layout)
    return [
        str(installation.java),
        f"-Dlog4j.configuration=file:{log4j}",
        "-cp",
        f"{installation.kafka_libs}/*",
        *args,
    ]


def kafka_cluster_id(layout: RunLayout) -> str | None:
    """Return the cluster id the Kafka data directory was formatted with, if formatted."""
    meta = layout.data(KAFKA) / "meta.properties"
    if not meta.is_file():
        return None
    for line in meta.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "cluster.id":
            return value.strip()
    return None


def prepare(profile: Profile, layout: RunLayout, installation: Installation) -> None:
    """Write the components' configuration files, format Kafka's storage and create the
    PostgreSQL cluster once."""
    database = postgresql_server(profile)
    layout.ensure(list(COMPONENT_NAMES))
    if database is not None:
        prepare_cluster(database, layout)
    server, log4j = _kafka_files(layout)
    write_if_changed(server, kafka_server_properties(profile, layout))
    write_if_changed(log4j, KAFKA_LOG4J_PROPERTIES)
    write_if_changed(
        layout.data(ELASTICSEARCH) / "node_1" / "config" / "elasticsearch.yml", ELASTICSEARCH_YML
    )
    if kafka_cluster_id(layout) is None:
        storage_log = layout.log("kafka-storage")
        cluster_id = run_logged(
            _kafka_java(installation, layout, "kafka.tools.StorageTool", "random-uuid"),
            log_file=storage_log,
            what="Kafka cluster id generation",
        ).strip()
        if not _KAFKA_CLUSTER_ID.match(cluster_id):
            raise InfraError(f"kafka.tools.StorageTool random-uuid printed {cluster_id!r}")
        run_logged(
            _kafka_java(
                installation,
                layout,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id,
                "-c",
                str(server),
            ),
            log_file=storage_log,
            what="Kafka storage format",
        )


def _ferretdb_storage(profile: Profile, layout: RunLayout) -> list[str]:
    if profile.ferretdb_backend == SQLITE:
        return ["--handler=sqlite", f"--sqlite-url=file:{layout.data(FERRETDB)}/?{SQLITE_PRAGMAS}"]
    return ["--handler=postgresql", f"--postgresql-url={ferretdb_url(profile)}"]


def _postgresql_programs(profile: Profile, layout: RunLayout) -> list[Program]:
    server = postgresql_server(profile)
    if server is None:
        return []
    return [
        Program(
            name=POSTGRESQL,
            command=server_command(server, profile, layout),
            log_file=layout.log(POSTGRESQL),
            directory=layout.root,
            # Started before and stopped after FerretDB (supervisord stops in reverse order).
            priority=5,
            # SIGINT is PostgreSQL's fast shutdown: it ends FerretDB's pooled sessions instead
            # of waiting for them to disconnect, as SIGTERM's smart shutdown would.
            stopsignal="INT",
            stopwaitsecs=60,
            user=server.os_user,
        )
    ]


def programs(profile: Profile, layout: RunLayout, installation: Installation) -> list[Program]:
    """Return the supervisord programs of Kafka, Elasticsearch, FerretDB (and PostgreSQL)."""
    server, _log4j = _kafka_files(layout)
    ferretdb_data = layout.data(FERRETDB)
    return [
        *_postgresql_programs(profile, layout),
        Program(
            name=KAFKA,
            command=_kafka_java(
                installation, layout, *KAFKA_JVM_OPTIONS, "kafka.Kafka", str(server)
            ),
            log_file=layout.log(KAFKA),
            directory=layout.root,
        ),
        Program(
            name=ELASTICSEARCH,
            command=[
                str(installation.java),
                *ELASTICSEARCH_JVM_OPTIONS,
                "-cp",
                f"{installation.elasticsearch_libs}/*",
                "org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner",
                "-basePath",
                str(layout.data(ELASTICSEARCH)),
                "-numOfNode",
                "1",
                "-baseHttpPort",
                str(profile.elasticsearch_base_port),
                "-clusterName",
                profile.cluster_name,
            ],
            log_file=layout.log(ELASTICSEARCH),
            directory=layout.root,
        ),
        Program(
            name=FERRETDB,
            command=[
                str(installation.ferretdb),
                *_ferretdb_storage(profile, layout),
                f"--listen-addr=127.0.0.1:{profile.mongo_port}",
                f"--state-dir={ferretdb_data}",
                "--telemetry=disable",
                f"--debug-addr=127.0.0.1:{profile.ferretdb_debug_port}",
            ],
            log_file=layout.log(FERRETDB),
            directory=layout.root,
            environment=FERRETDB_GO_ENVIRONMENT,
            stopwaitsecs=10,
        ),
    ]


def probes(profile: Profile, layout: RunLayout) -> list[Probe]:
    """Return the readiness probes of Kafka, Elasticsearch, PostgreSQL and FerretDB, in the
    order they are waited for."""
    urls = endpoints(profile)
    server = postgresql_server(profile)
    database = (
        []
        if server is None
        else [
            Probe(
                POSTGRESQL,
                f"127.0.0.1:{profile.postgresql_port}",
                lambda: postgresql_problem(server, profile),
            )
        ]
    )
    return [
        Probe(
            KAFKA,
            urls.kafka_bootstrap,
            lambda: kafka_problem(urls.kafka_bootstrap, kafka_cluster_id(layout)),
        ),
        Probe(
            ELASTICSEARCH,
            urls.elasticsearch_url,
            lambda: elasticsearch_problem(urls.elasticsearch_url, profile.cluster_name),
        ),
        *database,
        Probe(FERRETDB, urls.mongo_url, lambda: mongo_problem(urls.mongo_url)),
    ]
