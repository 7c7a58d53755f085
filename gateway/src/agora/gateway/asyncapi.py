"""``python -m agora.gateway.asyncapi``: write the AsyncAPI document of the gateway's topic."""

import json
import sys
from pathlib import Path
from typing import Any

from agora.eventsourcing.asyncapi import Channel, asyncapi_document
from agora.eventsourcing.topics import event_topic_name
from agora.gateway.events import registry

DOCUMENT_PATH = Path("docs/events/gateway.asyncapi.json")


def gateway_asyncapi() -> dict[str, Any]:
    """The AsyncAPI document describing ``agora.gateway.events``."""
    return asyncapi_document(
        title="Agora gateway events",
        version="1.0.0",
        description="The activity signal: at most one event per person per day (UTC) saying "
        "that they used Agora, never what they read or did. Streams are "
        "activity-<person>_<YYYYMMDD>, each holding exactly one event.",
        channels=[
            Channel(
                topic=event_topic_name("gateway"),
                registry=registry,
                description="One person_active event per person per day, keyed by stream id.",
            )
        ],
    )


def render() -> str:
    """The document as committed (indented JSON with a final newline)."""
    return json.dumps(gateway_asyncapi(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    """Write the document to the path given as argument (default: the committed one)."""
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DOCUMENT_PATH
    path.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
