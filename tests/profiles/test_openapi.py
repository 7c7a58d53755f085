"""The OpenAPI document: every operation summarised, with examples and its problems.

The rules are every service's (``agora.testing.openapi_rules``); the profiles add their own.
"""

import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from agora.profiles.api import schemas
from agora.profiles.app import create_profiles_app
from agora.profiles.settings import ProfilesSettings
from agora.testing.identity import TestIdentityProvider
from agora.testing.openapi_rules import Document, OpenApiRules, operations

pytestmark = pytest.mark.unit


class TestTheProfilesDocument(OpenApiRules):
    schema_modules = (schemas,)
    # The routes show the bodies' examples, rendered by the code that answers (api/openapi.py).
    every_model_shows_an_example = False

    @classmethod
    def build_app(cls) -> FastAPI:
        settings = ProfilesSettings(environment="test", **TestIdentityProvider().auth_settings())
        return create_profiles_app(settings=settings, tracer_provider=TracerProvider())

    def test_the_document_lists_the_service_s_operations(self, document: Document) -> None:
        listed = {(method, path) for method, path, _ in operations(document)}
        assert ("POST", "/people") in listed
        assert ("PATCH", "/people/me") in listed
        assert len(listed) >= 20

    def test_an_edit_documents_if_match_and_its_problems(self, document: Document) -> None:
        edit = document["paths"]["/people/me"]["patch"]
        assert {"412", "428"} <= edit["responses"].keys()
        assert any(parameter["name"] == "If-Match" for parameter in edit["parameters"])

    def test_examples_keep_the_fields_hidden_from_the_reader_as_null(
        self, document: Document
    ) -> None:
        answer = document["paths"]["/people/{person_id}"]["get"]["responses"]["200"]
        example = answer["content"]["application/json"]["example"]
        assert example["location"] is None
        assert example["visibility"] is None

    def test_examples_speak_french_where_natural(self, document: Document) -> None:
        body = document["paths"]["/people"]["post"]["requestBody"]["content"]["application/json"]
        assert body["examples"]["complete"]["value"]["display_name"] == "Élodie Martin"
