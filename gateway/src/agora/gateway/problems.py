"""The problems (RFC 9457) the gateway itself answers with; services' problems pass through."""

import math
from collections.abc import Mapping

from agora.servicekit import PROBLEM_TYPE_BASE, ProblemDetails
from agora.servicekit.context import current_request_id
from agora.servicekit.problems import ProblemResponse, problem_response

GATEWAY_PROBLEM_BASE = f"{PROBLEM_TYPE_BASE}gateway/"
SERVICE_UNAVAILABLE_TYPE = f"{GATEWAY_PROBLEM_BASE}service-unavailable"
SERVICE_TIMEOUT_TYPE = f"{GATEWAY_PROBLEM_BASE}service-timeout"
BAD_SERVICE_ANSWER_TYPE = f"{GATEWAY_PROBLEM_BASE}bad-service-answer"
UNKNOWN_SERVICE_TYPE = f"{GATEWAY_PROBLEM_BASE}unknown-service"
RATE_LIMITED_TYPE = f"{GATEWAY_PROBLEM_BASE}rate-limited"
INVALID_TOKEN_TYPE = f"{GATEWAY_PROBLEM_BASE}invalid-token"
ROLE_REQUIRED_TYPE = f"{GATEWAY_PROBLEM_BASE}role-required"
IDENTITY_PROVIDER_UNAVAILABLE_TYPE = f"{GATEWAY_PROBLEM_BASE}identity-provider-unavailable"
INVALID_PATH_TYPE = f"{GATEWAY_PROBLEM_BASE}invalid-path"
INVALID_HEADER_TYPE = f"{GATEWAY_PROBLEM_BASE}invalid-header"
LIVE_UPDATES_OFF_TYPE = f"{GATEWAY_PROBLEM_BASE}live-updates-off"
TOO_MANY_STREAMS_TYPE = f"{GATEWAY_PROBLEM_BASE}too-many-streams"


class ServiceProblem(ProblemDetails):
    """A problem about one service behind the gateway, named in ``service``."""

    service: str


def gateway_problem(
    *,
    status: int,
    type_uri: str,
    title: str,
    detail: str,
    instance: str,
    service: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    """An ``application/problem+json`` answer made by the gateway (not by a service)."""
    fields = {
        "type": type_uri,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "request_id": current_request_id(),
    }
    problem = (
        ProblemDetails(**fields) if service is None else ServiceProblem(**fields, service=service)
    )
    return problem_response(problem=problem, headers=headers)


def unauthorized(*, detail: str, instance: str) -> ProblemResponse:
    """401: no bearer token, or one the gateway refuses."""
    return gateway_problem(
        status=401,
        type_uri=INVALID_TOKEN_TYPE,
        title="Unauthorized",
        detail=detail,
        instance=instance,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def rate_limited(*, detail: str, instance: str, retry_after_seconds: float) -> ProblemResponse:
    """429 with ``Retry-After`` in whole seconds (at least one)."""
    retry_after = max(1, math.ceil(retry_after_seconds))
    return gateway_problem(
        status=429,
        type_uri=RATE_LIMITED_TYPE,
        title="Too many requests",
        detail=f"{detail} Retry after {retry_after} s.",
        instance=instance,
        headers={"Retry-After": str(retry_after)},
    )
