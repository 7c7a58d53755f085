"""``python -m agora.communities.asyncapi``: write the AsyncAPI document of the events topic."""

import json
import sys
from pathlib import Path
from typing import Any

from agora.communities.domain.events import registry
from agora.eventsourcing.asyncapi import Channel, asyncapi_document
from agora.eventsourcing.topics import event_topic_name

DOCUMENT_PATH = Path("docs/events/communities.asyncapi.json")


def communities_asyncapi() -> dict[str, Any]:
    """The AsyncAPI document describing ``agora.communities.events``."""
    return asyncapi_document(
        title="Agora communities events",
        version="1.0.0",
        description="Events of community streams (community-<id>): creation, edits, archiving, "
        "membership, join requests, invitations, roles, blocks and charters.",
        channels=[
            Channel(
                topic=event_topic_name("communities"),
                registry=registry,
                description="Every event of every community, keyed by stream id.",
            )
        ],
    )


def render() -> str:
    """The document as committed (indented JSON with a final newline)."""
    return json.dumps(communities_asyncapi(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    """Write the document to the path given as argument (default: the committed one)."""
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DOCUMENT_PATH
    path.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
