"""``python -m agora.feed``: serve the feed API (settings from ``AGORA_*``)."""

from agora.feed.app import create_app
from agora.feed.settings import FeedSettings
from agora.servicekit import run


def main() -> None:
    """Serve until stopped."""
    run(app_factory=create_app, settings=FeedSettings())


if __name__ == "__main__":
    main()
