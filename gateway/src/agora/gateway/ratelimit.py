"""Token-bucket rate limits, kept in this process (each replica enforces its own share)."""

import time
from collections import OrderedDict
from collections.abc import Callable

from prometheus_client import Counter
from starlette.types import ASGIApp, Receive, Scope, Send

from agora.gateway.problems import rate_limited

RATE_LIMITED = Counter(
    "agora_gateway_rate_limited_total", "Requests refused by a gateway rate limit", ["limit"]
)
LIMITED_PATH_PREFIXES = ("/api/", "/dev-idp/")
"""Per-IP limits guard what costs work (routing, token checks, documents, token issuing); the
probes and /metrics stay free so an orchestrator is never refused."""


class TokenBuckets:
    """One bucket per key: ``burst`` tokens, refilled at ``rate`` per second, one per request."""

    def __init__(
        self,
        *,
        rate: float,
        burst: int,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs a positive rate and a burst of at least 1")
        self.rate = rate
        self.burst = burst
        self._max_keys = max_keys
        self._clock = clock
        # key -> (tokens, last refill); least recently used first, so memory stays bounded.
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> float:
        """Spend a token of ``key``'s bucket: 0.0 when allowed, else the seconds to wait."""
        now = self._clock()
        tokens, updated = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - updated) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self._max_keys:
            # A dropped bucket starts full again: a key seen this rarely was not limited anyway.
            self._buckets.popitem(last=False)
        return wait

    def __len__(self) -> int:
        return len(self._buckets)


class IpRateLimitMiddleware:
    """Refuse a client address's requests over its bucket with a 429 problem."""

    def __init__(self, app: ASGIApp, *, buckets: TokenBuckets) -> None:
        self.app = app
        self.buckets = buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Spend the client's token, then serve the request or refuse it."""
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(LIMITED_PATH_PREFIXES):
            await self.app(scope, receive, send)
            return
        # uvicorn resolves the client from X-Forwarded-For only for trusted proxies
        # (AGORA_PROXY_HEADERS, AGORA_FORWARDED_ALLOW_IPS), so clients cannot pick their key.
        client = scope.get("client")
        address = client[0] if client else "unknown"
        wait = self.buckets.take(address)
        if wait > 0:
            RATE_LIMITED.labels("ip").inc()
            response = rate_limited(
                detail=f"At most {self.buckets.rate:g} requests per second per client address "
                f"(bursts of {self.buckets.burst}).",
                instance=path,
                retry_after_seconds=wait,
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
