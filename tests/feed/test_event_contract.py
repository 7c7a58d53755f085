"""The published event schemas and the AsyncAPI document never change silently."""

from pathlib import Path

import pytest

from agora.feed.asyncapi import render
from agora.feed.domain.events import registry
from agora.testing.event_contract import assert_event_contract

pytestmark = pytest.mark.unit

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events"


def test_the_community_events_match_the_committed_schema_snapshot() -> None:
    assert_event_contract(registry, DOCS / "feed.schema.json")


def test_the_committed_asyncapi_document_is_up_to_date() -> None:
    committed = (DOCS / "feed.asyncapi.json").read_text(encoding="utf-8")

    assert committed == render(), "run: python -m agora.feed.asyncapi"
