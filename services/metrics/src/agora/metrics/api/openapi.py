"""Documented responses of the dashboards: JSON or CSV bodies and the problems they answer."""

from typing import Any

from fastapi import FastAPI

from agora.metrics.api import examples
from agora.metrics.api.errors import (
    CommunityNotFoundError,
    InvalidDateRangeError,
    InvalidQueryError,
    MetricsError,
    NotACommunityManagerError,
    OrganisationFiguresForbiddenError,
    problem_type_uri,
)
from agora.servicekit.problems import ABOUT_BLANK, PROBLEM_MEDIA_TYPE, ProblemDetails

CSV_MEDIA_TYPE = "text/csv"
PROBLEM_SCHEMA_REF = "#/components/schemas/ProblemDetails"
OpenApiResponses = dict[int | str, dict[str, Any]]


def _problem(error: type[MetricsError], detail: str, summary: str) -> tuple[int, str, Any]:
    body = {
        "type": problem_type_uri(error),
        "title": error.title,
        "status": error.status,
        "detail": detail,
    }
    return error.status, summary, body


REFUSALS: dict[str, tuple[int, str, Any]] = {
    "unauthorized": (
        401,
        "No bearer token",
        {
            "type": ABOUT_BLANK,
            "title": "Unauthorized",
            "status": 401,
            "detail": "a bearer token is required",
        },
    ),
    "forbidden": _problem(
        OrganisationFiguresForbiddenError,
        "organisation-wide figures need one of the roles analyst, platform-admin",
        "The caller is not an analyst",
    ),
    "not-a-community-manager": _problem(
        NotACommunityManagerError,
        "a community's health is for its owners and managers, and analysts",
        "The caller does not manage the community",
    ),
    "community-not-found": _problem(
        CommunityNotFoundError,
        f"community {examples.COMMUNITY_ID!r} does not exist",
        "Unknown (or secret) community",
    ),
    "invalid-query": _problem(
        InvalidQueryError,
        "group_by cannot be combined with a department, location or community filter",
        "A grouping combined with a filter, or filters that cannot be combined",
    ),
    "invalid-date-range": _problem(
        InvalidDateRangeError,
        "`from` (2026-12-01) is after `to` (2026-11-23, or today)",
        "A day not written YYYY-MM-DD, a range backwards or too long",
    ),
}


def dashboard_responses(refusals: tuple[str, ...], *, csv_only: bool) -> OpenApiResponses:
    """The documented responses of a dashboard route (401 is always added)."""
    responses: OpenApiResponses = {}
    success: dict[str, Any] = {
        "description": "The dashboard (suppressed values are `null`, with the reason)",
        "content": {
            CSV_MEDIA_TYPE: {
                "schema": {"type": "string"},
                "example": examples.CSV_EXAMPLE,
            }
        },
    }
    if csv_only:
        success["description"] = "The dashboard as CSV (suppressed values are empty cells)"
    responses[200] = success
    by_status: dict[int, dict[str, Any]] = {}
    for name in ("unauthorized", *refusals):
        status, summary, body = REFUSALS[name]
        by_status.setdefault(status, {})[name] = {"summary": summary, "value": body}
    for status, listed in sorted(by_status.items()):
        responses[status] = {
            "description": listed[next(iter(listed))]["summary"],
            "content": {
                PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_SCHEMA_REF}, "examples": listed}
            },
        }
    return responses


def complete_openapi(app: FastAPI) -> None:
    """Add the ``ProblemDetails`` schema the problem responses refer to."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            components = document.setdefault("components", {}).setdefault("schemas", {})
            problem = ProblemDetails.model_json_schema(
                ref_template="#/components/schemas/{model}", mode="serialization"
            )
            for name, definition in problem.pop("$defs", {}).items():
                components.setdefault(name, definition)
            components.setdefault("ProblemDetails", problem)
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]
