"""``python -m agora.communities``: serve the communities API (settings from ``AGORA_*``).

``AGORA_PROCESS_ROLE`` picks what runs besides: ``all`` (the default) the directory projection
and the archiver too, ``api`` only the API and its outbox relay;
``python -m agora.communities.worker`` runs the projection and the archiver alone.
"""

from agora.communities.app import create_app
from agora.communities.settings import CommunitiesSettings
from agora.servicekit import run


def main() -> None:
    """Serve until stopped."""
    run(app_factory=create_app, settings=CommunitiesSettings())


if __name__ == "__main__":
    main()
