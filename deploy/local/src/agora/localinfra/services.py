"""Application services declared in deploy/local/services.toml, run after the infrastructure."""

from __future__ import annotations

import re
import shlex
import shutil
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agora.localinfra.endpoints import InfraEndpoints
from agora.localinfra.errors import InfraError
from agora.localinfra.identity import service_auth_environment
from agora.localinfra.paths import RunLayout
from agora.localinfra.supervisor import Program

_NAME = re.compile(r"[a-z][a-z0-9_-]*\Z")
_RESERVED = frozenset({"kafka", "elasticsearch", "ferretdb", "supervisord"})


@dataclass(frozen=True)
class Service:
    """One service entry of services.toml."""

    name: str
    command: str
    port: int
    health_url: str
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def readiness_url(self) -> str:
        """The health URL with {port} filled in."""
        return self.health_url.format(port=self.port)


def _service(entry: Mapping[str, Any], source: Path) -> Service:
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.match(name) or name in _RESERVED:
        raise InfraError(f"{source}: invalid or reserved service name {name!r}")
    command, port = entry.get("command"), entry.get("port")
    env = entry.get("env", {})
    health_url = entry.get("health_url", "http://127.0.0.1:{port}/readyz")
    if not isinstance(command, str) or not isinstance(port, int) or not isinstance(health_url, str):
        raise InfraError(f"{source}: service {name} needs a string command and an integer port")
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise InfraError(f"{source}: env of service {name} must map names to strings")
    return Service(name, command, port, health_url, env)


def load_services(path: Path) -> list[Service]:
    """Read the [[services]] tables of a services.toml; a missing file means no services."""
    if not path.is_file():
        return []
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise InfraError(f"{path}: {error}") from None
    services = [_service(entry, path) for entry in document.get("services", [])]
    names = [service.name for service in services]
    if len(set(names)) != len(names):
        raise InfraError(f"{path}: service names must be unique")
    return services


def service_program(
    service: Service, layout: RunLayout, endpoints: InfraEndpoints, directory: Path
) -> Program:
    """Return the supervisord program of a service, started only once infrastructure is ready."""
    argv = shlex.split(service.command.format(port=service.port))
    # Prefer the project's virtualenv so `uvicorn …` means the locked version.
    venv_bin = str(Path(sys.executable).parent)
    argv[0] = shutil.which(argv[0], path=venv_bin) or argv[0]
    auth = service_auth_environment(layout.identity_dir)
    own = {
        name: value.replace("{port}", str(service.port)).replace(
            "{identity_dir}", str(layout.identity_dir)
        )
        for name, value in service.env.items()
    }
    if "AGORA_AUTH_JWKS_URL" in own:
        # A service verifying through a JWKS (the gateway) takes its keys from there alone.
        auth.pop("AGORA_AUTH_PUBLIC_KEY_FILE", None)
    environment = {
        "AGORA_KAFKA_BOOTSTRAP_SERVERS": endpoints.kafka_bootstrap,
        "AGORA_MONGO_URL": endpoints.mongo_url,
        "AGORA_ELASTICSEARCH_URL": endpoints.elasticsearch_url,
        "AGORA_PORT": str(service.port),
        **auth,
        **own,
    }
    return Program(
        name=service.name,
        command=argv,
        log_file=layout.log(service.name),
        directory=directory,
        environment=environment,
        autostart=False,
        priority=100,
        startsecs=1,
        stopwaitsecs=15,
    )
