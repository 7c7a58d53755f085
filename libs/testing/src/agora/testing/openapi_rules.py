"""The rules every service's OpenAPI document keeps: summaries, examples, problems, headers.

Each rule lists its complaints about a document (an empty list when it keeps the rule), so a
test can show both that a service keeps them and that a route added without documentation is
caught. ``OpenApiRules`` runs them all against one service: subclass it in the service's tests.
"""

import inspect
import json
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, ClassVar

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ValidationError

from agora.servicekit import ApiModel
from agora.servicekit.problems import PROBLEM_MEDIA_TYPE, ProblemDetails

Document = dict[str, Any]
"""An OpenAPI document, as ``app.openapi()`` renders it."""
Operation = tuple[str, str, dict[str, Any]]
"""An operation of a document: its method (upper case), path and description."""
Rule = Callable[[Document, Sequence[ModuleType]], list[str]]
"""A rule: its complaints about a document whose bodies' models live in the given modules."""

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})
COMPONENT_PREFIX = "#/components/schemas/"
PROBLEM_FIELDS = frozenset({"type", "title", "status", "detail"})


def operations(document: Document) -> list[Operation]:
    """Every operation of ``document``."""
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


def media_examples(document: Document, media: dict[str, Any]) -> list[Any]:
    """Every example a media type shows: its own (``example``/``examples``) or its schema's."""
    examples: list[Any] = [entry["value"] for entry in media.get("examples", {}).values()]
    if "example" in media:
        examples.append(media["example"])
    return examples or _schema_examples(document, media.get("schema", {}))


def _model_named(schema: dict[str, Any], modules: Sequence[ModuleType]) -> type[BaseModel] | None:
    name = schema.get("$ref", "").removeprefix(COMPONENT_PREFIX)
    for module in modules:
        candidate = getattr(module, name, None)
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _fits(model: type[BaseModel], example: Any) -> bool:
    try:
        model.model_validate_json(json.dumps(example))
    except ValueError:
        return False
    return True


def _is_problem_schema(document: Document, schema: dict[str, Any]) -> bool:
    # The ProblemDetails component, or a schema written out in place with its fields.
    reference = schema.get("$ref")
    if isinstance(reference, str):
        components = document.get("components", {}).get("schemas", {})
        schema = components.get(reference.removeprefix(COMPONENT_PREFIX), {})
    properties: dict[str, Any] = schema.get("properties", {})
    return properties.keys() >= PROBLEM_FIELDS


def unsummarised(document: Document, modules: Sequence[ModuleType] = ()) -> list[str]:
    """Operations without a one-line summary or without a description."""
    complaints = []
    for method, path, operation in operations(document):
        summary = operation.get("summary", "").strip()
        if not summary or "\n" in summary:
            complaints.append(f"{method} {path}: no one-line summary")
        if not operation.get("description", "").strip():
            complaints.append(f"{method} {path}: no description")
    return complaints


def request_bodies_without_examples(
    document: Document, modules: Sequence[ModuleType] = ()
) -> list[str]:
    """Request bodies that show no example."""
    return [
        f"{method} {path} ({media_type})"
        for method, path, operation in operations(document)
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items()
        if not media_examples(document, media)
    ]


def successes_without_examples(document: Document, modules: Sequence[ModuleType] = ()) -> list[str]:
    """Operations without a success response, and JSON success responses without an example."""
    complaints = []
    for method, path, operation in operations(document):
        successes = {code: r for code, r in operation["responses"].items() if code[0] == "2"}
        if not successes:
            complaints.append(f"{method} {path}: no success response")
        for code, response in successes.items():
            media = response.get("content", {}).get("application/json")
            if media is not None and not media_examples(document, media):
                complaints.append(f"{method} {path} {code}: no example")
    return complaints


def undocumented_problems(document: Document, modules: Sequence[ModuleType] = ()) -> list[str]:
    """Operations without a 401 problem, and errors not shown as exemplified problems."""
    complaints = []
    for method, path, operation in operations(document):
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
            media = content[PROBLEM_MEDIA_TYPE]
            if not _is_problem_schema(document, media.get("schema", {})):
                complaints.append(f"{where}: not described by the ProblemDetails schema")
            examples = media_examples(document, media)
            if not examples:
                complaints.append(f"{where}: no problem example")
            for example in examples:
                try:
                    problem = ProblemDetails.model_validate(example)
                except ValidationError:
                    complaints.append(f"{where}: example {example} is no problem")
                    continue
                if problem.status != int(code) or not problem.detail:
                    complaints.append(f"{where}: example {example} does not fit")
    return complaints


def invalid_examples(document: Document, modules: Sequence[ModuleType] = ()) -> list[str]:
    """JSON bodies' examples that their documented model (found in ``modules``) would refuse."""
    complaints = []
    for method, path, operation in operations(document):
        medias = [operation.get("requestBody", {}).get("content", {}).get("application/json")]
        medias += [
            response.get("content", {}).get("application/json")
            for code, response in operation["responses"].items()
            if code[0] == "2"
        ]
        for media in filter(None, medias):
            schema = media["schema"]
            branches = schema.get("anyOf", [schema])
            models = [m for b in branches if (m := _model_named(b, modules))]
            for example in media_examples(document, media):
                if models and not any(_fits(model, example) for model in models):
                    complaints.append(f"{method} {path}: {example} fits no documented model")
    return complaints


def undocumented_headers(document: Document, modules: Sequence[ModuleType] = ()) -> list[str]:
    """Commands without a described ``Idempotency-Key``, reads with one, a bare ``If-Match``."""
    complaints = []
    for method, path, operation in operations(document):
        headers = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
        expected = [] if method == "GET" else ["Idempotency-Key"]
        if method == "GET" and "Idempotency-Key" in headers:
            complaints.append(f"{method} {path}: a read takes no Idempotency-Key")
        for name in [*expected, *({"If-Match"} & set(headers))]:
            header = headers.get(name)
            if header is None or not header.get("description") or not _shows_example(header):
                complaints.append(f"{method} {path}: {name} is not documented")
    return complaints


def _shows_example(parameter: dict[str, Any]) -> bool:
    # OpenAPI 3.1 allows the example on the parameter or in its (JSON) schema.
    shown = [parameter, parameter.get("schema", {})]
    return any(where.get("examples") or where.get("example") is not None for where in shown)


RULES: tuple[Rule, ...] = (
    unsummarised,
    request_bodies_without_examples,
    successes_without_examples,
    undocumented_problems,
    invalid_examples,
    undocumented_headers,
)
"""Every rule a service's document keeps."""


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every API route of the app, those of included routers too: FastAPI (0.165) keeps an
    included router as one entry of ``app.routes``."""
    routes = (context.original_route for context in iter_route_contexts(app.routes))
    return [route for route in routes if isinstance(route, APIRoute)]


def routes_without_summary(app: FastAPI) -> list[str]:
    """The documented routes that leave FastAPI to make their summary up from a function name."""
    routes = [r for r in api_routes(app) if r.include_in_schema]
    return [route.path for route in routes if not route.summary]


def sync_route_callables(app: FastAPI) -> list[str]:
    """The routes' endpoints and dependencies that are plain functions: FastAPI runs each in a
    worker thread, a thread hop (and a wait for the thread pool) on every request."""
    found: set[str] = set()

    def visit(dependant: Dependant, route: str) -> None:
        call = dependant.call
        if call is not None and not _is_async(call):
            found.add(f"{route}: {getattr(call, '__qualname__', repr(call))}")
        for dependency in dependant.dependencies:
            visit(dependency, route)

    for route in api_routes(app):
        visit(route.dependant, f"{sorted(route.methods or {'GET'})[0]} {route.path}")
    return sorted(found)


def _is_async(call: Callable[..., Any]) -> bool:
    if inspect.iscoroutinefunction(call):
        return True
    if inspect.isroutine(call) or inspect.isclass(call):
        return False
    return inspect.iscoroutinefunction(type(call).__call__)  # an instance, async __call__


def models_without_valid_examples(
    modules: Sequence[ModuleType], *, every_model_shows_one: bool = True
) -> list[str]:
    """The models in ``modules`` that show an example they would refuse themselves (or none)."""
    complaints = []
    for module in modules:
        for model in vars(module).values():
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                continue
            if model in (BaseModel, ApiModel):
                continue  # the bases the models are made of
            examples = model.model_json_schema().get("examples", [])
            if not examples and every_model_shows_one:
                complaints.append(f"{model.__name__} has no example")
            complaints += [
                f"{model.__name__} refuses its example {example}"
                for example in examples
                if not _fits(model, example)
            ]
    return complaints


def rules_an_undocumented_route_breaks(app: FastAPI) -> set[str]:
    """The names of the rules broken once ``app`` takes a route written without documentation."""

    class Poll(BaseModel):
        question: str

    @app.post("/openapi-rules/{poll_id}/polls")
    async def create_poll(poll_id: str, body: Poll) -> Poll:
        return body

    app.openapi_schema = None  # the route is new: render the document again
    document = app.openapi()
    return {rule.__name__ for rule in RULES if rule(document, ())}


class OpenApiRules:
    """The rules as tests, for one service: subclass it as a ``Test…`` class in its tests.

    The subclass names the modules of its bodies' models and builds its app (without
    connecting to anything: only the app's lifespan would).
    """

    schema_modules: ClassVar[Sequence[ModuleType]] = ()
    """The modules of the models of the service's request and response bodies."""
    every_model_shows_an_example: ClassVar[bool] = True
    """False where the routes show the bodies' examples instead of the models."""

    @classmethod
    def build_app(cls) -> FastAPI:
        """A new app of the service."""
        raise NotImplementedError

    @pytest.fixture(scope="class")
    @classmethod
    def app(cls) -> FastAPI:
        """The service's app, built once for the class."""
        return cls.build_app()

    @pytest.fixture(scope="class")
    @classmethod
    def document(cls, app: FastAPI) -> Document:
        """The service's OpenAPI document."""
        return app.openapi()

    @pytest.mark.parametrize("rule", RULES, ids=[rule.__name__ for rule in RULES])
    def test_the_document_keeps_the_rule(self, document: Document, rule: Rule) -> None:
        assert rule(document, self.schema_modules) == []

    def test_every_route_sets_its_summary_explicitly(self, app: FastAPI) -> None:
        assert any(route.include_in_schema for route in api_routes(app))
        # FastAPI would otherwise make one up from the function name ("Create Community").
        found = routes_without_summary(app)
        assert found == [], found

    def test_no_endpoint_or_dependency_runs_in_a_worker_thread(self, app: FastAPI) -> None:
        assert len(api_routes(app)) > 1  # the service's routes are seen, not only the kit's
        found = sync_route_callables(app)
        assert found == [], found

    def test_the_models_own_examples_are_valid(self) -> None:
        complaints = models_without_valid_examples(
            self.schema_modules, every_model_shows_one=self.every_model_shows_an_example
        )
        assert complaints == []

    def test_a_route_added_without_documentation_is_caught(self) -> None:
        assert {
            "request_bodies_without_examples",
            "successes_without_examples",
            "undocumented_problems",
            "undocumented_headers",
            "unsummarised",
        } <= rules_an_undocumented_route_breaks(self.build_app())
