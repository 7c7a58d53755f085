"""The FastAPI app factory every Agora service builds its API with."""

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import MappingProxyType

from fastapi import APIRouter, FastAPI
from opentelemetry.trace import TracerProvider
from starlette.middleware import Middleware

from agora.eventsourcing.topics import cards_topic
from agora.servicekit.compression import ResponseCompressionMiddleware
from agora.servicekit.health import ReadinessCheck, health_router
from agora.servicekit.logging import configure_logging
from agora.servicekit.metrics import HttpMetricsMiddleware, metrics_router
from agora.servicekit.middleware import (
    BodySizeLimitMiddleware,
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
    UnhandledErrorMiddleware,
)
from agora.servicekit.problems import (
    ProblemRegistry,
    default_problem_registry,
    install_problem_handlers,
)
from agora.servicekit.revocation import CardFollower, RevokedAccess
from agora.servicekit.settings import ServiceSettings
from agora.servicekit.tracing import install_tracing, server_span_telemetry
from agora.servicekit.workers import running

ServiceLifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
"""Opens a service's own resources (clients, consumers) on startup and closes them on shutdown."""

_NO_READINESS_CHECKS: Mapping[str, ReadinessCheck] = MappingProxyType({})


def create_app(
    *,
    settings: ServiceSettings,
    routers: Sequence[APIRouter] = (),
    readiness_checks: Mapping[str, ReadinessCheck] = _NO_READINESS_CHECKS,
    upstream_checks: Mapping[str, ReadinessCheck] = _NO_READINESS_CHECKS,
    liveness_checks: Mapping[str, ReadinessCheck] = _NO_READINESS_CHECKS,
    lifespan: ServiceLifespan | None = None,
    problems: ProblemRegistry | None = None,
    tracer_provider: TracerProvider | None = None,
    title: str | None = None,
    version: str = "0.1.0",
    middleware: Sequence[Middleware] = (),
    docs_url: str | None = "/docs",
    openapi_url: str | None = "/openapi.json",
    uncompressed_path_prefixes: tuple[str, ...] = (),
) -> FastAPI:
    """Build a service's FastAPI app with problem details, health, metrics, logs and tracing."""
    # Nothing connects here: the lifespan configures logging, installs the global tracer
    # provider (unless one is passed, as tests do: a process can install only one) and enters
    # the service's `lifespan`. A service's `problems` should extend default_problem_registry().
    # `middleware` runs inside the kit's own (so its answers, e.g. a CORS preflight, still get
    # a request id, security headers and metrics); `upstream_checks` are reported by /readyz
    # without gating it; `liveness_checks` make /healthz fail (the process is restarted).
    # A `worker` process (settings.process_role) serves only health and metrics: no routes,
    # no OpenAPI document. An API process with `settings.revocation_enabled` follows the person
    # cards and refuses people who left or were erased (`app.state.revoked_access`, used by
    # `require_identity`), ready once the cards present at its start are read. Answers are
    # gzip-compressed for clients that accept it (`agora.servicekit.compression`), except under
    # `uncompressed_path_prefixes` (the gateway's forwarded paths: each service compresses its own).
    serves_api = settings.process_role != "worker"
    card_follower = _card_follower(settings) if serves_api else None
    if card_follower is not None:
        readiness_checks = {**readiness_checks, "revoked_access": card_follower.check_ready}
    app = FastAPI(
        title=title if title is not None else settings.service_name,
        version=version,
        docs_url=docs_url if serves_api else None,
        openapi_url=openapi_url if serves_api else None,
        redoc_url=None,
        telemetry=server_span_telemetry(tracer_provider=tracer_provider),
        lifespan=_service_lifespan(
            settings=settings,
            lifespan=lifespan,
            own_tracing=tracer_provider is None,
            card_follower=card_follower,
        ),
        # Outermost first: metrics see every response, including the ones the inner layers make.
        middleware=[
            Middleware(HttpMetricsMiddleware),
            Middleware(RequestIdMiddleware),
            Middleware(SecurityHeadersMiddleware),
            Middleware(
                UnhandledErrorMiddleware,
                problems=problems if problems is not None else default_problem_registry(),
            ),
            Middleware(BodySizeLimitMiddleware, max_body_bytes=settings.max_request_body_bytes),
            *_compression(settings, uncompressed_path_prefixes),
            *middleware,
        ],
    )
    if card_follower is not None:
        app.state.revoked_access = card_follower.revoked
    install_problem_handlers(app=app)
    app.include_router(
        health_router(
            readiness_checks=readiness_checks,
            timeout_seconds=settings.readiness_timeout_seconds,
            upstream_checks=upstream_checks,
            liveness_checks=liveness_checks,
        )
    )
    app.include_router(metrics_router())
    for router in routers if serves_api else ():
        app.include_router(router)
    return app


def _compression(settings: ServiceSettings, exempt: tuple[str, ...]) -> list[Middleware]:
    if settings.response_compression_level == 0:
        return []
    return [
        Middleware(
            ResponseCompressionMiddleware,
            minimum_bytes=settings.response_compression_min_bytes,
            level=settings.response_compression_level,
            exempt_path_prefixes=exempt,
        )
    ]


def _card_follower(settings: ServiceSettings) -> CardFollower | None:
    if not settings.revocation_enabled:
        return None
    return CardFollower(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        topic=cards_topic(settings.profile_cards_topic),
        revoked=RevokedAccess(),
        client_id=f"{settings.service_name}-cards",
    )


def _service_lifespan(
    *,
    settings: ServiceSettings,
    lifespan: ServiceLifespan | None,
    own_tracing: bool,
    card_follower: CardFollower | None,
) -> ServiceLifespan:
    @asynccontextmanager
    async def service_lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(service_name=settings.service_name, level=settings.log_level)
        tracing = install_tracing(settings=settings) if own_tracing else None
        try:
            async with running([card_follower] if card_follower is not None else []):
                if lifespan is None:
                    yield
                else:
                    async with lifespan(app):
                        yield
        finally:
            if tracing is not None:
                await tracing.shutdown()

    return service_lifespan
