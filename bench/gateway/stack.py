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
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from agora.feed.settings import FeedSettings
from agora.gateway.settings import GatewaySettings
from agora.testing.identity import TestIdentityProvider
from bench.feed.service import FeedRunNames
from bench.infra import BenchEndpoints
from bench.processes import free_port

READY_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 30.0
DEV_IDP_KEY_ID = "bench-gateway"
UNLIMITED = 1_000_000
"""Rate limits high enough never to refuse the benchmark's load (the buckets still run)."""
GATEWAY_FEED_PREFIX = "/api/v1/feed"
GATEWAY_STUB_PREFIX = "/api/v1/stub"
"""Where the gateway serves the stub service (``bench.gateway.stub``)."""


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
        process_role="api",
        **identity.provider.auth_settings(),
    )


def feed_worker_settings(feed: FeedSettings) -> FeedSettings:
    """The feed's worker beside its API, as deployed (``deploy/k8s/base/apps/feed``): the
    projection's fan-out and notifications run there, not on the API's event loop."""
    return feed.model_copy(update={"port": free_port(), "process_role": "worker"})


def gateway_settings(
    *,
    endpoints: BenchEndpoints,
    names: GatewayRunNames,
    identity: Identity,
    feed: FeedSettings,
    stub_port: int,
) -> GatewaySettings:
    """The gateway's settings: the feed and the stub as its services, tokens checked through
    its JWKS (the stub starts later; the gateway's readiness does not wait for services)."""
    port = free_port()
    return GatewaySettings(
        port=port,
        environment="test",
        log_level="WARNING",
        kafka_bootstrap_servers=endpoints.kafka_bootstrap,
        mongo_url=endpoints.mongo_url,
        mongo_database=names.gateway_database,
        events_topic=names.gateway_topic,
        services={
            "feed": f"http://127.0.0.1:{feed.port}",
            "stub": f"http://127.0.0.1:{stub_port}",
        },
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
