"""The OpenAPI document: every operation is summarised, described and shown with examples.

The rules are every service's (``agora.testing.openapi_rules``).
"""

import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from agora.search.api import schemas
from agora.search.app import create_app
from agora.search.settings import SearchSettings
from agora.testing.identity import TestIdentityProvider
from agora.testing.openapi_rules import Document, OpenApiRules, operations

pytestmark = pytest.mark.unit


class TestTheSearchDocument(OpenApiRules):
    schema_modules = (schemas,)

    @classmethod
    def build_app(cls) -> FastAPI:
        settings = SearchSettings(**TestIdentityProvider().auth_settings())
        # Building the app connects to nothing: only its lifespan would.
        return create_app(settings=settings, tracer_provider=TracerProvider())

    def test_the_document_lists_every_search(self, document: Document) -> None:
        assert {path for _, path, _ in operations(document)} == {
            "/experts",
            "/posts",
            "/communities",
            "/suggestions/communities",
            "/suggestions/people",
            "/autocomplete",
        }

    def test_every_search_documents_the_unavailable_problem(self, document: Document) -> None:
        for _, path, operation in operations(document):
            assert "503" in operation["responses"], path
