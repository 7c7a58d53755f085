"""Readiness of the services behind the gateway, reported by the gateway's ``/readyz``."""

from collections.abc import Callable

import httpx

from agora.gateway.upstream import ServiceRoute
from agora.servicekit import ReadinessCheck, ReadinessFailure


def service_readiness_check(
    client: Callable[[], httpx.AsyncClient], route: ServiceRoute
) -> ReadinessCheck:
    """A check passing when the service's own ``/readyz`` answers 200 (``client()`` sends)."""
    url = route.base_url.copy_with(raw_path=route.base_url.raw_path.rstrip(b"/") + b"/readyz")

    async def check() -> None:
        try:
            response = await client().get(url)
        except httpx.TimeoutException:
            raise ReadinessFailure("timed out") from None
        except httpx.TransportError:
            raise ReadinessFailure("unreachable") from None
        if response.status_code != 200:
            raise ReadinessFailure(f"not ready (HTTP {response.status_code})")

    return check
