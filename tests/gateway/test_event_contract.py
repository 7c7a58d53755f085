"""The gateway's published event schemas and AsyncAPI document never change silently."""

from pathlib import Path

import pytest

from agora.gateway.asyncapi import render
from agora.gateway.events import registry
from agora.testing.event_contract import assert_event_contract

pytestmark = pytest.mark.unit

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events"


def test_the_gateway_events_match_the_committed_schema_snapshot() -> None:
    assert_event_contract(registry, DOCS / "gateway.schema.json")


def test_the_committed_asyncapi_document_is_up_to_date() -> None:
    committed = (DOCS / "gateway.asyncapi.json").read_text(encoding="utf-8")

    assert committed == render(), "run: python -m agora.gateway.asyncapi"
