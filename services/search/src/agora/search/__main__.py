"""``python -m agora.search``: serve the search API (settings from ``AGORA_*``).

``AGORA_PROCESS_ROLE`` picks what runs besides: ``all`` (the default) the indexer too, ``api``
only the API; ``python -m agora.search.worker`` runs the indexer alone.
"""

from agora.search.app import create_app
from agora.search.settings import SearchSettings
from agora.servicekit import run


def main() -> None:
    """Serve until stopped."""
    run(app_factory=create_app, settings=SearchSettings())


if __name__ == "__main__":
    main()
