"""The profiles events and person cards are a public contract; the AsyncAPI document is current."""

from pathlib import Path

import pytest

from agora.profiles.asyncapi import render
from agora.profiles.domain.cards import card_registry
from agora.profiles.domain.events import registry
from agora.testing.event_contract import assert_event_contract

pytestmark = pytest.mark.unit

EVENTS_DOCS = Path(__file__).resolve().parents[2] / "docs" / "events"


def test_the_profiles_events_match_their_published_schemas() -> None:
    assert_event_contract(registry, EVENTS_DOCS / "profiles.schema.json")


def test_the_person_cards_match_their_published_schemas() -> None:
    assert_event_contract(card_registry, EVENTS_DOCS / "profiles.cards.schema.json")


def test_the_committed_asyncapi_document_is_up_to_date() -> None:
    committed = (EVENTS_DOCS / "profiles.asyncapi.json").read_text(encoding="utf-8")

    assert committed == render(), "run: python -m agora.profiles.asyncapi"
