"""``python -m agora.gateway``: serve the gateway (settings from ``AGORA_*``)."""

from agora.gateway.app import create_app
from agora.gateway.settings import GatewaySettings
from agora.servicekit import run


def main() -> None:
    """Serve until stopped."""
    run(app_factory=create_app, settings=GatewaySettings())


if __name__ == "__main__":
    main()
