"""Fixtures of the gateway tests: real upstream servers, a development identity provider
served over HTTP, and the gateway app under test."""

import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from agora.communities.app import create_app as create_communities_app
from agora.gateway.app import create_app
from agora.gateway.settings import GatewaySettings
from agora.localinfra import InfraEndpoints
from agora.testing.identity import TestIdentityProvider
from tests.communities.harness import fresh_settings
from tests.gateway.harness import (
    bound_socket,
    closed_port_url,
    echo_app,
    garbage_server,
    gateway_settings,
    port_of,
    running_gateway,
    serving,
    write_private_key,
)


@pytest.fixture(scope="session")
def identity() -> TestIdentityProvider:
    return TestIdentityProvider()


@pytest.fixture(scope="session")
def key_file(identity: TestIdentityProvider, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_private_key(identity.key, tmp_path_factory.mktemp("idp") / "signing-key.pem")


@pytest.fixture(scope="session")
def idp_url(identity: TestIdentityProvider, key_file: Path) -> Iterator[str]:
    """A gateway with only its development identity provider, served over real HTTP."""
    sock = bound_socket()
    settings = GatewaySettings(
        environment="test",
        services={},
        activity_enabled=False,
        revocation_enabled=False,
        auth_issuer=identity.issuer,
        auth_audience=identity.audience,
        auth_public_key_pem=identity.public_key_pem,
        dev_idp_enabled=True,
        dev_idp_signing_key_file=key_file,
        dev_idp_key_id="gateway-test",
        port=port_of(sock),
    )
    tracer_provider = TracerProvider()
    with serving(create_app(settings=settings, tracer_provider=tracer_provider), sock) as url:
        yield url
    tracer_provider.shutdown()


@pytest.fixture(scope="session")
def jwks_url(idp_url: str) -> str:
    return f"{idp_url}/dev-idp/jwks.json"


@pytest.fixture(scope="session")
def echo() -> Iterator[tuple[str, threading.Event]]:
    app, release = echo_app()
    with serving(app) as url:
        yield url, release


@pytest.fixture(scope="session")
def echo_url(echo: tuple[str, threading.Event]) -> str:
    return echo[0]


@pytest.fixture(scope="session")
def garbage_url() -> Iterator[str]:
    with garbage_server() as url:
        yield url


@pytest.fixture(scope="session")
def communities_url(
    infra_endpoints: InfraEndpoints, identity: TestIdentityProvider
) -> Iterator[str]:
    """The real communities service (its Kafka, FerretDB and relay included) over HTTP."""
    tracer_provider = TracerProvider()
    settings = fresh_settings(infra_endpoints, identity)
    app = create_communities_app(settings=settings, tracer_provider=tracer_provider)
    with serving(app) as url:
        yield url
    tracer_provider.shutdown()


@pytest.fixture(scope="session")
def down_url() -> str:
    return closed_port_url()


@pytest.fixture(scope="session")
def services(
    echo_url: str, communities_url: str, down_url: str, garbage_url: str
) -> dict[str, str]:
    return {
        "echo": echo_url,
        "communities": communities_url,
        "search": down_url,
        "broken": garbage_url,
    }


@pytest.fixture(scope="module")
def settings(
    infra_endpoints: InfraEndpoints,
    identity: TestIdentityProvider,
    key_file: Path,
    jwks_url: str,
    services: dict[str, str],
) -> GatewaySettings:
    return gateway_settings(
        infra=infra_endpoints,
        identity=identity,
        key_file=key_file,
        jwks_url=jwks_url,
        services=services,
    )


@pytest.fixture(scope="module")
async def gateway(settings: GatewaySettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_gateway(settings) as client:
        yield client
