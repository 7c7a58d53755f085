"""Security headers on every answer of the gateway, whether it made it or a service did."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
"""API answers are data, never pages: nothing may load, run, frame or submit from them."""

DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; "
    "script-src 'self' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://cdn.jsdelivr.net; "
    "connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
"""The documentation page runs Swagger UI from its CDN; its own script is a file, not inline."""

DOCS_PATH_PREFIX = "/api/docs"

FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-site",
}


class GatewaySecurityHeadersMiddleware:
    """Set the headers, overriding a service's own: the gateway owns what browsers see."""

    def __init__(self, app: ASGIApp, *, hsts_max_age_seconds: int) -> None:
        self.app = app
        self.hsts = f"max-age={hsts_max_age_seconds}; includeSubDomains"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, setting the headers on its response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = (
            DOCS_CONTENT_SECURITY_POLICY
            if scope["path"].startswith(DOCS_PATH_PREFIX)
            else API_CONTENT_SECURITY_POLICY
        )
        # HSTS only means something over HTTPS (RFC 6797 tells browsers to ignore it on
        # plain HTTP); behind a TLS-terminating proxy, uvicorn's proxy headers set the scheme.
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in FIXED_HEADERS.items():
                    headers[name] = value
                headers["Content-Security-Policy"] = policy
                if https:
                    headers["Strict-Transport-Security"] = self.hsts
            await send(message)

        await self.app(scope, receive, send_with_headers)
