"""Fixtures building the probe service with the kit, served in process over ASGI."""

import logging
import os
from collections.abc import AsyncIterator, Iterator, Mapping

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from agora.servicekit import (
    ProblemRegistry,
    ReadinessCheck,
    ServiceSettings,
    create_app,
    default_problem_registry,
)
from agora.servicekit.app import ServiceLifespan

from .probe_service import (
    BODY_LIMIT,
    AppFactory,
    QuotaExceededError,
    client_of,
    things_router,
)


@pytest.fixture(autouse=True)
def no_agora_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the machine's AGORA_* variables out of the settings under test."""
    for name in list(os.environ):
        if name.upper().startswith("AGORA_"):
            monkeypatch.delenv(name)


@pytest.fixture
def settings() -> ServiceSettings:
    return ServiceSettings(
        service_name="probe",
        environment="test",
        max_request_body_bytes=BODY_LIMIT,
        readiness_timeout_seconds=0.2,
        revocation_enabled=False,  # no Kafka here; tests/communities/test_ended_access.py
    )


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def tracer_provider(spans: InMemorySpanExporter) -> Iterator[TracerProvider]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    yield provider
    provider.shutdown()


@pytest.fixture
def problems() -> ProblemRegistry:
    registry = default_problem_registry()
    registry.register(
        QuotaExceededError,
        status=429,
        type_uri="https://agora.example/problems/quota-exceeded",
        title="Too many things today",
    )
    return registry


@pytest.fixture
def make_app(
    settings: ServiceSettings, tracer_provider: TracerProvider, problems: ProblemRegistry
) -> AppFactory:
    def make(
        *,
        readiness_checks: Mapping[str, ReadinessCheck] | None = None,
        lifespan: ServiceLifespan | None = None,
    ) -> FastAPI:
        return create_app(
            settings=settings,
            routers=[things_router()],
            readiness_checks=readiness_checks or {},
            lifespan=lifespan,
            problems=problems,
            tracer_provider=tracer_provider,
            version="1.2.3",
        )

    return make


@pytest.fixture
def app(make_app: AppFactory) -> FastAPI:
    return make_app()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(app) as client:
        yield client


@pytest.fixture
def restore_root_logger() -> Iterator[logging.Logger]:
    """Undo whatever a test does to the root logger's handlers and level."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)
