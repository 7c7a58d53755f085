import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI

from .probe_service import AppFactory, client_of

pytestmark = pytest.mark.unit


async def test_the_service_lifespan_opens_resources_before_serving_and_closes_them_after(
    make_app: AppFactory, restore_root_logger: logging.Logger
) -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        events.append("opened")
        app.state.greeting = "hello"
        yield
        events.append("closed")

    app = make_app(lifespan=lifespan)

    async with app.router.lifespan_context(app):
        assert events == ["opened"]
        assert app.state.greeting == "hello"
    assert events == ["opened", "closed"]


async def test_the_lifespan_sets_up_json_logging(
    make_app: AppFactory, restore_root_logger: logging.Logger
) -> None:
    app = make_app()

    async with app.router.lifespan_context(app):
        assert any(
            type(handler).__name__ == "_AgoraLogHandler" for handler in restore_root_logger.handlers
        )


async def test_the_openapi_document_and_docs_are_served(make_app: AppFactory) -> None:
    async with client_of(make_app()) as client:
        schema = await client.get("/openapi.json")
        docs = await client.get("/docs")

    assert schema.status_code == 200
    assert schema.json()["info"] == {"title": "probe", "version": "1.2.3"}
    assert "/things/{thing_id}" in schema.json()["paths"]
    assert "/healthz" not in schema.json()["paths"]
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
