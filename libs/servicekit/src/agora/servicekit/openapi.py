"""Pieces of a service's OpenAPI document: documented problems, success examples, completion.

Every refusal is sent as ``application/problem+json`` (RFC 9457); a service describes each
problem it can answer once, as a ``Problem``, and its routes list them with
``responses=problem_responses(...)`` instead of repeating the same dictionaries.
"""

from collections import defaultdict
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from agora.servicekit.problems import (
    ABOUT_BLANK,
    IDEMPOTENCY_PROBLEM_TYPE,
    PROBLEM_MEDIA_TYPE,
    VALIDATION_PROBLEM_TYPE,
    ProblemDetails,
    status_phrase,
)

OpenApiResponses = dict[int | str, dict[str, Any]]
"""The ``responses=`` argument of a route."""

PROBLEM_SCHEMA_REF = "#/components/schemas/ProblemDetails"

STATUS_DESCRIPTIONS: Mapping[int, str] = {
    401: "The bearer token is missing, expired or not signed by the identity provider",
    422: "The request is not valid",
}
"""What a problem status means whatever the service: each service adds its own (403, 404...)."""


class Problem:
    """One documented problem: its status and an example body."""

    def __init__(
        self,
        *,
        name: str,
        status: int,
        type_uri: str,
        title: str,
        detail: str,
        summary: str,
        **extensions: Any,
    ) -> None:
        self.name = name
        self.status = status
        self.summary = summary
        self.body: dict[str, Any] = {
            "type": type_uri,
            "title": title,
            "status": status,
            "detail": detail,
            **extensions,
        }


UNAUTHORIZED = Problem(
    name="unauthorized",
    status=401,
    type_uri=ABOUT_BLANK,
    title="Unauthorized",
    detail="a bearer token is required",
    summary="No bearer token",
)
"""What every route can answer: no bearer token."""


def validation_failed(field: str) -> Problem:
    """The 422 problem of a request body whose required ``field`` is missing."""
    return Problem(
        name="validation-failed",
        status=422,
        type_uri=VALIDATION_PROBLEM_TYPE,
        title="The request is not valid",
        detail="1 part(s) of the request are not valid.",
        summary="A field is missing or malformed",
        errors=[{"location": ["body", field], "message": "Field required", "type": "missing"}],
    )


UNREADABLE_BODY = Problem(
    name="unreadable-body",
    status=400,
    type_uri=ABOUT_BLANK,
    title="Bad Request",
    detail="There was an error parsing the body",
    summary="The body is not JSON text (e.g. not UTF-8)",
)
"""What any route taking a body answers when it cannot be decoded at all (FastAPI's 400; a
body that decodes but is not valid JSON is a 422 like any invalid request)."""


def idempotency_key_reused(key: str) -> Problem:
    """The 422 problem of a command whose ``Idempotency-Key`` came with another request."""
    return Problem(
        name="idempotency-key-reused",
        status=422,
        type_uri=IDEMPOTENCY_PROBLEM_TYPE,
        title="The idempotency key was already used for a different request",
        detail=f"idempotency id {key!r} was already used for a different command",
        summary="Idempotency-Key reused with another body",
    )


def problem_responses(
    *documented: Problem, descriptions: Mapping[int, str] | None = None
) -> OpenApiResponses:
    """The ``responses`` of a route answering ``documented`` problems (401 is always added).

    ``descriptions`` say what each status means for the service (``STATUS_DESCRIPTIONS`` and
    then the standard reason phrase otherwise).
    """
    described = {**STATUS_DESCRIPTIONS, **(descriptions or {})}
    by_status: defaultdict[int, dict[str, Problem]] = defaultdict(dict)
    for problem in (UNAUTHORIZED, *documented):
        by_status[problem.status][problem.name] = problem
    responses: OpenApiResponses = {}
    for status, listed in sorted(by_status.items()):
        response: dict[str, Any] = {
            "description": described.get(status, status_phrase(status)),
            "content": {
                PROBLEM_MEDIA_TYPE: {
                    "schema": {"$ref": PROBLEM_SCHEMA_REF},
                    "examples": {
                        name: {"summary": p.summary, "value": p.body} for name, p in listed.items()
                    },
                }
            },
        }
        if status == 401:
            response["headers"] = {
                "WWW-Authenticate": {
                    "description": 'The bearer challenge, e.g. `Bearer error="invalid_token"`',
                    "schema": {"type": "string"},
                }
            }
        responses[status] = response
    return responses


def success(
    status: int,
    description: str,
    examples: Mapping[str, tuple[str, Any]] | None = None,
    *,
    headers: Mapping[str, str] | None = None,
) -> OpenApiResponses:
    """A documented success response: named ``(summary, value)`` examples and response headers.

    Without ``examples`` the response model's own schema examples document the body.
    """
    response: dict[str, Any] = {"description": description}
    if examples:
        response["content"] = {
            "application/json": {
                "examples": {
                    name: {"summary": summary, "value": value}
                    for name, (summary, value) in examples.items()
                }
            }
        }
    if headers:
        response["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    return {status: response}


def etag_header(subject: str) -> dict[str, str]:
    """The documented ``ETag`` response header of a ``subject`` (``"post"``, ``"community"``)."""
    return {"ETag": f'The {subject}\'s version, for `If-Match` on a later change, e.g. `"4"`'}


def merge(*parts: OpenApiResponses) -> OpenApiResponses:
    """Several ``responses`` dictionaries as one (the keys of one status are combined)."""
    merged: OpenApiResponses = {}
    for part in parts:
        for status, response in part.items():
            merged[status] = {**merged.get(status, {}), **response}
    return merged


def _restore_null_examples(components: dict[str, Any], modules: tuple[ModuleType, ...]) -> None:
    # FastAPI renders the document without None values, which would drop e.g. `"id": null`
    # from the bodies' examples and make them invalid: put the models' own examples back.
    for name, schema in components.items():
        for module in modules:
            model = getattr(module, name, None)
            if isinstance(model, type) and issubclass(model, BaseModel) and "examples" in schema:
                schema["examples"] = model.model_json_schema(mode="serialization")["examples"]
                break


def _document_unreadable_bodies(paths: dict[str, Any]) -> None:
    unreadable = problem_responses(
        UNREADABLE_BODY, descriptions={400: "The body cannot be decoded"}
    )[400]
    for item in paths.values():
        for operation in item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                responses = {"400": unreadable, **operation.get("responses", {})}
                operation["responses"] = dict(sorted(responses.items()))


def _headers_without_null(paths: dict[str, Any]) -> None:
    # An optional header is `str | None` in Python, which FastAPI documents as "string or null";
    # HTTP has no null header, so the document says what may actually be sent: a string.
    for item in paths.values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") != "header" or "anyOf" not in schema:
                    continue
                kept = [part for part in schema["anyOf"] if part.get("type") != "null"]
                if len(kept) == 1:
                    parameter["schema"] = {
                        **{key: value for key, value in schema.items() if key != "anyOf"},
                        **kept[0],
                    }


def complete_openapi(app: FastAPI, *schema_modules: ModuleType) -> None:
    """Complete ``app``'s document: the ``ProblemDetails`` schema, examples with nulls, the
    400 of an undecodable body on every operation that takes one, and optional headers
    documented as strings (not "string or null").

    ``schema_modules`` hold the models of the bodies, whose own examples the document shows.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            components = document.setdefault("components", {}).setdefault("schemas", {})
            _restore_null_examples(components, schema_modules)
            problem = ProblemDetails.model_json_schema(
                ref_template="#/components/schemas/{model}", mode="serialization"
            )
            for name, definition in problem.pop("$defs", {}).items():
                components.setdefault(name, definition)
            components.setdefault("ProblemDetails", problem)
            _document_unreadable_bodies(document.get("paths", {}))
            _headers_without_null(document.get("paths", {}))
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]
