"""One OpenAPI document for the whole API, assembled from each service's own.

Each service's ``/openapi.json`` is fetched (and reused for a short while); its paths are
prefixed with ``/api/v1/<service>``, its components renamed ``<service>.<name>`` (every
``$ref`` rewritten), its operation ids and tags prefixed, so two services may both have a
``ProblemDetails`` schema or a ``list_items`` operation. A service that cannot be reached is
listed as unavailable; the document still answers.
"""

import asyncio
import copy
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse, JSONResponse

from agora.gateway.upstream import ServiceRoute
from agora.servicekit import ProblemDetails
from agora.servicekit.problems import PROBLEM_MEDIA_TYPE

_logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
COMPONENT_SECTIONS = (
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "pathItems",
)
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
BEARER_SCHEME = "bearerAuth"
GATEWAY_COMPONENT_PREFIX = "gateway."
GATEWAY_PROBLEM_REF = f"#/components/schemas/{GATEWAY_COMPONENT_PREFIX}ProblemDetails"
GATEWAY_ANSWERS: dict[str, str] = {
    "400": "Refused by the gateway: a `.` or `..` path segment, or a header HTTP does not allow",
    "429": "Too many requests from this person or address (gateway); see `Retry-After`",
    "502": "The service's answer could not be read (gateway)",
    "503": "The service or the identity provider cannot be reached (gateway)",
    "504": "The service did not answer in time (gateway)",
}
"""What the gateway itself may answer for any operation it routes, before or instead of the
service; a service's own description of a status wins."""
BODY_TOO_LARGE = "The body is larger than the gateway accepts"
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "string"}}}
OPENAPI_FETCH_TIMEOUT_SECONDS = 3.0

Document = dict[str, Any]


def namespace_service_document(service: str, document: Document) -> Document:
    """A service's document with its paths under ``/api/v1/<service>`` and names prefixed."""
    renames = {
        f"#/components/{section}/{name}": f"#/components/{section}/{service}.{name}"
        for section in COMPONENT_SECTIONS
        for name in document.get("components", {}).get(section, {})
    }
    rewritten = _rewrite_refs(copy.deepcopy(document), renames)
    schemes = set(rewritten.get("components", {}).get("securitySchemes", {}))
    components = {
        section: {f"{service}.{name}": value for name, value in entries.items()}
        for section, entries in rewritten.get("components", {}).items()
        if section in COMPONENT_SECTIONS
    }
    paths: Document = {}
    for path, item in rewritten.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            if "operationId" in operation:
                operation["operationId"] = f"{service}.{operation['operationId']}"
            operation["tags"] = [f"{service}: {tag}" for tag in operation.get("tags", [])] or [
                service
            ]
            if "security" in operation:
                operation["security"] = [
                    {
                        (f"{service}.{name}" if name in schemes else name): scopes
                        for name, scopes in requirement.items()
                    }
                    for requirement in operation["security"]
                ]
        paths[f"{API_PREFIX}/{service}{path}"] = item
    tags = [
        {**tag, "name": f"{service}: {tag['name']}"}
        for tag in rewritten.get("tags", [])
        if isinstance(tag, dict) and "name" in tag
    ]
    return {"paths": paths, "components": components, "tags": tags}


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                node[key] = _renamed_ref(value, renames)
            else:
                node[key] = _rewrite_refs(value, renames)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            node[index] = _rewrite_refs(value, renames)
    return node


def _renamed_ref(ref: str, renames: Mapping[str, str]) -> str:
    # "#/components/schemas/Thing" or a pointer into it ("#/components/schemas/Thing/items").
    parts = ref.split("/")
    base = "/".join(parts[:4])
    if base in renames:
        return "/".join([renames[base], *parts[4:]])
    return ref


def gateway_problem_schemas() -> Document:
    """``gateway.ProblemDetails`` (and what it refers to): the body of the gateway's answers."""
    schema = ProblemDetails.model_json_schema(
        ref_template=f"#/components/schemas/{GATEWAY_COMPONENT_PREFIX}{{model}}",
        mode="serialization",
    )
    schemas = {
        f"{GATEWAY_COMPONENT_PREFIX}{name}": definition
        for name, definition in schema.pop("$defs", {}).items()
    }
    schema["properties"]["service"] = {
        "type": "string",
        "description": "The service the problem is about (502, 503, 504).",
    }
    schemas[f"{GATEWAY_COMPONENT_PREFIX}ProblemDetails"] = schema
    return schemas


def _gateway_answer(description: str, status: str) -> Document:
    answer: Document = {
        "description": description,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": GATEWAY_PROBLEM_REF}}},
    }
    if status in ("429", "503"):
        answer["headers"] = RETRY_AFTER
    return answer


def add_gateway_answers(paths: Document) -> None:
    """Document, on every operation, the problems the gateway itself can answer."""
    for item in paths.values():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            answers = dict(GATEWAY_ANSWERS)
            if "requestBody" in operation:
                answers["413"] = BODY_TOO_LARGE
            responses = operation.setdefault("responses", {})
            for status, description in answers.items():
                responses.setdefault(status, _gateway_answer(description, status))
            operation["responses"] = dict(sorted(responses.items()))


def merge_documents(
    documents: Mapping[str, Document | None], *, title: str, version: str
) -> Document:
    """The aggregated document; services whose document is ``None`` are listed as unavailable."""
    paths: Document = {}
    components: dict[str, Document] = {
        "schemas": gateway_problem_schemas(),
        "securitySchemes": {
            BEARER_SCHEME: {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "An OpenID Connect access token from the organisation's "
                "identity provider.",
            }
        },
    }
    tags: list[Document] = []
    status: Document = {}
    for service in sorted(documents):
        document = documents[service]
        if document is None:
            status[service] = {"status": "unavailable"}
            continue
        status[service] = {
            "status": "available",
            "version": document.get("info", {}).get("version"),
        }
        part = namespace_service_document(service, document)
        add_gateway_answers(part["paths"])
        paths.update(part["paths"])
        for section, entries in part["components"].items():
            components.setdefault(section, {}).update(entries)
        tags.append({"name": service, "description": f"The {service} service."})
        tags.extend(part["tags"])
    unavailable = sorted(name for name, entry in status.items() if entry["status"] != "available")
    description = (
        "Every Agora service behind the gateway. Each path is "
        f"`{API_PREFIX}/<service>/...`; every call needs a bearer token."
    )
    if unavailable:
        description += f" Unavailable when this document was made: {', '.join(unavailable)}."
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "servers": [{"url": "/"}],
        "security": [{BEARER_SCHEME: []}],
        "paths": paths,
        "components": components,
        "tags": tags,
        "x-agora-services": status,
    }


class OpenApiAggregator:
    """Fetches the services' documents and keeps the merged one for ``ttl_seconds``."""

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession,
        routes: Mapping[str, ServiceRoute],
        ttl_seconds: float,
        title: str = "Agora API",
        version: str = "1",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session = session
        self._routes = dict(routes)
        self._ttl = ttl_seconds
        self._title = title
        self._version = version
        self._clock = clock
        self._cached: tuple[float, Document] | None = None
        self._lock = asyncio.Lock()

    async def document(self) -> Document:
        """The aggregated document, rebuilt at most once per ``ttl_seconds``."""
        async with self._lock:  # one rebuild at a time; the others take its result
            if self._cached is not None and self._clock() - self._cached[0] < self._ttl:
                return self._cached[1]
            names = sorted(self._routes)
            fetched = await asyncio.gather(*(self._fetch(self._routes[n]) for n in names))
            document = merge_documents(
                dict(zip(names, fetched, strict=True)), title=self._title, version=self._version
            )
            self._cached = (self._clock(), document)
            return document

    async def _fetch(self, route: ServiceRoute) -> Document | None:
        try:
            async with self._session.get(
                route.url(b"/openapi.json"),
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=OPENAPI_FETCH_TIMEOUT_SECONDS),
            ) as response:
                response.raise_for_status()
                document = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            _logger.info("no OpenAPI document from %s: %s", route.name, type(error).__name__)
            return None
        return document if isinstance(document, dict) else None


SWAGGER_UI_VERSION = "5.17.14"
SWAGGER_UI_CDN = f"https://cdn.jsdelivr.net/npm/swagger-ui-dist@{SWAGGER_UI_VERSION}"
DOCS_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Agora API</title>
<link rel="stylesheet" href="{SWAGGER_UI_CDN}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{SWAGGER_UI_CDN}/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
"""
DOCS_SCRIPT = """window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: false,
});
"""


def docs_router(aggregator: Callable[[], OpenApiAggregator]) -> APIRouter:
    """``/api/openapi.json`` and the Swagger UI page at ``/api/docs``.

    ``aggregator()`` returns the lifespan's aggregator (it exists once the client pool does).
    """
    router = APIRouter(include_in_schema=False)

    @router.get("/api/openapi.json")
    async def openapi() -> Response:
        return JSONResponse(
            await aggregator().document(), headers={"Cache-Control": "public, max-age=30"}
        )

    @router.get("/api/docs")
    async def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_PAGE, headers={"Cache-Control": "public, max-age=300"})

    @router.get("/api/docs/init.js")
    async def docs_script() -> Response:
        return Response(
            DOCS_SCRIPT,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=300"},
        )

    return router
