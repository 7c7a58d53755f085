"""``python -m agora.gateway``: serve the gateway (settings from ``AGORA_*``)."""

from agora.gateway.app import create_app
from agora.gateway.settings import GatewaySettings
from agora.servicekit import run


def main() -> None:
    """Serve until stopped."""
    settings = GatewaySettings()
    # Live-update streams never end by themselves: without a bound, a stop would wait on them.
    run(
        app_factory=create_app,
        settings=settings,
        graceful_shutdown_seconds=settings.shutdown_grace_seconds,
    )


if __name__ == "__main__":
    main()
