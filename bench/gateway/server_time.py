"""Where a request's time goes, from the services' own Prometheus sums: the feed's time serving
it (``http_request_duration_seconds`` of the measured routes) and, through the gateway, the
gateway's wait for the feed's answer (``agora_gateway_upstream_response_seconds``). Means per
request over a round: what separates the gateway's own cost from a feed that got slower."""

from dataclasses import dataclass

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

FEED_ROUTES = frozenset({"/me/timeline", "/posts"})
"""The routes the measured operations reach on the feed."""
FEED_DURATION = "http_request_duration_seconds"
UPSTREAM_WAIT = "agora_gateway_upstream_response_seconds"


@dataclass(frozen=True)
class ServerTimes:
    """Running sums of the two histograms (seconds, and how many requests they hold)."""

    feed_seconds: float = 0.0
    feed_requests: float = 0.0
    upstream_seconds: float = 0.0
    upstream_requests: float = 0.0

    def __add__(self, other: "ServerTimes") -> "ServerTimes":
        return ServerTimes(
            self.feed_seconds + other.feed_seconds,
            self.feed_requests + other.feed_requests,
            self.upstream_seconds + other.upstream_seconds,
            self.upstream_requests + other.upstream_requests,
        )

    def __sub__(self, other: "ServerTimes") -> "ServerTimes":
        return ServerTimes(
            self.feed_seconds - other.feed_seconds,
            self.feed_requests - other.feed_requests,
            self.upstream_seconds - other.upstream_seconds,
            self.upstream_requests - other.upstream_requests,
        )

    @property
    def feed_ms(self) -> float | None:
        """The feed's mean time serving a request, in milliseconds."""
        return _mean_ms(self.feed_seconds, self.feed_requests)

    @property
    def upstream_ms(self) -> float | None:
        """The gateway's mean wait for the feed's answer, in milliseconds."""
        return _mean_ms(self.upstream_seconds, self.upstream_requests)


def _mean_ms(seconds: float, requests: float) -> float | None:
    return seconds / requests * 1000 if requests > 0 else None


class ServerTimer:
    """Reads both services' ``/metrics`` (plain HTTP on their own ports)."""

    def __init__(self, session: aiohttp.ClientSession, *, feed_url: str, gateway_url: str) -> None:
        self._session = session
        self._feed_url = feed_url
        self._gateway_url = gateway_url

    async def snapshot(self) -> ServerTimes:
        """The sums now."""
        feed_seconds, feed_requests = _sums(
            await self._text(self._feed_url), FEED_DURATION, route_in=FEED_ROUTES
        )
        upstream_seconds, upstream_requests = _sums(
            await self._text(self._gateway_url), UPSTREAM_WAIT, route_in=None
        )
        return ServerTimes(feed_seconds, feed_requests, upstream_seconds, upstream_requests)

    async def _text(self, base_url: str) -> str:
        async with self._session.get(base_url + "/metrics") as response:
            response.raise_for_status()
            return await response.text()


def _sums(text: str, histogram: str, *, route_in: frozenset[str] | None) -> tuple[float, float]:
    seconds = requests = 0.0
    for family in text_string_to_metric_families(text):
        if family.name != histogram:
            continue
        for sample in family.samples:
            if route_in is not None and sample.labels.get("route") not in route_in:
                continue
            if sample.name == f"{histogram}_sum":
                seconds += sample.value
            elif sample.name == f"{histogram}_count":
                requests += sample.value
    return seconds, requests
