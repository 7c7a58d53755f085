"""The whole of Agora on loopback: five services and the gateway, each served by uvicorn.

Every service is the real app (its Kafka topics, FerretDB database, Elasticsearch indices,
relays and projections) on names unique to the session, so it shares the test infrastructure
with other sessions without meeting their data. The gateway routes to them, runs its
development identity provider, and every service verifies tokens through the gateway's JWKS,
as they would with a production provider. A second gateway with small limits stands in front
of the same services for the rate and size limit tests, so the fuzzer and the flows never
run into them.
"""

import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from aiokafka.admin import AIOKafkaAdminClient
from cryptography.hazmat.primitives.asymmetric import rsa
from elasticsearch import AsyncElasticsearch
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from pymongo import AsyncMongoClient

from agora.communities.app import create_app as create_communities_app
from agora.communities.settings import CommunitiesSettings
from agora.feed.app import create_app as create_feed_app
from agora.feed.settings import FeedSettings
from agora.gateway.app import create_app as create_gateway_app
from agora.gateway.livefeed import FeedEventConsumer
from agora.gateway.settings import GatewaySettings
from agora.localinfra import InfraEndpoints
from agora.metrics.app import create_app as create_metrics_app
from agora.metrics.settings import MetricsSettings
from agora.profiles.app import create_profiles_app
from agora.profiles.settings import ProfilesSettings
from agora.search.app import create_app as create_search_app
from agora.search.settings import SearchSettings
from tests.gateway.harness import bound_socket, port_of, serving, write_private_key
from tests.support.kafka_reading import eventually

AUDIENCE = "agora"
KEY_ID = "agora-e2e"
SERVICES = ("profiles", "communities", "feed", "search", "metrics")

LIMITED_PERSON_BURST = 5
LIMITED_PERSON_PER_SECOND = 0.5
"""The limited gateway: five requests at once, then one every two seconds."""
LIMITED_MAX_BODY_BYTES = 4096
LIVE_CHECK_DELAYS_SECONDS = (0.3, 0.7, 1.5, 2.5, 5.0, 10.0)
"""Longer than the default: the feed's projection is slower on a busy test machine."""


@dataclass(frozen=True)
class Names:
    """Topic, database, projection and index names unique to one stack."""

    tag: str

    def topic(self, name: str) -> str:
        return f"agora.e2e{self.tag}.{name}"

    def database(self, service: str) -> str:
        return f"e2e_{service}_{self.tag}"

    def projection(self, name: str) -> str:
        return f"{name}_e2e{self.tag}"

    @property
    def index_prefix(self) -> str:
        return f"e2e-{self.tag}"


@dataclass(frozen=True)
class Stack:
    """Where the running stack answers, and how it was configured."""

    url: str
    """The gateway, the only address the tests call."""
    limited_url: str
    """A second gateway with small rate and body limits, in front of the same services."""
    service_urls: dict[str, str]
    gateway: FastAPI
    gateway_settings: GatewaySettings
    names: Names
    signing_key: rsa.RSAPrivateKey
    """The development identity provider's key (for tokens it would never hand out)."""

    @property
    def issuer(self) -> str:
        return self.gateway_settings.auth_issuer or ""


def _auth(issuer: str, jwks_url: str) -> dict[str, Any]:
    return {"auth_issuer": issuer, "auth_audience": AUDIENCE, "auth_jwks_url": jwks_url}


def _infra(infra: InfraEndpoints) -> dict[str, Any]:
    return {
        "environment": "test",
        "kafka_bootstrap_servers": infra.kafka_bootstrap,
        "mongo_url": infra.mongo_url,
    }


def _upstream_topics(names: Names) -> dict[str, Any]:
    return {
        "profiles_topic": names.topic("profiles.events"),
        "profile_cards_topic": names.topic("profiles.cards"),
        "communities_topic": names.topic("communities.events"),
    }


def service_apps(
    infra: InfraEndpoints, names: Names, *, issuer: str, jwks_url: str
) -> dict[str, tuple[FastAPI, TracerProvider]]:
    """Each service's app, configured against ``infra`` under ``names``."""
    common = {**_infra(infra), **_auth(issuer, jwks_url)}
    upstream = _upstream_topics(names)
    feed_topic = names.topic("feed.events")
    profiles = ProfilesSettings(
        **common,
        mongo_database=names.database("profiles"),
        events_topic=upstream["profiles_topic"],
        cards_topic=upstream["profile_cards_topic"],
        read_model_name=names.projection("people"),
        cards_projection=names.projection("cards"),
    )
    communities = CommunitiesSettings(
        **common,
        mongo_database=names.database("communities"),
        events_topic=upstream["communities_topic"],
        profiles_topic=upstream["profiles_topic"],
        directory_projection=names.projection("directory"),
        erasure_consumer=names.projection("erasures"),
    )
    feed = FeedSettings(
        **common,
        **upstream,
        mongo_database=names.database("feed"),
        events_topic=feed_topic,
        projection_prefix=names.projection("feed"),
    )
    search = SearchSettings(
        **common,
        **upstream,
        mongo_database=names.database("search"),
        elasticsearch_url=infra.elasticsearch_url,
        feed_topic=feed_topic,
        projection_prefix=names.projection("search"),
        index_prefix=names.index_prefix,
    )
    metrics = MetricsSettings(
        **common,
        **upstream,
        mongo_database=names.database("metrics"),
        feed_topic=feed_topic,
        gateway_topic=names.topic("gateway.events"),
        projection_name=names.projection("metrics"),
        topic_partitions=2,
    )
    factories: dict[str, Callable[[TracerProvider], FastAPI]] = {
        "profiles": lambda tp: create_profiles_app(settings=profiles, tracer_provider=tp),
        "communities": lambda tp: create_communities_app(settings=communities, tracer_provider=tp),
        "feed": lambda tp: create_feed_app(settings=feed, tracer_provider=tp),
        "search": lambda tp: create_search_app(settings=search, tracer_provider=tp),
        "metrics": lambda tp: create_metrics_app(settings=metrics, tracer_provider=tp),
    }
    apps: dict[str, tuple[FastAPI, TracerProvider]] = {}
    for name, factory in factories.items():
        tracer_provider = TracerProvider()
        apps[name] = (factory(tracer_provider), tracer_provider)
    return apps


def gateway_settings(
    infra: InfraEndpoints,
    names: Names,
    *,
    issuer: str,
    jwks_url: str,
    key_file: Path,
    services: dict[str, str],
) -> GatewaySettings:
    """The gateway of the stack: its development identity provider on, limits out of the way."""
    return GatewaySettings(
        **_infra(infra),
        **_auth(issuer, jwks_url),
        mongo_database=names.database("gateway"),
        events_topic=names.topic("gateway.events"),
        profile_cards_topic=names.topic("profiles.cards"),
        services=services,
        dev_idp_enabled=True,
        dev_idp_signing_key_file=key_file,
        dev_idp_key_id=KEY_ID,
        dev_idp_token_lifetime_seconds=3600,
        live_feed_topic=names.topic("feed.events"),
        live_check_delays_seconds=LIVE_CHECK_DELAYS_SECONDS,
        live_check_min_interval_seconds=0.2,
        live_heartbeat_seconds=2.0,
        read_timeout_seconds=20.0,
        rate_limit_person_per_second=10_000.0,
        rate_limit_person_burst=10_000,
        rate_limit_ip_per_second=10_000.0,
        rate_limit_ip_burst=10_000,
        openapi_cache_seconds=300.0,
    )


def limited_gateway_settings(
    infra: InfraEndpoints, *, issuer: str, jwks_url: str, services: dict[str, str]
) -> GatewaySettings:
    """A routing-only gateway with small limits, trusting the same identity provider."""
    return GatewaySettings(
        **_infra(infra),
        **_auth(issuer, jwks_url),
        services=services,
        activity_enabled=False,
        live_enabled=False,
        revocation_enabled=False,
        rate_limit_person_per_second=LIMITED_PERSON_PER_SECOND,
        rate_limit_person_burst=LIMITED_PERSON_BURST,
        rate_limit_ip_per_second=10_000.0,
        rate_limit_ip_burst=10_000,
        max_request_body_bytes=LIMITED_MAX_BODY_BYTES,
    )


@contextmanager
def _served(
    app: FastAPI, tracer_provider: TracerProvider, sock: socket.socket | None = None
) -> Iterator[str]:
    try:
        with serving(app, sock, timeout=120.0) as url:
            yield url
    finally:
        tracer_provider.shutdown()


async def _live_updates_ready(gateway: FastAPI) -> None:
    """Wait until the gateway reads the feed's topic from its end (later events are seen)."""
    consumer: FeedEventConsumer = gateway.state.live_consumer

    async def ready() -> bool:
        return consumer.ready

    await eventually(ready, timeout=60.0)


READY_PROBES = (
    "/api/v1/profiles/people?limit=1",
    "/api/v1/communities/communities?limit=1",
    "/api/v1/feed/me/timeline?limit=1",
    "/api/v1/search/posts?limit=1",
    "/api/v1/search/communities?limit=1",
    "/api/v1/search/experts?q=ready",
    "/api/v1/search/autocomplete?q=r",
    "/api/v1/metrics/me/contributions",
)
"""One read per service (and each search index): 200 once its stores and indices exist."""


async def _services_answer(gateway_url: str) -> None:
    """Wait until the gateway reports every service ready and each answers a first read."""
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10.0) as http:
        response = await http.post("/dev-idp/token", json={"person_id": "e2e-readiness"})
        headers = {"Authorization": f"Bearer {response.json()['access_token']}"}

        async def ready() -> bool:
            readiness = await http.get("/readyz")
            upstreams = readiness.json().get("upstreams") or {}
            if readiness.status_code != 200 or set(upstreams) != set(SERVICES):
                return False
            if any(result["status"] != "ok" for result in upstreams.values()):
                return False
            answers = [await http.get(probe, headers=headers) for probe in READY_PROBES]
            return all(answer.status_code == 200 for answer in answers)

        await eventually(ready, timeout=120.0, interval=0.5)


@asynccontextmanager
async def running_stack(infra: InfraEndpoints, workdir: Path) -> AsyncIterator[Stack]:
    """Start the services, then the gateways; stop them all and remove their data after.

    The servers run in threads with loops of their own; starting and stopping them blocks
    the caller's loop, which has nothing else to do meanwhile.
    """
    names = Names(uuid.uuid4().hex[:10])
    signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = write_private_key(signing_key, workdir / "idp-key.pem")
    gateway_socket = bound_socket()
    gateway_url = f"http://127.0.0.1:{port_of(gateway_socket)}"
    issuer = f"{gateway_url}/dev-idp"
    jwks_url = f"{issuer}/jwks.json"
    try:
        with ExitStack() as running:
            urls = {
                name: running.enter_context(_served(app, tracer_provider))
                for name, (app, tracer_provider) in service_apps(
                    infra, names, issuer=issuer, jwks_url=jwks_url
                ).items()
            }
            settings = gateway_settings(
                infra, names, issuer=issuer, jwks_url=jwks_url, key_file=key_file, services=urls
            )
            gateway_tracing = TracerProvider()
            gateway = create_gateway_app(settings=settings, tracer_provider=gateway_tracing)
            running.enter_context(_served(gateway, gateway_tracing, gateway_socket))
            await _live_updates_ready(gateway)
            await _services_answer(gateway_url)
            limited_tracing = TracerProvider()
            limited = create_gateway_app(
                settings=limited_gateway_settings(
                    infra, issuer=issuer, jwks_url=jwks_url, services=urls
                ),
                tracer_provider=limited_tracing,
            )
            limited_url = running.enter_context(_served(limited, limited_tracing))
            yield Stack(
                url=gateway_url,
                limited_url=limited_url,
                service_urls=urls,
                gateway=gateway,
                gateway_settings=settings,
                names=names,
                signing_key=signing_key,
            )
    finally:
        await remove_data(infra, names)


async def remove_data(infra: InfraEndpoints, names: Names) -> None:
    """Drop the stack's databases, indices and topics (the test broker is shared)."""
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongo_url)
    try:
        for database in await mongo.list_database_names():
            if database.endswith(f"_{names.tag}"):
                await mongo.drop_database(database)
    finally:
        await mongo.close()
    elasticsearch = AsyncElasticsearch([infra.elasticsearch_url])
    try:
        await elasticsearch.indices.delete(index=f"{names.index_prefix}-*", ignore=[404])
    finally:
        await elasticsearch.close()
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap)
    await admin.start()
    try:
        doomed = [topic for topic in await admin.list_topics() if names.tag in topic]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()
