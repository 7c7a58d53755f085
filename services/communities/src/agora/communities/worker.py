"""``python -m agora.communities.worker``: the directory projection, the erasure follower and
the project archiver, without the API.

The process serves only ``/healthz``, ``/readyz`` and ``/metrics`` (for the orchestrator's
probes and the projection lag), on ``AGORA_PORT`` like the API.
"""

from agora.communities.app import create_app
from agora.communities.settings import CommunitiesSettings
from agora.servicekit import run


def main() -> None:
    """Run the workers until stopped."""
    run(app_factory=create_app, settings=CommunitiesSettings(process_role="worker"))


if __name__ == "__main__":
    main()
