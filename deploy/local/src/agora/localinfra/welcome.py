"""What `agora-infra up` prints once the stack is ready: where Agora answers and a first call."""

from __future__ import annotations

from collections.abc import Sequence

from agora.localinfra.services import Service

GATEWAY_SERVICE = "gateway"
EXAMPLE_PERSON = "person-alice"


def getting_started(services: Sequence[Service]) -> str | None:
    """The gateway's URL, its API docs, a token and one call; ``None`` without a gateway."""
    gateway = next((service for service in services if service.name == GATEWAY_SERVICE), None)
    if gateway is None:
        return None
    url = f"http://127.0.0.1:{gateway.port}"
    where = "any person id"
    if gateway.env.get("AGORA_DEV_IDP_ENABLED", "").lower() == "true":
        where += f"; or POST {url}/dev-idp/token (gateway/README.md)"
    return "\n".join(
        [
            f"Agora: {url}  (API docs: {url}/api/docs)",
            f"  TOKEN=$(.venv/bin/agora-infra token {EXAMPLE_PERSON})   # {where}",
            f'  curl -H "Authorization: Bearer $TOKEN" {url}/api/v1/communities/communities',
        ]
    )
