"""Every event Agora publishes says what it means in its AsyncAPI document (integrators read
the summary beside the schema); an event class added without a docstring fails here."""

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

EVENTS_DIR = Path(__file__).resolve().parents[2] / "docs" / "events"


@pytest.mark.parametrize(
    "document", sorted(EVENTS_DIR.glob("*.asyncapi.json")), ids=lambda path: path.name
)
def test_every_published_event_has_a_summary_of_its_own(document: Path) -> None:
    messages = json.loads(document.read_text(encoding="utf-8"))["components"]["messages"]

    undocumented = [m["name"] for m in messages.values() if m["summary"] == m["name"]]

    assert messages
    assert undocumented == []
