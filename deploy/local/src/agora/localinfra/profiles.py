"""The dev and test profiles: ports and names that keep two stacks from colliding."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from agora.localinfra.errors import InfraError


@dataclass(frozen=True)
class Profile:
    """Ports of one stack; AGORA_<PROFILE>_<FIELD> environment variables override them.

    ``ferretdb_backend`` comes from AGORA_FERRETDB_BACKEND (``sqlite``, the default, or
    ``postgresql``); ``postgresql_port`` is used only by the ``postgresql`` backend.
    """

    name: str
    kafka_port: int
    kafka_controller_port: int
    elasticsearch_base_port: int
    mongo_port: int
    ferretdb_debug_port: int
    postgresql_port: int
    run_services: bool
    ferretdb_backend: str = "sqlite"

    @property
    def cluster_name(self) -> str:
        """Elasticsearch cluster name, distinct per profile and port so two stacks never join.

        Nodes on one machine discover each other over loopback; two checkouts running the same
        profile on different ports would otherwise merge into one cluster and lose shards.
        """
        default = _PROFILES[self.name].elasticsearch_base_port if self.name in _PROFILES else None
        if self.elasticsearch_base_port == default:
            return f"agora-{self.name}"
        return f"agora-{self.name}-{self.elasticsearch_base_port}"

    @property
    def elasticsearch_http_port(self) -> int:
        """The cluster runner's node 1 listens on the base port plus one."""
        return self.elasticsearch_base_port + 1


# ElasticsearchClusterRunner refuses HTTP ports above this (a constant with no option to change).
_MAX_ELASTICSEARCH_HTTP_PORT = 9299

_PROFILES = {
    "dev": Profile("dev", 9092, 9093, 9200, 27017, 27088, 54320, run_services=True),
    "test": Profile("test", 19092, 19093, 9250, 27117, 27188, 54321, run_services=False),
}
PROFILE_NAMES = tuple(_PROFILES)

BACKEND_VARIABLE = "AGORA_FERRETDB_BACKEND"
SQLITE, POSTGRESQL = "sqlite", "postgresql"
FERRETDB_BACKENDS = (SQLITE, POSTGRESQL)


def _ferretdb_backend(env: Mapping[str, str]) -> str:
    backend = env.get(BACKEND_VARIABLE, SQLITE).strip().lower() or SQLITE
    if backend not in FERRETDB_BACKENDS:
        raise InfraError(
            f"{BACKEND_VARIABLE}={env[BACKEND_VARIABLE]!r}: choose one of "
            f"{', '.join(FERRETDB_BACKENDS)}"
        )
    return backend


def load_profile(name: str, environ: Mapping[str, str] | None = None) -> Profile:
    """Return the named profile with port overrides from the environment applied."""
    if name not in _PROFILES:
        raise InfraError(f"unknown profile {name!r}: choose one of {', '.join(PROFILE_NAMES)}")
    env = os.environ if environ is None else environ
    base = _PROFILES[name]

    def port(field: str) -> int:
        variable = f"AGORA_{name.upper()}_{field.upper()}"
        if variable not in env:
            return int(getattr(base, field))
        try:
            return int(env[variable])
        except ValueError:
            raise InfraError(f"{variable}={env[variable]!r} is not a port number") from None

    profile = Profile(
        name=name,
        kafka_port=port("kafka_port"),
        kafka_controller_port=port("kafka_controller_port"),
        elasticsearch_base_port=port("elasticsearch_base_port"),
        mongo_port=port("mongo_port"),
        ferretdb_debug_port=port("ferretdb_debug_port"),
        postgresql_port=port("postgresql_port"),
        run_services=base.run_services,
        ferretdb_backend=_ferretdb_backend(env),
    )
    if profile.elasticsearch_http_port > _MAX_ELASTICSEARCH_HTTP_PORT:
        raise InfraError(
            f"AGORA_{name.upper()}_ELASTICSEARCH_BASE_PORT must be below "
            f"{_MAX_ELASTICSEARCH_HTTP_PORT}: the cluster runner serves HTTP only up to that port"
        )
    return profile
