"""The gateway process: wires the HTTP client, verifier, limits, activity signal (bootstrap)."""

import logging
from collections.abc import AsyncIterator, Callable, Container
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime
from typing import Any

import aiohttp
from fastapi import FastAPI
from opentelemetry.trace import TracerProvider
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from agora.eventsourcing import MongoEventStore, OutboxRelay
from agora.eventsourcing.kafka import create_producer
from agora.eventsourcing.lease import MongoLease
from agora.eventsourcing.topics import TopicSpec, ensure_topics
from agora.gateway import routes, stream
from agora.gateway.activity import ActivityRecorder, utc_now
from agora.gateway.auth import Authenticator
from agora.gateway.devidp import DevIdentityProvider, dev_idp_router
from agora.gateway.live import LiveHub, LiveLimits
from agora.gateway.livefeed import FeedChecker, FeedEventConsumer
from agora.gateway.openapi import OpenApiAggregator, docs_router
from agora.gateway.ratelimit import IpRateLimitMiddleware, TokenBuckets
from agora.gateway.readiness import service_readiness_check
from agora.gateway.security import GatewaySecurityHeadersMiddleware
from agora.gateway.settings import GatewaySettings
from agora.gateway.upstream import (
    API_PREFIX,
    METHODS,
    Forwarder,
    ServiceRoute,
    create_upstream_session,
    service_routes,
)
from agora.servicekit import ReadinessCheck, ServiceLifespan
from agora.servicekit import create_app as create_service_app
from agora.servicekit.identity import JwtVerifier
from agora.servicekit.middleware import REQUEST_ID_HEADER
from agora.servicekit.workers import Worker, running

EVENT_SOURCE = "/agora/gateway"
EVENT_TOPIC_PARTITIONS = 6
CORS_ALLOWED_HEADERS = [
    "Authorization",
    "Content-Type",
    "Accept",
    "Accept-Language",
    "Idempotency-Key",
    "If-Match",
    "If-None-Match",
    "Last-Event-ID",
    REQUEST_ID_HEADER,
]
CORS_EXPOSED_HEADERS = [REQUEST_ID_HEADER, "ETag", "Location", "Retry-After", "Link"]

_logger = logging.getLogger(__name__)


def create_app(
    *,
    settings: GatewaySettings,
    tracer_provider: TracerProvider | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> FastAPI:
    """The gateway app; its lifespan opens the client pool and the activity signal's store."""
    service_route_map = service_routes(settings)
    verifier = JwtVerifier.from_settings(settings)

    def upstream_session() -> aiohttp.ClientSession:
        session: aiohttp.ClientSession = app.state.upstream_session
        return session

    async def database_ready() -> None:
        database: AsyncDatabase[dict[str, Any]] = app.state.database
        await database.command("ping")

    readiness_checks: dict[str, ReadinessCheck] = (
        {"database": database_ready} if settings.activity_enabled else {}
    )
    middleware = [
        Middleware(
            IpRateLimitMiddleware,
            buckets=TokenBuckets(
                rate=settings.rate_limit_ip_per_second,
                burst=settings.rate_limit_ip_burst,
                max_keys=settings.rate_limit_tracked_keys,
            ),
        )
    ]
    if settings.cors_origins:
        # Outside the rate limit, so a refused request still carries the CORS headers a
        # browser needs to show the 429 to the front-end.
        middleware.insert(
            0,
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=METHODS,
                allow_headers=CORS_ALLOWED_HEADERS,
                expose_headers=CORS_EXPOSED_HEADERS,
                allow_credentials=False,  # bearer tokens, never cookies
                max_age=settings.cors_max_age_seconds,
            ),
        )
    routers = [stream.router]
    if settings.dev_idp_enabled:
        routers.append(dev_idp_router(_dev_identity_provider(settings)))
    app = create_service_app(
        settings=settings,
        routers=routers,
        readiness_checks=readiness_checks,
        upstream_checks={
            name: service_readiness_check(upstream_session, route)
            for name, route in service_route_map.items()
        },
        lifespan=_lifespan(settings=settings, verifier=verifier, clock=clock),
        tracer_provider=tracer_provider,
        title="Agora gateway",
        middleware=middleware,
        docs_url=None,
        openapi_url=None,
        # A service's answer passes as the service sent it (compressed or not), never
        # compressed again here: the gateway's CPU is every request's.
        uncompressed_path_prefixes=(API_PREFIX + "/",),
    )
    # Outermost: the headers go on every answer, the kit's problems and services' alike.
    app.add_middleware(
        GatewaySecurityHeadersMiddleware, hsts_max_age_seconds=settings.hsts_max_age_seconds
    )
    app.include_router(docs_router(lambda: app.state.openapi))
    # First: the hot path (see `routes.service_routes` for why the others still get theirs).
    app.router.routes[0:0] = routes.service_routes()
    return app


def _dev_identity_provider(settings: GatewaySettings) -> DevIdentityProvider:
    if settings.dev_idp_signing_key_file is None or settings.auth_issuer is None:
        raise ValueError("the development identity provider needs a signing key and an issuer")
    _logger.warning("the development identity provider is enabled: anyone can get tokens")
    return DevIdentityProvider.from_file(
        settings.dev_idp_signing_key_file,
        key_id=settings.dev_idp_key_id,
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
        lifetime=settings.dev_idp_token_lifetime_seconds,
    )


def _lifespan(
    *, settings: GatewaySettings, verifier: JwtVerifier, clock: Callable[[], datetime]
) -> ServiceLifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        route_map = service_routes(settings)
        async with create_upstream_session(settings) as session:
            app.state.upstream_session = session
            app.state.openapi = OpenApiAggregator(
                session=session, routes=route_map, ttl_seconds=settings.openapi_cache_seconds
            )
            forwarder = Forwarder(
                session=session, routes=route_map, max_body=settings.max_request_body_bytes
            )
            # The service kit follows the person cards (`revoked_access` readiness check).
            revoked: Container[str] = getattr(app.state, "revoked_access", frozenset())
            authenticator = Authenticator(
                verifier=verifier, service_roles=settings.service_roles, revoked=revoked
            )
            person_limits = TokenBuckets(
                rate=settings.rate_limit_person_per_second,
                burst=settings.rate_limit_person_burst,
                max_keys=settings.rate_limit_tracked_keys,
            )
            live = _live_hub(settings, session, route_map)
            workers: list[Worker] = []
            if live is not None:
                consumer = FeedEventConsumer(
                    bootstrap_servers=settings.kafka_bootstrap_servers,
                    topic=settings.live_feed_topic,
                    hub=live,
                    client_id=f"{settings.service_name}-live",
                )
                app.state.live_consumer = consumer
                workers.append(consumer)
            async with AsyncExitStack() as stack:
                activity: ActivityRecorder | None = None
                if settings.activity_enabled:
                    activity, activity_workers = await stack.enter_async_context(
                        _activity_signal(settings=settings, app=app, clock=clock)
                    )
                    workers.extend(activity_workers)
                app.state.gateway = routes.Gateway(
                    authenticator=authenticator,
                    forwarder=forwarder,
                    person_limits=person_limits,
                    activity=activity,
                    live=live,
                )
                async with running(workers):
                    try:
                        yield
                    finally:
                        if activity is not None:
                            await activity.drain()
                        if live is not None:
                            await live.aclose()

    return lifespan


def _live_hub(
    settings: GatewaySettings,
    session: aiohttp.ClientSession,
    route_map: dict[str, ServiceRoute],
) -> LiveHub | None:
    feed = route_map.get(settings.live_feed_service)
    if not settings.live_enabled or feed is None:
        return None
    checker = FeedChecker(
        session=session,
        route=feed,
        concurrency=settings.live_check_concurrency,
        timeout_seconds=settings.live_check_timeout_seconds,
    )
    return LiveHub(
        checks=checker,
        limits=LiveLimits(
            max_streams_per_person=settings.live_max_streams_per_person,
            max_streams=settings.live_max_streams,
            replay_signals=settings.live_replay_signals,
            replay_seconds=settings.live_replay_seconds,
            reconnect_grace_seconds=settings.live_reconnect_grace_seconds,
            check_delays=settings.live_check_delays_seconds,
            check_min_interval=settings.live_check_min_interval_seconds,
            heartbeat_seconds=settings.live_heartbeat_seconds,
        ),
    )


@asynccontextmanager
async def _activity_signal(
    *, settings: GatewaySettings, app: FastAPI, clock: Callable[[], datetime]
) -> AsyncIterator[tuple[ActivityRecorder, list[Worker]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_url.get_secret_value(), tz_aware=True
    )
    try:
        database = client[settings.mongo_database]
        app.state.database = database
        store = MongoEventStore(database=database, source=EVENT_SOURCE)
        await store.create_indexes()
        await ensure_topics(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topics=[TopicSpec(settings.events_topic, partitions=EVENT_TOPIC_PARTITIONS)],
        )
        producer = create_producer(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            client_id=f"{settings.service_name}-relay",
        )
        await producer.start()
        try:
            relay = OutboxRelay(
                store=store,
                producer=producer,
                topic=settings.events_topic,
                lease=MongoLease(
                    database=database,
                    name=f"relay:{settings.events_topic}",
                    owner=OutboxRelay.owner_id(),
                ),
            )
            yield ActivityRecorder(store=store, clock=clock), [relay]
        finally:
            await producer.stop()
    finally:
        await client.close()
