"""The search service as ``python -m agora.search`` runs it, in its own process, and the
open-loop load that measures its latency (requests start on schedule, whatever the earlier
ones are doing, so a slow period shows up instead of slowing the load down)."""

import asyncio
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from agora.testing.identity import TestIdentityProvider
from bench.stats import Distribution, distribution

READY_TIMEOUT_SECONDS = 120.0
REQUEST_TIMEOUT_SECONDS = 30.0


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def service_process(environment: Mapping[str, str], log_path: str) -> Iterator[str]:
    """``python -m agora.search`` with ``environment``; yields its base URL."""
    port = free_port()
    env = {**os.environ, **environment, "AGORA_PORT": str(port), "AGORA_LOG_LEVEL": "WARNING"}
    with open(log_path, "w", encoding="utf-8") as log:  # noqa: PTH123
        process = subprocess.Popen(
            [sys.executable, "-m", "agora.search"], env=env, stdout=log, stderr=log
        )
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def wait_ready(base_url: str) -> None:
    """Until ``/readyz`` answers 200."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    async with httpx.AsyncClient(base_url=base_url) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError(f"the search service at {base_url} never became ready")


@asynccontextmanager
async def client_for(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A pooled client without a connection limit (the load must not queue in the client)."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=200)
    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, timeout=REQUEST_TIMEOUT_SECONDS
    ) as client:
        yield client


@dataclass
class LoadResult:
    """Latency of one endpoint under a fixed arrival rate."""

    name: str
    rate: float
    seconds: float
    latency: Distribution
    errors: int
    mean_results: float


async def open_loop(
    client: httpx.AsyncClient,
    *,
    name: str,
    path: str,
    params: Callable[[random.Random], dict[str, Any]],
    headers: Callable[[random.Random], dict[str, str]],
    rate: float,
    seconds: float,
    seed: int,
) -> LoadResult:
    """Send requests every ``1/rate`` s for ``seconds``; latency from the scheduled start."""
    rng = random.Random(seed)
    total = int(rate * seconds)
    start = time.monotonic() + 0.1
    durations: list[float] = []
    results: list[int] = []
    errors = 0

    async def one(
        number: int, request_params: dict[str, Any], request_headers: dict[str, str]
    ) -> None:
        nonlocal errors
        scheduled = start + number / rate
        await asyncio.sleep(max(0.0, scheduled - time.monotonic()))
        try:
            response = await client.get(path, params=request_params, headers=request_headers)
        except httpx.HTTPError:
            errors += 1
            durations.append(float("inf"))
            return
        durations.append(time.monotonic() - scheduled)
        if response.status_code != 200:
            errors += 1
            return
        body = response.json()
        found = body.get("results", body.get("people", []))
        results.append(len(found))

    await asyncio.gather(*(one(n, params(rng), headers(rng)) for n in range(total)))
    return LoadResult(
        name=name,
        rate=rate,
        seconds=seconds,
        latency=distribution(durations),
        errors=errors,
        mean_results=sum(results) / len(results) if results else 0.0,
    )


def identity_environment(identity: TestIdentityProvider) -> dict[str, str]:
    """The ``AGORA_AUTH_*`` variables that make the service trust ``identity``'s tokens."""
    return {
        "AGORA_AUTH_ISSUER": identity.issuer,
        "AGORA_AUTH_AUDIENCE": identity.audience,
        "AGORA_AUTH_PUBLIC_KEY_PEM": identity.public_key_pem,
    }
