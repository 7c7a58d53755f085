"""``python -m agora.profiles``: serve the profiles API configured by ``AGORA_*`` variables.

``AGORA_PROCESS_ROLE`` picks what runs besides: ``all`` (the default) the projections too,
``api`` only the API and its outbox relay; ``python -m agora.profiles.worker`` runs the
projections alone.
"""

from agora.profiles.app import create_profiles_app
from agora.profiles.settings import ProfilesSettings
from agora.servicekit import run


def main() -> None:
    """Read the settings from the environment and serve until stopped."""
    run(app_factory=create_profiles_app, settings=ProfilesSettings())


if __name__ == "__main__":
    main()
