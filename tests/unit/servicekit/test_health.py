import asyncio

import pytest
from opentelemetry.sdk.trace import TracerProvider

from agora.servicekit import ReadinessFailure, ServiceSettings, create_app

from .probe_service import AppFactory, client_of, problem_of

pytestmark = pytest.mark.unit


async def passing() -> None:
    await asyncio.sleep(0)


async def refusing() -> None:
    raise ConnectionRefusedError("mongodb://admin:s3cret@db:27017 refused")


async def hanging() -> None:
    await asyncio.sleep(3600)


async def test_healthz_answers_ok_while_the_process_serves(make_app: AppFactory) -> None:
    async with client_of(make_app(readiness_checks={"db": refusing})) as client:
        response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_200_with_each_check_when_all_pass(make_app: AppFactory) -> None:
    app = make_app(readiness_checks={"db": passing, "broker": passing})

    async with client_of(app) as client:
        response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"db": {"status": "ok"}, "broker": {"status": "ok"}},
    }


async def test_readyz_is_a_503_problem_naming_the_failing_check(make_app: AppFactory) -> None:
    app = make_app(readiness_checks={"db": refusing, "broker": passing})

    async with client_of(app) as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    problem = problem_of(response)
    assert "db" in problem["detail"]
    assert problem["checks"] == {
        "db": {"status": "failed", "error": "ConnectionRefusedError"},
        "broker": {"status": "ok"},
    }
    assert "s3cret" not in response.text


async def test_a_readiness_check_that_hangs_times_out_and_fails(make_app: AppFactory) -> None:
    app = make_app(readiness_checks={"search": hanging, "db": passing})

    async with client_of(app) as client, asyncio.timeout(5):
        response = await client.get("/readyz")

    assert response.status_code == 503
    assert problem_of(response)["checks"]["search"] == {
        "status": "failed",
        "error": "timed out after 0.2 s",
    }


async def test_readiness_checks_run_concurrently(make_app: AppFactory) -> None:
    # Each check passes only once all five have started: run one after another, the first
    # would wait for the others until its timeout and fail.
    started = 0
    all_started = asyncio.Event()

    async def waits_for_the_others() -> None:
        nonlocal started
        started += 1
        if started == 5:
            all_started.set()
        await all_started.wait()

    app = make_app(readiness_checks={f"check-{n}": waits_for_the_others for n in range(5)})

    async with client_of(app) as client:
        response = await client.get("/readyz")

    assert response.status_code == 200
    assert started == 5


async def test_upstream_checks_are_reported_without_making_the_service_unready(
    settings: ServiceSettings, tracer_provider: TracerProvider
) -> None:
    async def not_ready() -> None:
        raise ReadinessFailure("not ready (HTTP 503)")

    app = create_app(
        settings=settings,
        readiness_checks={"db": passing},
        upstream_checks={"profiles": passing, "search": not_ready, "feed": refusing},
        tracer_provider=tracer_provider,
    )

    async with client_of(app) as client:
        response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"db": {"status": "ok"}},
        "upstreams": {
            "profiles": {"status": "ok"},
            "search": {"status": "failed", "error": "not ready (HTTP 503)"},
            "feed": {"status": "failed", "error": "ConnectionRefusedError"},
        },
    }
    assert "s3cret" not in response.text
