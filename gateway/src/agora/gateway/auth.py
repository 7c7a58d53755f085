"""Authentication at the gateway: every ``/api/v1`` request carries a valid bearer token.

The gateway checks the token (signature from the provider's JWKS, algorithm allow-list,
issuer, audience, expiry, not-before) with the service kit's ``JwtVerifier``, then forwards the
same ``Authorization`` header: each service verifies it again and makes its own decisions. It
never sends a user-id header of its own. A valid token of someone who left or was erased is
refused too (``revocation``): their token outlives their access.
"""

from collections.abc import Container, Mapping
from dataclasses import dataclass

from prometheus_client import Counter

from agora.servicekit.identity import (
    Identity,
    IdentityProviderUnavailableError,
    InvalidTokenError,
    JwtVerifier,
    bearer_token,
)

PLATFORM_ADMIN = "platform-admin"
ANALYST = "analyst"
PLATFORM_ROLES = frozenset({PLATFORM_ADMIN, ANALYST})
"""Roles the identity provider grants in the token's roles claim; every valid token is an
employee. Community roles (owner, manager, member) live in the communities service."""

AUTH_FAILURES = Counter(
    "agora_gateway_auth_failures_total", "Requests refused by the gateway's token check", ["reason"]
)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request was refused: 401 (token), 403 (role) or 503 (provider unreachable)."""

    status: int
    detail: str


class Authenticator:
    """Verifies bearer tokens and the coarse per-service role requirements."""

    def __init__(
        self,
        *,
        verifier: JwtVerifier,
        service_roles: Mapping[str, tuple[str, ...]],
        revoked: Container[str] = frozenset(),
    ) -> None:
        self._verifier = verifier
        self._service_roles = {name: frozenset(roles) for name, roles in service_roles.items()}
        self._revoked = revoked

    async def authenticate(self, authorization: str | None) -> Identity | Refusal:
        """The caller of a request with this ``Authorization`` header, or why it is refused."""
        token = bearer_token(authorization)
        if token is None:
            AUTH_FAILURES.labels("missing").inc()
            return Refusal(401, "A bearer token is required.")
        try:
            identity = await self._verifier.verify_async(token)
        except InvalidTokenError as error:
            AUTH_FAILURES.labels("invalid").inc()
            return Refusal(401, f"The bearer token was refused: {error}.")
        except IdentityProviderUnavailableError as error:
            AUTH_FAILURES.labels("provider_unavailable").inc()
            return Refusal(503, f"Tokens cannot be checked now: {error}.")
        if not self.has_access(identity.person_id):
            AUTH_FAILURES.labels("revoked").inc()
            return Refusal(401, "This account no longer has access: the person left or was erased.")
        return identity

    def has_access(self, person_id: str) -> bool:
        """Whether the person's access has not ended (they neither left nor were erased)."""
        return person_id not in self._revoked

    def may_use(self, identity: Identity, service: str) -> bool:
        """Whether the caller holds one of the roles a service requires (if it requires any)."""
        required = self._service_roles.get(service)
        return required is None or not required.isdisjoint(identity.roles)

    def required_roles(self, service: str) -> frozenset[str]:
        """The roles of which one is needed for ``service`` (empty: any employee)."""
        return self._service_roles.get(service, frozenset())
