"""Readiness of the services behind the gateway, reported by the gateway's ``/readyz``."""

from collections.abc import Callable

import aiohttp

from agora.gateway.upstream import ServiceRoute
from agora.servicekit import ReadinessCheck, ReadinessFailure


def service_readiness_check(
    session: Callable[[], aiohttp.ClientSession], route: ServiceRoute
) -> ReadinessCheck:
    """A check passing when the service's own ``/readyz`` answers 200 (``session()`` sends)."""
    url = route.url(b"/readyz")

    async def check() -> None:
        try:
            async with session().get(url, allow_redirects=False) as response:
                status = response.status
        except TimeoutError:
            raise ReadinessFailure("timed out") from None
        except aiohttp.ClientError:
            raise ReadinessFailure("unreachable") from None
        if status != 200:
            raise ReadinessFailure(f"not ready (HTTP {status})")

    return check
