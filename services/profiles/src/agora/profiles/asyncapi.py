"""``python -m agora.profiles.asyncapi``: write the AsyncAPI document of the profiles events."""

import json
import sys
from pathlib import Path
from typing import Any

from agora.eventsourcing.asyncapi import Channel, asyncapi_document
from agora.eventsourcing.topics import event_topic_name
from agora.profiles.domain.cards import card_registry
from agora.profiles.domain.events import registry
from agora.profiles.settings import CARDS_TOPIC, SERVICE_NAME

DOCUMENT_PATH = Path("docs/events/profiles.asyncapi.json")


def profiles_asyncapi() -> dict[str, Any]:
    """The AsyncAPI 3.0 document of the profiles topics (events and cards)."""
    return asyncapi_document(
        title="Agora profiles events",
        version="1.0.0",
        description="Changes to people's profiles: provisioning, edits, skills, endorsements, "
        "follows and visibility. Each stream is `profile-<person id>`. Personal fields travel "
        "sealed; the public card of each person travels readable on the cards topic.",
        channels=[
            Channel(
                topic=event_topic_name(SERVICE_NAME),
                registry=registry,
                description="Every event of every profile, keyed by stream id.",
            ),
            Channel(
                topic=CARDS_TOPIC,
                registry=card_registry,
                description="The public card of every person (the directory fields every "
                "employee may see), keyed by person id. The topic is compacted: the newest card "
                "per person stays, and after compaction an erased person's earlier cards are "
                "gone. `streamid`/`streamversion` name the profile stream and the version the "
                "card reflects: apply a card only when it is newer than the last one applied.",
                key="person id",
            ),
        ],
    )


def render() -> str:
    """The document as committed: indented JSON with a final newline."""
    return json.dumps(profiles_asyncapi(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    """Write the document to the path given, or to ``docs/events`` under the current directory."""
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DOCUMENT_PATH
    target.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
