import asyncio

import pytest

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
    app = make_app(readiness_checks={f"slow-{n}": hanging for n in range(5)})
    loop = asyncio.get_running_loop()

    async with client_of(app) as client:
        started = loop.time()
        response = await client.get("/readyz")
        elapsed = loop.time() - started

    assert response.status_code == 503
    assert elapsed < 1.0
