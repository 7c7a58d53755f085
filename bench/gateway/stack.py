"""The system under test: a real feed service and a real gateway in front of it, each in a
process of its own, on the run's own database names and topics.

The gateway runs as in the local dev stack: its development identity provider signs tokens
with a throw-away key and the gateway verifies every token through that provider's JWKS
(fetched over HTTP, as from Keycloak or Entra ID); the feed trusts the same key's public half,
so one token works on both paths. Live updates and the activity signal are on, as in
production; only the rate limits are raised, since every request of the load comes from one
address and a few people.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization

from agora.feed.settings import FeedSettings
from agora.gateway.settings import GatewaySettings
from agora.servicekit import ServiceSettings
from agora.testing.identity import TestIdentityProvider
from bench.facts import cpu_ranges
from bench.feed.service import REPOSITORY, FeedRunNames, free_port
from bench.infra import BenchEndpoints

READY_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 30.0
DEV_IDP_KEY_ID = "bench-gateway"
UNLIMITED = 1_000_000
"""Rate limits high enough never to refuse the benchmark's load (the buckets still run)."""
GATEWAY_FEED_PREFIX = "/api/v1/feed"


@dataclass(frozen=True)
class GatewayRunNames(FeedRunNames):
    """The feed's names of one run, plus the gateway's database and activity topic."""

    @property
    def gateway_database(self) -> str:
        """The gateway's database (the activity signal's event store)."""
        return f"bench_gateway_{self.run_id}"

    @property
    def gateway_topic(self) -> str:
        """The topic the gateway's activity signal is published to."""
        return self.topic("gateway.events")

    @property
    def all_topics(self) -> list[str]:
        """The feed's topics and the gateway's."""
        return [*self.topics, self.gateway_topic]


@dataclass(frozen=True)
class Identity:
    """The throw-away signing key, as a PEM file the gateway's provider reads."""

    provider: TestIdentityProvider
    key_file: Path


@contextlib.contextmanager
def signing_key() -> Iterator[Identity]:
    """A new key pair, its private half in a temporary file (deleted afterwards)."""
    provider = TestIdentityProvider()
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as directory:
        path = Path(directory) / "signing-key.pem"
        path.write_bytes(
            provider.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
        yield Identity(provider, path)


def feed_settings(
    *, endpoints: BenchEndpoints, names: GatewayRunNames, identity: Identity
) -> FeedSettings:
    """The feed's settings for this run (its own database, topics and projection)."""
    return FeedSettings(
        port=free_port(),
        kafka_bootstrap_servers=endpoints.kafka_bootstrap,
        mongo_url=endpoints.mongo_url,
        mongo_database=names.database,
        events_topic=names.topic("feed.events"),
        profiles_topic=names.topic("profiles.events"),
        profile_cards_topic=names.topic("profiles.cards"),
        communities_topic=names.topic("communities.events"),
        projection_prefix=names.projection,
        log_level="WARNING",
        environment="test",
        **identity.provider.auth_settings(),
    )


def gateway_settings(
    *,
    endpoints: BenchEndpoints,
    names: GatewayRunNames,
    identity: Identity,
    feed: FeedSettings,
) -> GatewaySettings:
    """The gateway's settings: the feed as its one service, tokens checked through its JWKS."""
    port = free_port()
    return GatewaySettings(
        port=port,
        environment="test",
        log_level="WARNING",
        kafka_bootstrap_servers=endpoints.kafka_bootstrap,
        mongo_url=endpoints.mongo_url,
        mongo_database=names.gateway_database,
        events_topic=names.gateway_topic,
        services={"feed": f"http://127.0.0.1:{feed.port}"},
        auth_issuer=identity.provider.issuer,
        auth_audience=identity.provider.audience,
        auth_jwks_url=f"http://127.0.0.1:{port}/dev-idp/jwks.json",
        dev_idp_enabled=True,
        dev_idp_signing_key_file=identity.key_file,
        dev_idp_key_id=DEV_IDP_KEY_ID,
        live_feed_topic=feed.events_topic,
        rate_limit_person_per_second=UNLIMITED,
        rate_limit_person_burst=UNLIMITED,
        rate_limit_ip_per_second=UNLIMITED,
        rate_limit_ip_burst=UNLIMITED,
    )


def settings_environment(settings: ServiceSettings) -> dict[str, str]:
    """The ``AGORA_*`` variables that give a service process these settings."""
    values = settings.model_dump(mode="json", exclude_none=True)
    values["mongo_url"] = settings.mongo_url.get_secret_value()
    return {
        f"AGORA_{name.upper()}": value if isinstance(value, str) else json.dumps(value)
        for name, value in values.items()
    }


@dataclass(frozen=True)
class RunningProcess:
    """A started service process."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base_url(self) -> str:
        """Where it serves HTTP."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        """Its listening address (for the CPU meter)."""
        return f"127.0.0.1:{self.port}"


@contextlib.contextmanager
def service_process(
    *, name: str, module: str, settings: ServiceSettings, cpus: set[int]
) -> Iterator[RunningProcess]:
    """``python -m <module> --cpus …`` with the settings in its environment, ready (``/readyz``
    answers 200) when yielded, stopped with SIGTERM afterwards."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AGORA_")}
    environment.update(settings_environment(settings))
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(REPOSITORY), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    with tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False) as log:
        log_path = Path(log.name)
    with log_path.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", module, "--cpus", cpu_ranges(sorted(cpus))],
            env=environment,
            cwd=REPOSITORY,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    running = RunningProcess(name, settings.port, process, log_path)
    try:
        _wait_ready(running)
        yield running
    finally:
        _stop(process)
        log_path.unlink(missing_ok=True)


def _wait_ready(service: RunningProcess) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"the {service.name} process exited early:\n{_tail(service.log)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{service.base_url}/readyz", timeout=2.0).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the {service.name} process was not ready in time:\n{_tail(service.log)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
