"""``python -m agora.metrics``: serve the dashboards API and run the projection.

``AGORA_PROCESS_ROLE`` picks what runs: ``all`` (the default) both, ``api`` only the API;
``python -m agora.metrics.worker`` runs the projection alone.
"""

from agora.metrics.app import create_app
from agora.metrics.settings import MetricsSettings
from agora.servicekit import run


def main() -> None:
    """Serve until stopped."""
    run(app_factory=create_app, settings=MetricsSettings())


if __name__ == "__main__":
    main()
