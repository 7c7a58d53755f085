"""The generated supervisord and Kafka configuration of the test profile."""

import configparser
import os
import shlex
from pathlib import Path

import pytest

from agora.localinfra import postgresql
from agora.localinfra.components import endpoints, kafka_server_properties, programs
from agora.localinfra.errors import InfraError
from agora.localinfra.install import (
    FERRETDB_PATCHES,
    Installation,
    SourcePatch,
    apply_source_patches,
)
from agora.localinfra.paths import RunLayout
from agora.localinfra.profiles import PROFILE_NAMES, load_profile
from agora.localinfra.services import load_services, service_program
from agora.localinfra.supervisor import render_config

pytestmark = pytest.mark.unit

INSTALLATION = Installation(
    java=Path("/opt/jdk/bin/java"),
    kafka_libs=Path("/cache/kafka-3.9.1/libs"),
    elasticsearch_libs=Path("/cache/elasticsearch-7.10.2/libs"),
    ferretdb=Path("/cache/ferretdb/bin/ferretdb"),
)


def _properties(text: str) -> dict[str, str]:
    pairs = (line.partition("=") for line in text.splitlines() if line and line[0] != "#")
    return {key: value for key, _, value in pairs}


def _supervisord(layout: RunLayout) -> configparser.RawConfigParser:
    profile = load_profile("test", environ={})
    parser = configparser.RawConfigParser()
    parser.read_string(render_config(layout, "agora-test", programs(profile, layout, INSTALLATION)))
    return parser


def test_kafka_server_properties_use_test_ports_and_data_dir(tmp_path: Path) -> None:
    layout = RunLayout(tmp_path / "test")
    properties = _properties(kafka_server_properties(load_profile("test", environ={}), layout))

    assert properties["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert properties["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    assert properties["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert properties["log.dirs"] == str(tmp_path / "test" / "data" / "kafka")
    assert properties["process.roles"] == "broker,controller"
    assert properties["group.initial.rebalance.delay.ms"] == "0"
    assert properties["auto.create.topics.enable"] == "false"
    assert properties["offsets.topic.replication.factor"] == "1"


def test_supervisord_config_runs_the_three_components_on_test_ports(tmp_path: Path) -> None:
    layout = RunLayout(tmp_path / "test")
    config = _supervisord(layout)

    assert config["unix_http_server"]["file"] == str(layout.socket)
    assert config["supervisord"]["pidfile"] == str(layout.pidfile)
    elasticsearch = shlex.split(config["program:elasticsearch"]["command"])
    assert elasticsearch[elasticsearch.index("-baseHttpPort") + 1] == "9250"
    assert elasticsearch[elasticsearch.index("-clusterName") + 1] == "agora-test"
    assert elasticsearch[elasticsearch.index("-basePath") + 1] == str(layout.data("elasticsearch"))
    ferretdb = shlex.split(config["program:ferretdb"]["command"])
    assert "--listen-addr=127.0.0.1:27117" in ferretdb
    assert (
        f"--sqlite-url=file:{layout.data('ferretdb')}/"
        "?_pragma=synchronous(normal)&_pragma=wal_autocheckpoint(0)"
    ) in ferretdb
    assert f"--state-dir={layout.data('ferretdb')}" in ferretdb
    # Go's collector at GOGC=100 took a fifth of FerretDB's CPU serving timeline pages.
    assert config["program:ferretdb"]["environment"] == 'GOGC="400",GOMEMLIMIT="1GiB"'
    kafka = shlex.split(config["program:kafka"]["command"])
    assert kafka[-2:] == ["kafka.Kafka", str(layout.conf_dir / "kafka-server.properties")]
    # C2's compiler threads were the JVMs' main CPU use for minutes after each start.
    assert "-XX:TieredStopAtLevel=1" in kafka
    assert "-XX:TieredStopAtLevel=1" in elasticsearch
    for name in ("kafka", "elasticsearch", "ferretdb"):
        assert config[f"program:{name}"]["stdout_logfile"] == str(layout.log(name))
        assert config[f"program:{name}"]["stopasgroup"] == "true"


def test_profiles_never_share_a_port() -> None:
    ports = [
        {
            profile.kafka_port,
            profile.kafka_controller_port,
            profile.elasticsearch_http_port,
            profile.mongo_port,
            profile.ferretdb_debug_port,
            profile.postgresql_port,
        }
        for profile in (load_profile(name, environ={}) for name in PROFILE_NAMES)
    ]
    assert all(len(each) == 6 for each in ports)
    assert not ports[0] & ports[1]


def test_ports_are_overridden_per_profile_from_the_environment() -> None:
    environ = {"AGORA_TEST_KAFKA_PORT": "29092", "AGORA_DEV_MONGO_PORT": "1"}
    profile = load_profile("test", environ=environ)

    assert profile.kafka_port == 29092
    assert profile.mongo_port == 27117
    with pytest.raises(InfraError, match="not a port number"):
        load_profile("test", environ={"AGORA_TEST_MONGO_PORT": "many"})
    with pytest.raises(InfraError, match="below 9299"):
        load_profile("test", environ={"AGORA_TEST_ELASTICSEARCH_BASE_PORT": "19200"})


def test_declared_service_becomes_a_program_started_after_infrastructure(tmp_path: Path) -> None:
    declaration = tmp_path / "services.toml"
    declaration.write_text(
        '[[services]]\nname = "feed"\ncommand = "uvicorn app:app --port {port}"\nport = 8103\n'
        'env = { LEVEL = "100%" }\n'
    )
    (service,) = load_services(declaration)
    layout = RunLayout(tmp_path / "dev")
    program = service_program(service, layout, endpoints(load_profile("dev", {})), tmp_path)
    config = configparser.ConfigParser()
    config.read_string(render_config(layout, "agora-dev", [program]))

    assert service.readiness_url == "http://127.0.0.1:8103/readyz"
    section = config["program:feed"]
    assert section["autostart"] == "false"
    assert shlex.split(section["command"])[1:] == ["app:app", "--port", "8103"]
    assert 'AGORA_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:9092"' in section["environment"]
    assert 'LEVEL="100%"' in section["environment"]
    public_key = layout.identity_dir / "signing-key.pub.pem"
    assert f'AGORA_AUTH_PUBLIC_KEY_FILE="{public_key}"' in section["environment"]
    assert public_key.read_text().startswith("-----BEGIN PUBLIC KEY-----")


def test_the_gateway_verifies_through_its_development_providers_jwks(tmp_path: Path) -> None:
    services_file = Path(__file__).parents[2] / "deploy" / "local" / "services.toml"
    (gateway,) = [s for s in load_services(services_file) if s.name == "gateway"]
    layout = RunLayout(tmp_path / "dev")

    program = service_program(gateway, layout, endpoints(load_profile("dev", {})), tmp_path)

    environment = program.environment
    assert environment["AGORA_DEV_IDP_ENABLED"] == "true"
    assert environment["AGORA_AUTH_JWKS_URL"] == "http://127.0.0.1:8100/dev-idp/jwks.json"
    assert environment["AGORA_DEV_IDP_SIGNING_KEY_FILE"] == str(
        layout.identity_dir / "signing-key.pem"
    )
    assert "AGORA_AUTH_PUBLIC_KEY_FILE" not in environment
    assert environment["AGORA_AUTH_ISSUER"] == "http://127.0.0.1:8100/dev-idp"


def test_repository_services_file_is_valid() -> None:
    services_file = Path(__file__).parents[2] / "deploy" / "local" / "services.toml"
    assert services_file.is_file()
    load_services(services_file)


def test_source_patches_apply_once_and_refuse_changed_upstream_text(tmp_path: Path) -> None:
    target = tmp_path / "pkg" / "file.go"
    target.parent.mkdir()
    target.write_text("a := 1\nb := 1\n")
    patch = SourcePatch(file="pkg/file.go", upstream=" := 1", patched=" := 2", count=2)
    apply_source_patches(tmp_path, [patch])
    assert target.read_text() == "a := 2\nb := 2\n"
    with pytest.raises(InfraError, match="FerretDB source changed"):
        apply_source_patches(tmp_path, [patch])


def test_ferretdb_patches_match_the_pinned_upstream_source() -> None:
    """The patch set applies to the FerretDB module that go.mod pins (when it is downloaded),
    each patch to the file as the patches before it left it, as the installer applies them."""
    module = Path.home() / "go/pkg/mod/github.com/!ferret!d!b/!ferret!d!b@v1.24.2"
    if not module.is_dir():
        pytest.skip("the FerretDB module is not in this machine's Go module cache")
    texts: dict[str, str] = {}
    for patch in FERRETDB_PATCHES:
        text = texts.get(patch.file) or (module / patch.file).read_text(encoding="utf-8")
        assert text.count(patch.upstream) == patch.count, patch.file
        texts[patch.file] = text.replace(patch.upstream, patch.patched)


def test_stacks_on_other_elasticsearch_ports_get_their_own_cluster_name() -> None:
    default = load_profile("test", environ={})
    moved = load_profile("test", environ={"AGORA_TEST_ELASTICSEARCH_BASE_PORT": "9270"})

    assert default.cluster_name == "agora-test"
    assert moved.cluster_name == "agora-test-9270"
    assert load_profile("dev", environ={}).cluster_name != default.cluster_name


def test_the_sqlite_backend_is_the_default_and_runs_no_postgresql(tmp_path: Path) -> None:
    config = _supervisord(RunLayout(tmp_path / "test"))

    assert load_profile("test", environ={}).ferretdb_backend == "sqlite"
    assert "program:postgresql" not in config
    assert "--handler=sqlite" in shlex.split(config["program:ferretdb"]["command"])


def test_an_unknown_ferretdb_backend_is_refused_in_one_line() -> None:
    with pytest.raises(InfraError, match="AGORA_FERRETDB_BACKEND='mysql': choose one of"):
        load_profile("test", environ={"AGORA_FERRETDB_BACKEND": "mysql"})


def _postgresql_bin_dir(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "pgbin"
    bin_dir.mkdir()
    for tool in ("initdb", "postgres", "pg_isready"):
        (bin_dir / tool).write_text("#!/bin/sh\n")
        (bin_dir / tool).chmod(0o755)
    return bin_dir


def test_the_postgresql_backend_runs_postgresql_on_loopback_before_ferretdb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = _postgresql_bin_dir(tmp_path)
    monkeypatch.setenv("AGORA_POSTGRESQL_BIN_DIR", str(bin_dir))
    monkeypatch.setenv("AGORA_POSTGRESQL_OS_USER", "root" if os.geteuid() == 0 else "")
    environ = {"AGORA_FERRETDB_BACKEND": "postgresql", "AGORA_TEST_POSTGRESQL_PORT": "55999"}
    profile = load_profile("test", environ=environ)
    layout = RunLayout(tmp_path / "test")
    config = configparser.RawConfigParser()
    config.read_string(render_config(layout, "agora-test", programs(profile, layout, INSTALLATION)))

    postgresql = config["program:postgresql"]
    command = shlex.split(postgresql["command"])
    assert command[:3] == [str(bin_dir / "postgres"), "-D", str(layout.data("postgresql"))]
    settings = dict(value.split("=", 1) for value in command[4::2])
    assert settings["listen_addresses"] == "127.0.0.1"
    assert settings["port"] == "55999"
    assert settings["unix_socket_directories"] == str(layout.root / "postgresql-socket")
    # A crash of any process must lose no acknowledged write.
    assert settings["synchronous_commit"] == "on"
    assert settings["fsync"] == "on"
    assert postgresql["stopsignal"] == "INT"
    assert int(postgresql["priority"]) < int(config["program:ferretdb"]["priority"])
    ferretdb = shlex.split(config["program:ferretdb"]["command"])
    assert "--handler=postgresql" in ferretdb
    assert (
        "--postgresql-url=postgres://ferretdb@127.0.0.1:55999/ferretdb?pool_max_conns=200"
        in ferretdb
    )
    assert int(settings["max_connections"]) > 200


def test_missing_postgresql_binaries_are_reported_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGORA_POSTGRESQL_BIN_DIR", str(tmp_path))
    profile = load_profile("test", environ={"AGORA_FERRETDB_BACKEND": "postgresql"})

    with pytest.raises(InfraError, match="has no initdb, postgres, pg_isready"):
        programs(profile, RunLayout(tmp_path / "test"), INSTALLATION)


def test_absent_postgresql_server_names_the_package_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AGORA_POSTGRESQL_BIN_DIR", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(postgresql, "_DEBIAN_BIN_DIRS", tmp_path / "absent")

    with pytest.raises(InfraError, match=r"not found.*apt-get install -y postgresql-15"):
        postgresql.find_server()
