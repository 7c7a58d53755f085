"""The OpenAPI document: every operation summarised, with examples and its problems."""

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

from agora.profiles.app import create_profiles_app
from agora.profiles.settings import ProfilesSettings
from agora.servicekit import PROBLEM_MEDIA_TYPE
from agora.testing.identity import TestIdentityProvider

pytestmark = pytest.mark.unit

Operation = tuple[str, str, dict[str, Any]]
COMMAND_METHODS = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    settings = ProfilesSettings(environment="test", **TestIdentityProvider().auth_settings())
    app = create_profiles_app(settings=settings, tracer_provider=TracerProvider())
    openapi: dict[str, Any] = app.openapi()
    return openapi


def operations(document: dict[str, Any]) -> Iterator[Operation]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def has_example(media: dict[str, Any], document: dict[str, Any]) -> bool:
    if media.get("example") is not None or media.get("examples"):
        return True
    ref = media.get("schema", {}).get("$ref", "")
    schema = document["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
    return bool(schema.get("examples"))


def test_the_document_lists_the_service_s_operations(document: dict[str, Any]) -> None:
    listed = {(method, path) for method, path, _ in operations(document)}
    assert ("post", "/people") in listed
    assert ("patch", "/people/me") in listed
    assert len(listed) >= 20


def test_every_operation_has_a_summary_and_a_description(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        assert operation.get("summary", "").strip(), f"{method} {path} has no summary"
        assert operation.get("description", "").strip(), f"{method} {path} has no description"


def test_every_request_body_has_an_example(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
            assert has_example(media, document), f"{method} {path} {media_type} has no example"


def test_every_success_with_a_json_body_has_an_example(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        successes = [status for status in operation["responses"] if status.startswith("2")]
        assert successes, f"{method} {path} documents no success"
        for status in successes:
            media = operation["responses"][status].get("content", {}).get("application/json")
            if media is not None:
                assert has_example(media, document), f"{method} {path} {status} has no example"


def test_every_documented_problem_is_problem_json_with_an_example(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        assert "401" in operation["responses"], f"{method} {path} does not document 401"
        for status, response in operation["responses"].items():
            if not status.startswith(("4", "5")):
                continue
            content = response.get("content", {})
            assert list(content) == [PROBLEM_MEDIA_TYPE], f"{method} {path} {status}: {content}"
            examples = content[PROBLEM_MEDIA_TYPE].get("examples", {})
            assert examples, f"{method} {path} {status} has no problem example"
            for example in examples.values():
                problem = example["value"]
                assert problem["status"] == int(status), f"{method} {path} {status}: {problem}"
                assert {"type", "title", "status", "detail"} <= problem.keys()


def test_commands_document_idempotency_keys_and_edits_if_match(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        headers = {
            parameter["name"].lower()
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "header"
        }
        if method in COMMAND_METHODS:
            assert "idempotency-key" in headers, f"{method} {path} lacks Idempotency-Key"
        else:
            assert "idempotency-key" not in headers, f"{method} {path} has Idempotency-Key"
    edit = document["paths"]["/people/me"]["patch"]
    assert {"412", "428"} <= edit["responses"].keys()
    assert any(parameter["name"] == "If-Match" for parameter in edit["parameters"])


def test_examples_keep_the_fields_hidden_from_the_reader_as_null(
    document: dict[str, Any],
) -> None:
    answer = document["paths"]["/people/{person_id}"]["get"]["responses"]["200"]
    example = answer["content"]["application/json"]["example"]
    assert example["location"] is None
    assert example["visibility"] is None


def test_examples_speak_french_where_natural(document: dict[str, Any]) -> None:
    body = document["paths"]["/people"]["post"]["requestBody"]["content"]["application/json"]
    assert body["examples"]["complete"]["value"]["display_name"] == "Élodie Martin"
