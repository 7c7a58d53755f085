"""Probes that tell whether a component really answers; each returns None or why not."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from pymongo import MongoClient
from pymongo.errors import PyMongoError

_PROBE_TIMEOUT = 3.0
_READINESS_GROUP = "agora.readiness"


@contextmanager
def _silenced(logger_name: str) -> Iterator[None]:
    # aiokafka logs every refused connection at ERROR level while a broker is still starting.
    logger = logging.getLogger(logger_name)
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)


async def _kafka_cluster_id(bootstrap: str) -> str:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=int(_PROBE_TIMEOUT * 1000)
    )
    try:
        await asyncio.wait_for(admin.start(), _PROBE_TIMEOUT)
        cluster: dict[str, Any] = await asyncio.wait_for(admin.describe_cluster(), _PROBE_TIMEOUT)
        # Consumer groups work only once __consumer_offsets exists: a fresh broker creates it
        # on the first coordinator lookup and answers "not available" until then.
        await asyncio.wait_for(admin.find_coordinator(_READINESS_GROUP), _PROBE_TIMEOUT)
    finally:
        await admin.close()
    return str(cluster["cluster_id"])


def kafka_problem(bootstrap: str, expected_cluster_id: str | None) -> str | None:
    """Ask for cluster metadata and a group coordinator; check that it is the expected cluster."""
    # A worker thread keeps asyncio.run legal when the caller already runs an event loop.
    with _silenced("aiokafka"), ThreadPoolExecutor(max_workers=1) as pool:
        try:
            cluster_id = pool.submit(asyncio.run, _kafka_cluster_id(bootstrap)).result()
        except (KafkaError, OSError, TimeoutError) as error:
            return f"no metadata from {bootstrap} ({type(error).__name__}: {error})"
    if expected_cluster_id is not None and cluster_id != expected_cluster_id:
        return f"{bootstrap} belongs to cluster {cluster_id}, expected {expected_cluster_id}"
    return None


def elasticsearch_problem(url: str, cluster_name: str) -> str | None:
    """Check the cluster name at GET / and a yellow or green GET /_cluster/health."""
    try:
        with httpx.Client(base_url=url, timeout=_PROBE_TIMEOUT) as client:
            root = client.get("/")
            if root.status_code != 200:
                return f"GET {url}/ answered {root.status_code}"
            name = root.json().get("cluster_name")
            if name != cluster_name:
                return f"{url} belongs to cluster {name!r}, expected {cluster_name!r}"
            health = client.get("/_cluster/health").json().get("status")
    except (httpx.HTTPError, ValueError) as error:
        return f"no answer from {url} ({type(error).__name__}: {error})"
    if health not in ("yellow", "green"):
        return f"cluster health is {health}"
    return None


def mongo_problem(url: str) -> str | None:
    """Send a MongoDB ping."""
    timeout_ms = int(_PROBE_TIMEOUT * 1000)
    client: MongoClient[dict[str, Any]] = MongoClient(
        url, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms
    )
    try:
        client.admin.command("ping")
    except PyMongoError as error:
        return f"no ping answer from {url} ({type(error).__name__})"
    finally:
        client.close()
    return None


def http_problem(url: str) -> str | None:
    """Expect 200 from a readiness URL."""
    try:
        response = httpx.get(url, timeout=_PROBE_TIMEOUT)
    except httpx.HTTPError as error:
        return f"no answer from {url} ({type(error).__name__})"
    if response.status_code != 200:
        return f"{url} answered {response.status_code}"
    return None
