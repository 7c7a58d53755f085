"""Real HTTP servers for the gateway tests: uvicorn in threads, raw sockets, token helpers."""

import asyncio
import hashlib
import json
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request, Response
from fastapi.responses import StreamingResponse
from opentelemetry.sdk.trace import TracerProvider
from pydantic import BaseModel
from pymongo import AsyncMongoClient

from agora.gateway.app import create_app
from agora.gateway.settings import GatewaySettings
from agora.localinfra import InfraEndpoints
from agora.testing.identity import TestIdentityProvider

DEV_IDP_KEY_ID = "gateway-test"


def bound_socket() -> socket.socket:
    """A listening-ready TCP socket on a free loopback port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def port_of(sock: socket.socket) -> int:
    port: int = sock.getsockname()[1]
    return port


def closed_port_url() -> str:
    """The URL of a loopback port nothing listens on."""
    sock = bound_socket()
    port = port_of(sock)
    sock.close()
    return f"http://127.0.0.1:{port}"


@contextmanager
def serving(app: Any, sock: socket.socket | None = None, *, timeout: float = 60.0) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a thread (lifespan included); yields its base URL."""
    sock = sock or bound_socket()
    config = uvicorn.Config(app, log_config=None, lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port_of(sock)}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


class EchoedRequest(BaseModel):
    method: str
    path: str
    raw_path: str
    query: str
    headers: list[tuple[str, str]]
    body_bytes: int
    body_sha256: str


def echo_app() -> tuple[FastAPI, threading.Event]:
    """A small service that answers what it received, streams, and dawdles on request."""
    app = FastAPI(title="Echo")
    release = threading.Event()

    class Thing(BaseModel):
        name: str

    class ProblemDetails(BaseModel):
        """Clashes by name with the communities service's schema of the same name."""

        title: str

    @app.api_route(
        "/echo/{rest:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    async def echo(request: Request, rest: str) -> EchoedRequest:
        digest = hashlib.sha256()
        size = 0
        async for chunk in request.stream():
            digest.update(chunk)
            size += len(chunk)
        return EchoedRequest(
            method=request.method,
            path=request.url.path,
            raw_path=request.scope["raw_path"].decode(),
            query=request.scope["query_string"].decode(),
            headers=[(k, v) for k, v in request.headers.items()],
            body_bytes=size,
            body_sha256=digest.hexdigest(),
        )

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"first chunk\n"
            # Held back until the test has seen the first chunk through the gateway: a
            # gateway that buffered answers would never show it, and the test would time out.
            await asyncio.to_thread(release.wait, 30)
            yield b"second chunk\n"

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.post("/created", status_code=201)
    async def created(response: Response) -> dict[str, str]:
        response.headers["Location"] = "/things/7"
        response.headers.append("Vary", "Accept")
        response.headers.append("Vary", "Accept-Language")
        return {"id": "7"}

    @app.get("/slow")
    async def slow(seconds: float) -> dict[str, str]:
        await asyncio.sleep(seconds)
        return {"slept": str(seconds)}

    @app.post("/things", responses={400: {"model": ProblemDetails}})
    async def create_thing(thing: Thing) -> Thing:
        return thing

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ok"}

    return app, release


@contextmanager
def garbage_server() -> Iterator[str]:
    """A TCP server that answers every connection with something that is not HTTP."""
    sock = bound_socket()
    sock.listen()
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = sock.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(1)
                try:
                    connection.recv(65536)
                    connection.sendall(b"this is not HTTP at all\r\n\r\n")
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port_of(sock)}"
    finally:
        stop.set()
        thread.join(timeout=5)
        sock.close()


def write_private_key(key: rsa.RSAPrivateKey, path: Path) -> Path:
    """Write ``key`` as an unencrypted PKCS#8 PEM file."""
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def claims(identity: TestIdentityProvider, person: str, **overrides: Any) -> dict[str, Any]:
    """Valid claims for ``person``; an override of None removes the claim."""
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": identity.issuer,
        "aud": identity.audience,
        "sub": person,
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": str(uuid.uuid4()),
        "roles": [],
    }
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def signed(
    key: rsa.RSAPrivateKey,
    identity: TestIdentityProvider,
    person: str,
    *,
    kid: str = DEV_IDP_KEY_ID,
    **overrides: Any,
) -> str:
    """A token signed with ``key`` (RS256) under ``kid``."""
    return jwt.encode(
        claims(identity, person, **overrides), key, algorithm="RS256", headers={"kid": kid}
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def gateway_settings(
    *,
    infra: InfraEndpoints,
    identity: TestIdentityProvider,
    key_file: Path,
    jwks_url: str,
    services: dict[str, str],
    **overrides: Any,
) -> GatewaySettings:
    """Settings of a gateway trusting the test identity, with a database and topic of its own."""
    suffix = uuid.uuid4().hex[:10]
    values: dict[str, Any] = {
        "environment": "test",
        "kafka_bootstrap_servers": infra.kafka_bootstrap,
        "mongo_url": infra.mongo_url,
        "mongo_database": f"test_gateway_{suffix}",
        "events_topic": f"agora.test{suffix}.gateway.events",
        "profile_cards_topic": f"agora.test{suffix}.profiles.cards",
        "services": services,
        "auth_issuer": identity.issuer,
        "auth_audience": identity.audience,
        "auth_jwks_url": jwks_url,
        "dev_idp_enabled": True,
        "dev_idp_signing_key_file": key_file,
        "dev_idp_key_id": DEV_IDP_KEY_ID,
        "read_timeout_seconds": 1.0,
        "connect_timeout_seconds": 1.0,
        "readiness_timeout_seconds": 2.0,
        "rate_limit_person_per_second": 1000.0,
        "rate_limit_person_burst": 1000,
        "rate_limit_ip_per_second": 1000.0,
        "rate_limit_ip_burst": 1000,
        "max_request_body_bytes": 256 * 1024,
        "cors_origins": ("https://agora.example.com",),
        "openapi_cache_seconds": 0.0,
    }
    values.update(overrides)
    return GatewaySettings(**values)


@asynccontextmanager
async def running_gateway(
    settings: GatewaySettings, *, base_url: str = "http://gateway.test", drop_database: bool = True
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway app in process (lifespan entered), called over ASGI; database dropped after."""
    tracer_provider = TracerProvider()
    app = create_app(settings=settings, tracer_provider=tracer_provider)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, client=("203.0.113.7", 40000)),
                base_url=base_url,
            ) as client,
        ):
            yield client
    finally:
        tracer_provider.shutdown()
        if settings.activity_enabled and drop_database:
            mongo: AsyncMongoClient[Any] = AsyncMongoClient(settings.mongo_url.get_secret_value())
            await mongo.drop_database(settings.mongo_database)
            await mongo.close()


def problem_of(response: httpx.Response) -> dict[str, Any]:
    """The problem body of a response, checked to be RFC 9457 problem details."""
    assert response.headers["content-type"] == "application/problem+json", response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    return body


def echoed(response: httpx.Response) -> EchoedRequest:
    assert response.status_code == 200, response.text
    return EchoedRequest.model_validate(json.loads(response.content))
