"""``python -m agora.profiles.worker``: the people and cards projections, without the API.

The process serves only ``/healthz``, ``/readyz`` and ``/metrics`` (for the orchestrator's
probes and the projection lag), on ``AGORA_PORT`` like the API.
"""

from agora.profiles.app import create_profiles_app
from agora.profiles.settings import ProfilesSettings
from agora.servicekit import run


def main() -> None:
    """Read the settings from the environment and run the workers until stopped."""
    run(app_factory=create_profiles_app, settings=ProfilesSettings(process_role="worker"))


if __name__ == "__main__":
    main()
