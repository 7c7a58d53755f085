"""``python -m agora.metrics.worker``: the metrics projection, without the API.

The process serves only ``/healthz``, ``/readyz`` and ``/metrics``. Any number may run: a
lease lets exactly one of them write the read model at a time, the others wait to take over.
"""

from agora.metrics.app import create_app
from agora.metrics.settings import MetricsSettings
from agora.servicekit import run


def main() -> None:
    """Run the projection until stopped."""
    run(app_factory=create_app, settings=MetricsSettings(process_role="worker"))


if __name__ == "__main__":
    main()
