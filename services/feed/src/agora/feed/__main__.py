"""``python -m agora.feed``: serve the feed API (settings from ``AGORA_*``).

``AGORA_PROCESS_ROLE`` picks what runs besides: ``all`` (the default) the projection too,
``api`` only the API and its outbox relay; ``python -m agora.feed.worker`` runs the projection
alone.
"""

from agora.feed.app import create_app
from agora.feed.settings import FeedSettings
from agora.servicekit import run


def main() -> None:
    """Serve until stopped."""
    run(app_factory=create_app, settings=FeedSettings())


if __name__ == "__main__":
    main()
