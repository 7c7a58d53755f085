"""Who is calling: OpenID Connect bearer tokens (JWT) verified in every service.

The gateway passes the caller's token through unchanged and every service verifies it again
(defence in depth): no service trusts a bare user-id header. Verification follows the
pitfalls of PyJWT: the algorithms come from configuration (asymmetric only), and ``exp``,
``iat``, ``iss``, ``aud`` and ``sub`` are required.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol

import jwt
from fastapi import Depends, HTTPException, Request, status

from agora.servicekit.settings import ServiceSettings

REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


@dataclass(frozen=True)
class Identity:
    """A verified caller: the person's id (the token's ``sub``) and their platform roles."""

    person_id: str
    roles: frozenset[str] = frozenset()
    claims: Mapping[str, Any] = field(default_factory=dict)

    def has_role(self, role: str) -> bool:
        """Whether the identity provider granted this platform role."""
        return role in self.roles


class InvalidTokenError(Exception):
    """A bearer token is missing, malformed, expired or not signed by the identity provider."""


class TokenVerifier(Protocol):
    """Turns a bearer token into an ``Identity`` or raises ``InvalidTokenError``."""

    def verify(self, token: str) -> Identity:
        """Verify signature and claims."""
        ...


class JwtVerifier:
    """Verifies JWTs against a JWKS document (cached by PyJWT) or one configured public key."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        algorithms: list[str],
        roles_claim: str = "roles",
        jwks_url: str | None = None,
        public_key_pem: str | None = None,
        leeway_seconds: int = 30,
    ) -> None:
        if (jwks_url is None) == (public_key_pem is None):
            raise ValueError("configure exactly one of a JWKS URL and a public key")
        self._issuer = issuer
        self._audience = audience
        self._algorithms = algorithms
        self._roles_path = roles_claim.split(".")
        self._leeway = leeway_seconds
        self._jwks = (
            jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=300, timeout=5)
            if jwks_url
            else None
        )
        self._public_key = public_key_pem

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> "JwtVerifier":
        """A verifier configured by the ``AGORA_AUTH_*`` settings."""
        if settings.auth_issuer is None:
            raise ValueError("AGORA_AUTH_ISSUER must be set for a service that verifies callers")
        return cls(
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
            algorithms=list(settings.auth_algorithms),
            roles_claim=settings.auth_roles_claim,
            jwks_url=str(settings.auth_jwks_url) if settings.auth_jwks_url else None,
            public_key_pem=settings.auth_public_key_pem
            or (
                settings.auth_public_key_file.read_text(encoding="utf-8")
                if settings.auth_public_key_file
                else None
            ),
            leeway_seconds=settings.auth_leeway_seconds,
        )

    def verify(self, token: str) -> Identity:
        """Verify a compact JWT; any failure is an ``InvalidTokenError``."""
        try:
            key: Any = (
                self._jwks.get_signing_key_from_jwt(token).key
                if self._jwks is not None
                else self._public_key
            )
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=self._algorithms,
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as error:
            raise InvalidTokenError(str(error)) from error
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject:
            raise InvalidTokenError("the token's subject is not a person id")
        return Identity(person_id=subject, roles=self._roles(claims), claims=claims)

    def _roles(self, claims: Mapping[str, Any]) -> frozenset[str]:
        value: Any = claims
        for part in self._roles_path:
            value = value.get(part) if isinstance(value, Mapping) else None
        if not isinstance(value, list):
            return frozenset()
        return frozenset(role for role in value if isinstance(role, str))


def _unauthorized(reason: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=reason,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def require_identity(request: Request) -> Identity:
    """FastAPI dependency: the verified caller, or a 401 problem."""
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise RuntimeError("this service has no token verifier: set app.state.token_verifier")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("a bearer token is required")
    try:
        return verifier.verify(token.strip())
    except InvalidTokenError as error:
        raise _unauthorized(f"the bearer token was refused: {error}") from None


CurrentIdentity = Annotated[Identity, Depends(require_identity)]
"""Route parameter type for the verified caller."""
