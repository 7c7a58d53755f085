import asyncio

import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from pydantic import ValidationError

from agora.servicekit import ServiceSettings, create_app
from agora.servicekit.settings import ProcessRole
from agora.servicekit.workers import ProcessWorkers, RunningWorkers, running

from .probe_service import client_of, things_router

pytestmark = pytest.mark.unit


class IdleWorker:
    def __init__(self) -> None:
        self._stop = asyncio.Event()

    async def run(self) -> None:
        await self._stop.wait()

    def stop(self) -> None:
        self._stop.set()


class CrashingWorker:
    async def run(self) -> None:
        raise RuntimeError("boom")

    def stop(self) -> None:
        pass


def role_app(role: ProcessRole, workers: list[RunningWorkers]) -> FastAPI:
    settings = ServiceSettings(
        service_name="probe", environment="test", process_role=role, revocation_enabled=False
    )

    async def workers_alive() -> None:
        await workers[0].check_alive()

    return create_app(
        settings=settings,
        routers=[things_router()],
        liveness_checks={"workers": workers_alive},
        tracer_provider=TracerProvider(),
    )


def test_a_process_runs_everything_unless_told_otherwise() -> None:
    assert ServiceSettings(service_name="probe").process_role == "all"


def test_the_role_comes_from_the_environment_and_unknown_roles_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AGORA_PROCESS_ROLE", "worker")
    assert ServiceSettings(service_name="probe").process_role == "worker"

    monkeypatch.setenv("AGORA_PROCESS_ROLE", "relay")
    with pytest.raises(ValidationError):
        ServiceSettings(service_name="probe")


def test_an_api_process_runs_only_the_outbox_and_a_worker_process_everything() -> None:
    relay, runner, archiver = IdleWorker(), IdleWorker(), IdleWorker()
    workers = ProcessWorkers(outbox=[relay], background=[runner, archiver])

    assert workers.for_role("api") == [relay]
    assert workers.for_role("worker") == [relay, runner, archiver]
    assert workers.for_role("all") == [relay, runner, archiver]


async def test_a_worker_process_serves_probes_and_metrics_but_no_routes_or_documents() -> None:
    async with running([IdleWorker()]) as started:
        app = role_app("worker", [started])
        async with client_of(app) as client:
            answers = {
                path: (await client.get(path)).status_code
                for path in (
                    "/healthz",
                    "/readyz",
                    "/metrics",
                    "/things/1",
                    "/openapi.json",
                    "/docs",
                )
            }

    assert answers == {
        "/healthz": 200,
        "/readyz": 200,
        "/metrics": 200,
        "/things/1": 404,
        "/openapi.json": 404,
        "/docs": 404,
    }


@pytest.mark.parametrize("role", ["api", "all"])
async def test_api_and_all_processes_serve_the_routes_and_their_documents(
    role: ProcessRole,
) -> None:
    async with (
        running([IdleWorker()]) as started,
        client_of(role_app(role, [started])) as client,
    ):
        thing = await client.get("/things/1")
        schema = await client.get("/openapi.json")

    assert thing.status_code == 200
    assert "/things/{thing_id}" in schema.json()["paths"]


async def test_liveness_fails_once_a_worker_has_stopped_so_the_process_is_restarted() -> None:
    async with running([IdleWorker(), CrashingWorker()]) as started:
        await asyncio.sleep(0.05)
        async with client_of(role_app("worker", [started])) as client:
            healthz = await client.get("/healthz")

    assert healthz.status_code == 503
    assert healthz.headers["content-type"] == "application/problem+json"
    body = healthz.json()
    assert body["type"].endswith("/not-alive")
    assert body["checks"] == {"workers": {"status": "failed", "error": "stopped: CrashingWorker"}}


async def test_healthy_workers_are_reported_by_the_liveness_endpoint() -> None:
    async with running([IdleWorker()]) as started:
        assert started.stopped() == []
        async with client_of(role_app("api", [started])) as client:
            healthz = await client.get("/healthz")

    assert healthz.json() == {"status": "ok", "checks": {"workers": {"status": "ok"}}}


async def test_running_no_workers_is_allowed() -> None:
    async with running([]) as started:
        await started.check_alive()
