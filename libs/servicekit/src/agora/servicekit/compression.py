"""gzip for the answers a client accepts compressed (Starlette's ``GZipMiddleware``).

Front-ends on mobile networks wait for bytes: a home timeline page of 25 KiB of JSON is
7.6 KiB at zlib's level 1, compressed in 0.17 ms on the project machine (level 6 gives
6.5 KiB for 0.41 ms, level 9 6.4 KiB for 0.52 ms), hence level 1 by default. An answer that
fits in about one TCP segment gains nothing and goes out as it is. Starlette never compresses
event streams (a compressor holds bytes back), answers that already carry a
``Content-Encoding`` (a service's answer forwarded by the gateway) or partial content; it
streams compressed chunks as they come and adds ``Vary: Accept-Encoding`` for caches.
An answer's ``ETag`` stays the aggregate's version whatever the coding: it is the token of
``If-Match`` on a later change, and the answers that carry one are ``Cache-Control: no-store``,
so no cache keeps the two codings under one tag.

BREACH-style attacks need a secret in a compressed body beside text the attacker reflects into
it, and a victim's browser sending the attacker's requests with its credentials. Agora's API
authenticates with a bearer token in a header, which another site's page cannot make a
browser send, and puts no secret in its answers' bodies.
"""

from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

ACCEPT_ENCODING = b"accept-encoding"

SEGMENT_BYTES = 1400
"""About one TCP segment's payload on a 1,500-byte MTU: smaller answers are sent as they are."""


class ResponseCompressionMiddleware:
    """gzip answers (``GZipMiddleware``), except on paths under ``exempt_path_prefixes``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        minimum_bytes: int,
        level: int,
        exempt_path_prefixes: tuple[str, ...] = (),
    ) -> None:
        self._app = app
        self._gzip = GZipMiddleware(app, minimum_size=minimum_bytes, compresslevel=level)
        self._exempt_path_prefixes = exempt_path_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith(self._exempt_path_prefixes):
            await self._app(scope, receive, send)
            return
        accepted = accept_encoding(scope)
        wanted = accepts_gzip(accepted)
        if wanted != ("gzip" in accepted):
            # Starlette looks for "gzip" anywhere in the header: "gzip;q=0" (gzip refused)
            # would get it, "*" would not. It sees the header reduced to what was meant.
            headers = [(name, value) for name, value in scope["headers"] if name != ACCEPT_ENCODING]
            if wanted:
                headers.append((ACCEPT_ENCODING, b"gzip"))
            scope = {**scope, "headers": headers}
        await self._gzip(scope, receive, send)


def accept_encoding(scope: Scope) -> str:
    """The request's ``Accept-Encoding`` value (empty when it sent none)."""
    return Headers(scope=scope).get("accept-encoding", "")


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` value accepts gzip (RFC 9110, 12.5.3): named with a
    non-zero weight, or not named and ``*`` accepted."""
    weights: dict[str, float] = {}
    for element in accept_encoding.split(","):
        coding, *parameters = (part.strip() for part in element.split(";"))
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0  # a weight that is not a number accepts nothing
        if coding:
            weights[coding.lower()] = weight
    named = weights.get("gzip", weights.get("x-gzip"))
    if named is not None:
        return named > 0
    return weights.get("*", 0.0) > 0
