"""The OpenAPI document: every operation is summarised, described and shown with examples.

Each rule below lists its complaints about a document, so that the last test can show that a
route added without documentation is caught.
"""

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from opentelemetry.sdk.trace import TracerProvider
from pydantic import BaseModel

from agora.communities.api import schemas
from agora.communities.app import create_app
from agora.communities.settings import CommunitiesSettings
from agora.servicekit import ApiModel
from agora.servicekit.problems import PROBLEM_MEDIA_TYPE, ProblemDetails
from agora.testing.identity import TestIdentityProvider

pytestmark = pytest.mark.unit

Document = dict[str, Any]
Operation = tuple[str, str, dict[str, Any]]
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})
COMPONENT_PREFIX = "#/components/schemas/"


def _build_app() -> FastAPI:
    settings = CommunitiesSettings(**TestIdentityProvider().auth_settings())
    # Building the app connects to nothing: only its lifespan would.
    return create_app(settings=settings, tracer_provider=TracerProvider())


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return _build_app()


@pytest.fixture(scope="module")
def document(app: FastAPI) -> Document:
    return app.openapi()


def _operations(document: Document) -> list[Operation]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def _resolve(document: Document, schema: dict[str, Any]) -> dict[str, Any]:
    reference = schema.get("$ref")
    if isinstance(reference, str):
        resolved: dict[str, Any] = document["components"]["schemas"][
            reference.removeprefix(COMPONENT_PREFIX)
        ]
        return resolved
    return schema


def _schema_examples(document: Document, schema: dict[str, Any]) -> list[Any]:
    """The examples of a schema, of the schema it refers to, or of a non-null ``anyOf`` branch."""
    resolved = _resolve(document, schema)
    examples = list(resolved.get("examples", []))
    for branch in resolved.get("anyOf", []):
        if branch.get("type") != "null":
            examples.extend(_schema_examples(document, branch))
    return examples


def _media_examples(document: Document, media: dict[str, Any]) -> list[Any]:
    """Every example a media type shows: its own (``example``/``examples``) or its schema's."""
    examples: list[Any] = [entry["value"] for entry in media.get("examples", {}).values()]
    if "example" in media:
        examples.append(media["example"])
    return examples or _schema_examples(document, media.get("schema", {}))


def _model_named(schema: dict[str, Any]) -> type[BaseModel] | None:
    reference = schema.get("$ref", "")
    candidate = getattr(schemas, reference.removeprefix(COMPONENT_PREFIX), None)
    if isinstance(candidate, type) and issubclass(candidate, BaseModel):
        return candidate
    return None


def _fits(model: type[BaseModel], example: Any) -> bool:
    try:
        model.model_validate_json(json.dumps(example))
    except ValueError:
        return False
    return True


def unsummarised(document: Document) -> list[str]:
    """Operations without a one-line summary or without a description."""
    complaints = []
    for method, path, operation in _operations(document):
        summary = operation.get("summary", "").strip()
        if not summary or "\n" in summary:
            complaints.append(f"{method} {path}: no one-line summary")
        if not operation.get("description", "").strip():
            complaints.append(f"{method} {path}: no description")
    return complaints


def request_bodies_without_examples(document: Document) -> list[str]:
    """Request bodies that show no example."""
    return [
        f"{method} {path} ({media_type})"
        for method, path, operation in _operations(document)
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items()
        if not _media_examples(document, media)
    ]


def successes_without_examples(document: Document) -> list[str]:
    """Operations without a success response, and JSON success responses without an example."""
    complaints = []
    for method, path, operation in _operations(document):
        successes = {code: r for code, r in operation["responses"].items() if code[0] == "2"}
        if not successes:
            complaints.append(f"{method} {path}: no success response")
        for code, response in successes.items():
            media = response.get("content", {}).get("application/json")
            if media is not None and not _media_examples(document, media):
                complaints.append(f"{method} {path} {code}: no example")
    return complaints


def undocumented_problems(document: Document) -> list[str]:
    """Operations without a 401 problem, and errors not shown as exemplified problems."""
    complaints = []
    if "ProblemDetails" not in document.get("components", {}).get("schemas", {}):
        complaints.append("no ProblemDetails schema")
    for method, path, operation in _operations(document):
        if "401" not in operation["responses"]:
            complaints.append(f"{method} {path}: 401 is not documented")
        for code, response in operation["responses"].items():
            if code[0] in "23":
                continue
            where = f"{method} {path} {code}"
            content = response.get("content", {})
            if list(content) != [PROBLEM_MEDIA_TYPE]:
                complaints.append(f"{where}: answers {list(content)}, not {PROBLEM_MEDIA_TYPE}")
                continue
            examples = _media_examples(document, content[PROBLEM_MEDIA_TYPE])
            if not examples:
                complaints.append(f"{where}: no problem example")
            for example in examples:
                problem = ProblemDetails.model_validate(example)
                if problem.status != int(code) or not problem.detail:
                    complaints.append(f"{where}: example {example} does not fit")
    return complaints


def invalid_examples(document: Document) -> list[str]:
    """JSON bodies' examples that their documented model would refuse."""
    complaints = []
    for method, path, operation in _operations(document):
        medias = [operation.get("requestBody", {}).get("content", {}).get("application/json")]
        medias += [
            response.get("content", {}).get("application/json")
            for code, response in operation["responses"].items()
            if code[0] == "2"
        ]
        for media in filter(None, medias):
            schema = media["schema"]
            models = [m for b in schema.get("anyOf", [schema]) if (m := _model_named(b))]
            for example in _media_examples(document, media):
                if models and not any(_fits(model, example) for model in models):
                    complaints.append(f"{method} {path}: {example} fits no documented model")
    return complaints


def undocumented_headers(document: Document) -> list[str]:
    """Commands without a described ``Idempotency-Key``, and an undescribed ``If-Match``."""
    complaints = []
    for method, path, operation in _operations(document):
        headers = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
        expected = [] if method == "GET" else ["Idempotency-Key"]
        for name in [*expected, *({"If-Match"} & set(headers))]:
            header = headers.get(name)
            if header is None or not header.get("description") or not header.get("examples"):
                complaints.append(f"{method} {path}: {name} is not documented")
    return complaints


RULES: list[Callable[[Document], list[str]]] = [
    unsummarised,
    request_bodies_without_examples,
    successes_without_examples,
    undocumented_problems,
    invalid_examples,
    undocumented_headers,
]


def test_the_document_lists_the_service_operations(document: Document) -> None:
    paths = {path for _, path, _ in _operations(document)}
    assert {"/communities", "/communities/{community_id}", "/me/communities"} <= paths
    assert len(_operations(document)) >= 20


@pytest.mark.parametrize("rule", RULES, ids=[rule.__name__ for rule in RULES])
def test_the_document_keeps_the_rule(
    document: Document, rule: Callable[[Document], list[str]]
) -> None:
    assert rule(document) == []


def test_every_route_sets_its_summary_explicitly(app: FastAPI) -> None:
    # FastAPI would otherwise make one up from the function name ("Create Community").
    routes = [r for r in app.routes if isinstance(r, APIRoute) and r.include_in_schema]
    assert [route.path for route in routes if not route.summary] == []


def test_the_models_own_examples_are_valid() -> None:
    models = [m for m in vars(schemas).values() if isinstance(m, type) and issubclass(m, BaseModel)]
    for model in models:
        examples = model.model_json_schema().get("examples", [])
        assert examples or model is ApiModel, f"{model.__name__} has no example"
        for example in examples:
            model.model_validate_json(json.dumps(example))


def test_editing_and_creating_document_their_headers_and_french_examples(
    document: Document,
) -> None:
    edit = document["paths"]["/communities/{community_id}"]["patch"]
    assert "If-Match" in {p["name"] for p in edit["parameters"]}
    assert "412" in edit["responses"]
    create = document["paths"]["/communities"]["post"]
    examples = _media_examples(document, create["requestBody"]["content"]["application/json"])
    names = {example["name"] for example in examples}
    assert "Communauté Kubernetes" in names
    assert any(name.isascii() for name in names)
    assert {"Location", "ETag"} <= set(create["responses"]["201"]["headers"])


def test_a_route_added_without_documentation_is_caught() -> None:
    class Poll(BaseModel):
        question: str

    app = _build_app()

    @app.post("/communities/{community_id}/polls")
    async def create_poll(community_id: str, body: Poll) -> Poll:
        return body

    document = app.openapi()
    broken = {rule.__name__ for rule in RULES if rule(document)}
    assert {
        "request_bodies_without_examples",
        "successes_without_examples",
        "undocumented_problems",
        "undocumented_headers",
        "unsummarised",
    } <= broken
