"""The one HTTP client every forwarded request shares: nothing of one person's answer travels
with another's request, small answers are relayed whole, and the hot path does no imports."""

import importlib.abc
import importlib.machinery
import socket
import sys
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from agora.gateway.upstream import BUFFERED_ANSWER_BYTES
from agora.localinfra import InfraEndpoints
from agora.testing.identity import TestIdentityProvider
from tests.gateway.harness import (
    bearer,
    bound_socket,
    gateway_settings,
    port_of,
    problem_of,
    running_gateway,
    serving,
)

pytestmark = pytest.mark.integration

LARGE = BUFFERED_ANSWER_BYTES * 3


def cookie_app() -> FastAPI:
    """Sets a cookie naming whoever asked, and says which cookies it received."""
    app = FastAPI()

    @app.get("/login")
    async def login(request: Request, response: Response) -> dict[str, str]:
        response.set_cookie("session", request.headers.get("x-who", "nobody"))
        return {"ok": "yes"}

    @app.get("/cookies")
    async def cookies(request: Request) -> dict[str, str | None]:
        return {"cookie": request.headers.get("cookie")}

    @app.get("/large")
    async def large() -> Response:
        return Response(content=b"x" * LARGE, media_type="application/octet-stream")

    return app


@pytest.fixture(scope="module")
def cookie_url() -> Iterator[str]:
    with serving(cookie_app()) as url:
        yield url


@pytest.fixture(scope="module")
def short_answer_url() -> Iterator[str]:
    """Declares a 100-byte body, sends 10 bytes of it and hangs up."""
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
                    connection.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                        b"Content-Length: 100\r\n\r\n0123456789"
                    )
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port_of(sock)}"
    stop.set()
    thread.join(timeout=5)
    sock.close()


@pytest.fixture(scope="module")
async def gateway(
    infra_endpoints: InfraEndpoints,
    identity: TestIdentityProvider,
    key_file: Path,
    jwks_url: str,
    cookie_url: str,
    short_answer_url: str,
) -> AsyncIterator[httpx.AsyncClient]:
    settings = gateway_settings(
        infra=infra_endpoints,
        identity=identity,
        key_file=key_file,
        jwks_url=jwks_url,
        services={"cookies": cookie_url, "short": short_answer_url},
        activity_enabled=False,
        live_enabled=False,
    )
    async with running_gateway(settings) as client:
        yield client


async def token(gateway: httpx.AsyncClient, person: str) -> dict[str, str]:
    response = await gateway.post("/dev-idp/token", json={"person_id": person})
    assert response.status_code == 200, response.text
    return bearer(str(response.json()["access_token"]))


async def test_a_cookie_a_service_sets_for_one_person_never_goes_out_with_anothers_requests(
    gateway: httpx.AsyncClient,
) -> None:
    alice, bob = await token(gateway, "person-alice"), await token(gateway, "person-bob")

    login = await gateway.get("/api/v1/cookies/login", headers={**alice, "X-Who": "alice"})
    seen_by_service = await gateway.get("/api/v1/cookies/cookies", headers=bob)

    assert login.status_code == 200
    assert "session=alice" in login.headers["set-cookie"]  # the client still gets its cookie
    assert seen_by_service.json() == {"cookie": None}


async def test_a_large_answer_arrives_whole_with_its_length(gateway: httpx.AsyncClient) -> None:
    alice = await token(gateway, "person-alice")

    response = await gateway.get("/api/v1/cookies/large", headers=alice)

    assert response.status_code == 200
    assert response.headers["content-length"] == str(LARGE)
    assert response.content == b"x" * LARGE
    # The client accepts gzip (httpx's default), yet the gateway never compresses a service's
    # answer itself: the service chose to send it as it is.
    assert "gzip" in response.request.headers["accept-encoding"]
    assert "content-encoding" not in response.headers


async def test_a_small_answer_cut_short_by_the_service_is_a_502_not_a_truncated_200(
    gateway: httpx.AsyncClient,
) -> None:
    alice = await token(gateway, "person-alice")

    response = await gateway.get("/api/v1/short/anything", headers=alice)

    assert response.status_code == 502
    assert problem_of(response)["service"] == "short"


class ImportRecorder(importlib.abc.MetaPathFinder):
    """Notes every module the import system is asked to find (and finds none itself)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        self.names.append(fullname)
        return None


async def test_forwarding_requests_makes_no_imports(gateway: httpx.AsyncClient) -> None:
    """A failed import searches the whole sys.path every time (httpcore tried to import the
    missing `sniffio` on every lock it set up: about 2 ms per request)."""
    alice = await token(gateway, "person-alice")
    await gateway.get("/api/v1/cookies/cookies", headers=alice)  # first-use imports happen here
    recorder = ImportRecorder()
    sys.meta_path.insert(0, recorder)
    try:
        for _ in range(5):
            response = await gateway.get("/api/v1/cookies/cookies", headers=alice)
            assert response.status_code == 200
    finally:
        sys.meta_path.remove(recorder)

    assert recorder.names == []
