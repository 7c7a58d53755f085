"""``python -m agora.communities``: serve the communities API (settings from ``AGORA_*``)."""

from agora.communities.app import create_app
from agora.communities.settings import CommunitiesSettings
from agora.servicekit import run


def main() -> None:
    """Serve until stopped."""
    run(app_factory=create_app, settings=CommunitiesSettings())


if __name__ == "__main__":
    main()
