"""The OpenAPI document: every operation is summarised, described and shown with examples.

The rules are every service's (``agora.testing.openapi_rules``); the communities add their own.
"""

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from agora.communities.api import schemas
from agora.communities.app import create_app
from agora.communities.domain.decisions import create_community
from agora.communities.domain.state import CommunityState
from agora.communities.settings import CommunitiesSettings
from agora.testing.identity import TestIdentityProvider
from agora.testing.openapi_rules import Document, OpenApiRules, media_examples, operations

pytestmark = pytest.mark.unit


class TestTheCommunitiesDocument(OpenApiRules):
    schema_modules = (schemas,)

    @classmethod
    def build_app(cls) -> FastAPI:
        settings = CommunitiesSettings(**TestIdentityProvider().auth_settings())
        # Building the app connects to nothing: only its lifespan would.
        return create_app(settings=settings, tracer_provider=TracerProvider())

    def test_the_document_lists_the_service_operations(self, document: Document) -> None:
        paths = {path for _, path, _ in operations(document)}
        assert {"/communities", "/communities/{community_id}", "/me/communities"} <= paths
        assert len(operations(document)) >= 20

    def test_editing_and_creating_document_their_headers_and_french_examples(
        self, document: Document
    ) -> None:
        edit = document["paths"]["/communities/{community_id}"]["patch"]
        assert "If-Match" in {p["name"] for p in edit["parameters"]}
        assert "412" in edit["responses"]
        create = document["paths"]["/communities"]["post"]
        examples = media_examples(document, create["requestBody"]["content"]["application/json"])
        names = {example["name"] for example in examples}
        assert "Communauté Kubernetes" in names
        assert any(name.isascii() for name in names)
        assert {"Location", "ETag"} <= set(create["responses"]["201"]["headers"])

    def test_every_documented_creation_is_accepted_today(self, document: Document) -> None:
        """Found by fuzzing: a project example ended in a date that had passed, so the
        documented request was refused (a project's end date must be in the future)."""
        create = document["paths"]["/communities"]["post"]
        examples = media_examples(document, create["requestBody"]["content"]["application/json"])
        today = datetime.now(UTC).date()
        for example in examples:
            body = schemas.CreateCommunity.model_validate(example)
            decide = create_community(
                community_id="c-example",
                creator_id="p-example",
                name=body.name,
                description=body.description,
                tags=tuple(body.tags),
                kind=body.kind,
                visibility=body.visibility,
                end_date=body.end_date,
                today=today,
            )
            assert len(decide(CommunityState())) == 1
