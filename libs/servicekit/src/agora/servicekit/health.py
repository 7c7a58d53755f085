"""Liveness (`/healthz`) and readiness (`/readyz`) endpoints."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Literal

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from agora.servicekit.context import current_request_id
from agora.servicekit.problems import PROBLEM_TYPE_BASE, ProblemDetails, problem_response

ReadinessCheck = Callable[[], Awaitable[None]]
"""Returns when the dependency it checks is usable; raises otherwise."""


class ReadinessFailure(Exception):  # noqa: N818 - it is a reported outcome, not a crash
    """Raised by a check whose message is safe to show in ``/readyz`` (e.g. "answered 503")."""


NOT_READY_PROBLEM_TYPE = f"{PROBLEM_TYPE_BASE}not-ready"
NOT_ALIVE_PROBLEM_TYPE = f"{PROBLEM_TYPE_BASE}not-alive"

_logger = logging.getLogger(__name__)


class CheckResult(BaseModel):
    """The outcome of one readiness check; `error` names the failure, never its details."""

    model_config = ConfigDict(frozen=True)

    status: Literal["ok", "failed"]
    error: str | None = None


class Liveness(BaseModel):
    """The process is serving requests (and every liveness check passed)."""

    model_config = ConfigDict(frozen=True)

    status: Literal["ok"] = "ok"
    checks: dict[str, CheckResult] | None = None


class Readiness(BaseModel):
    """Every readiness check passed."""

    model_config = ConfigDict(frozen=True)

    status: Literal["ok"] = "ok"
    checks: dict[str, CheckResult]
    upstreams: dict[str, CheckResult] | None = None


class NotReadyProblem(ProblemDetails):
    """A 503 problem listing each readiness check's outcome."""

    checks: dict[str, CheckResult]
    upstreams: dict[str, CheckResult] | None = None


class NotAliveProblem(ProblemDetails):
    """A 503 problem listing each liveness check's outcome: the process should be restarted."""

    checks: dict[str, CheckResult]


async def run_readiness_checks(
    *, checks: Mapping[str, ReadinessCheck], timeout_seconds: float
) -> dict[str, CheckResult]:
    """Run the checks concurrently, each failing if it raises or outlasts the timeout."""
    names = list(checks)
    results = await asyncio.gather(
        *(
            _run_check(name=name, check=checks[name], timeout_seconds=timeout_seconds)
            for name in names
        )
    )
    return dict(zip(names, results, strict=True))


async def _run_check(*, name: str, check: ReadinessCheck, timeout_seconds: float) -> CheckResult:
    try:
        async with asyncio.timeout(timeout_seconds):
            await check()
    except TimeoutError:
        _logger.warning("readiness check %r timed out after %s s", name, timeout_seconds)
        return CheckResult(status="failed", error=f"timed out after {timeout_seconds} s")
    except ReadinessFailure as exc:
        _logger.info("readiness check %r failed: %s", name, exc)
        return CheckResult(status="failed", error=str(exc))
    except Exception as exc:
        # The message may hold hosts or credentials: it goes to the log, only the class is shown.
        _logger.warning("readiness check %r failed", name, exc_info=True)
        return CheckResult(status="failed", error=type(exc).__name__)
    return CheckResult(status="ok")


def health_router(
    *,
    readiness_checks: Mapping[str, ReadinessCheck],
    timeout_seconds: float,
    upstream_checks: Mapping[str, ReadinessCheck] | None = None,
    liveness_checks: Mapping[str, ReadinessCheck] | None = None,
) -> APIRouter:
    """Return a router serving `GET /healthz` and `GET /readyz` with the given checks.

    `upstream_checks` (the services a gateway routes to) are reported under `upstreams` but
    never make this process unready: one service down must not take the others' entry point
    out of rotation. `liveness_checks` must only fail for what a restart cures (a background
    worker that stopped), never for a dependency that is down: that is readiness.
    """
    checks = dict(readiness_checks)
    upstreams = dict(upstream_checks or {})
    alive_checks = dict(liveness_checks or {})
    router = APIRouter()

    @router.get("/healthz", include_in_schema=False)
    async def healthz() -> Response:
        if not alive_checks:
            return JSONResponse(Liveness().model_dump(mode="json", exclude_none=True))
        results = await run_readiness_checks(checks=alive_checks, timeout_seconds=timeout_seconds)
        failed = sorted(name for name, result in results.items() if result.status == "failed")
        if not failed:
            return JSONResponse(Liveness(checks=results).model_dump(mode="json", exclude_none=True))
        problem = NotAliveProblem(
            type=NOT_ALIVE_PROBLEM_TYPE,
            title="The process is not healthy",
            status=503,
            detail=f"Failing liveness checks: {', '.join(failed)}.",
            instance="/healthz",
            request_id=current_request_id(),
            checks=results,
        )
        return problem_response(problem=problem)

    @router.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        results, upstream_results = await asyncio.gather(
            run_readiness_checks(checks=checks, timeout_seconds=timeout_seconds),
            run_readiness_checks(checks=upstreams, timeout_seconds=timeout_seconds),
        )
        reported = upstream_results if upstreams else None
        failed = sorted(name for name, result in results.items() if result.status == "failed")
        if not failed:
            return JSONResponse(
                Readiness(checks=results, upstreams=reported).model_dump(
                    mode="json", exclude_none=True
                )
            )
        problem = NotReadyProblem(
            type=NOT_READY_PROBLEM_TYPE,
            title="The service is not ready",
            status=503,
            detail=f"Failing readiness checks: {', '.join(failed)}.",
            instance="/readyz",
            request_id=current_request_id(),
            checks=results,
            upstreams=reported,
        )
        return problem_response(problem=problem)

    return router
