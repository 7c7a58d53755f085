"""``python -m agora.feed.asyncapi``: write the AsyncAPI document of the events topic."""

import json
import sys
from pathlib import Path
from typing import Any

from agora.eventsourcing.asyncapi import Channel, asyncapi_document
from agora.eventsourcing.topics import event_topic_name
from agora.feed.domain.events import registry

DOCUMENT_PATH = Path("docs/events/feed.asyncapi.json")


def feed_asyncapi() -> dict[str, Any]:
    """The AsyncAPI document describing ``agora.feed.events``."""
    return asyncapi_document(
        title="Agora feed events",
        version="1.0.0",
        description="Events of post streams (post-<id>: posts, questions, praise, polls, shares, "
        "comments, reactions, accepted answers, votes, subscriptions, reports, moderation) and "
        "inbox streams (inbox-<person id>: notification preferences, mutes, read marks).",
        channels=[
            Channel(
                topic=event_topic_name("feed"),
                registry=registry,
                description="Every event of every post and inbox stream, keyed by stream id.",
            )
        ],
    )


def render() -> str:
    """The document as committed (indented JSON with a final newline)."""
    return json.dumps(feed_asyncapi(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    """Write the document to the path given as argument (default: the committed one)."""
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DOCUMENT_PATH
    path.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
