"""The OpenAPI document: every operation is summarised, described and shown with examples.

The rules are every service's (``agora.testing.openapi_rules``); the feed adds its own.
"""

import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from agora.feed.api import notification_schemas, read_schemas, schemas
from agora.feed.app import create_app
from agora.feed.settings import FeedSettings
from agora.testing.identity import TestIdentityProvider
from agora.testing.openapi_rules import Document, OpenApiRules, media_examples, operations

pytestmark = pytest.mark.unit


class TestTheFeedDocument(OpenApiRules):
    schema_modules = (schemas, read_schemas, notification_schemas)

    @classmethod
    def build_app(cls) -> FastAPI:
        settings = FeedSettings(**TestIdentityProvider().auth_settings())
        # Building the app connects to nothing: only its lifespan would.
        return create_app(settings=settings, tracer_provider=TracerProvider())

    def test_the_document_lists_the_service_operations(self, document: Document) -> None:
        paths = {path for _, path, _ in operations(document)}
        assert {"/posts", "/posts/{post_id}", "/me/timeline", "/me/notifications"} <= paths
        assert len(operations(document)) >= 30

    def test_editing_and_publishing_document_their_headers_and_french_examples(
        self, document: Document
    ) -> None:
        edit = document["paths"]["/posts/{post_id}"]["patch"]
        assert "If-Match" in {p["name"] for p in edit["parameters"]}
        assert "412" in edit["responses"]
        publish = document["paths"]["/posts"]["post"]
        examples = media_examples(document, publish["requestBody"]["content"]["application/json"])
        assert any("Retour d'expérience" in example["text"] for example in examples)
        assert {"Location", "ETag"} <= set(publish["responses"]["201"]["headers"])

    def test_the_bodies_examples_keep_their_nulls(self, document: Document) -> None:
        # FastAPI drops None from the document; the completion puts the models' examples back.
        erased = document["components"]["schemas"]["PersonRef"]["examples"][1]
        assert erased["display_name"] is None
