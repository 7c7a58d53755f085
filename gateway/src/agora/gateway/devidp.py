"""The development identity provider: OpenID discovery, a JWKS and a token endpoint.

Off unless ``AGORA_DEV_IDP_ENABLED=true`` (the local stack's dev profile sets it; settings
refuse it in ``prod``); when off its routes do not exist (404). It signs with the local stack's
development key, the one ``agora-infra token`` uses, and publishes the public half as a JWKS:
the gateway then verifies these tokens exactly as it verifies a production provider's, by
fetching the JWKS.
"""

import time
import uuid
from pathlib import Path
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import APIRouter, Request
from pydantic import Field, StringConstraints

from agora.servicekit import ApiModel

DEV_IDP_PREFIX = "/dev-idp"

PersonId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.@:-]{1,128}$")]
RoleName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]


class TokenRequest(ApiModel):
    """Whom the token is for and which platform roles it grants."""

    person_id: PersonId = Field(examples=["person-alice"])
    roles: tuple[RoleName, ...] = Field(default=(), max_length=10, examples=[["analyst"]])


class TokenResponse(ApiModel):
    """An OAuth 2.0 style bearer token answer."""

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class DevIdentityProvider:
    """Signs tokens with one private key and describes its public half as a JWKS."""

    def __init__(
        self, *, private_key_pem: bytes, key_id: str, issuer: str, audience: str, lifetime: int
    ) -> None:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
        if isinstance(key, rsa.RSAPrivateKey):
            self._algorithm = "RS256"
            public_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
        elif isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1":
            self._algorithm = "ES256"
            public_jwk = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
        else:
            raise TypeError("the development signing key must be RSA or EC P-256")
        self._key = key
        self._key_id = key_id
        self.issuer = issuer
        self.audience = audience
        self.lifetime = lifetime
        self.jwks: dict[str, Any] = {
            "keys": [{**public_jwk, "kid": key_id, "use": "sig", "alg": self._algorithm}]
        }

    @classmethod
    def from_file(
        cls, path: Path, *, key_id: str, issuer: str, audience: str, lifetime: int
    ) -> "DevIdentityProvider":
        """A provider signing with the PEM private key in ``path``."""
        return cls(
            private_key_pem=path.read_bytes(),
            key_id=key_id,
            issuer=issuer,
            audience=audience,
            lifetime=lifetime,
        )

    @property
    def algorithm(self) -> str:
        """The signature algorithm of its tokens."""
        return self._algorithm

    def token(self, person_id: str, roles: tuple[str, ...] = ()) -> str:
        """A signed access token for ``person_id`` with platform ``roles``."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": person_id,
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime,
            "jti": str(uuid.uuid4()),
            "roles": list(roles),
        }
        return jwt.encode(
            claims, self._key, algorithm=self._algorithm, headers={"kid": self._key_id}
        )


def dev_idp_router(provider: DevIdentityProvider) -> APIRouter:
    """The provider's routes under ``/dev-idp``."""
    router = APIRouter(prefix=DEV_IDP_PREFIX, tags=["development identity provider"])

    @router.get("/.well-known/openid-configuration", name="dev_idp_discovery")
    async def discovery(request: Request) -> dict[str, Any]:
        """OpenID Connect discovery metadata (the subset a resource server reads)."""
        return {
            "issuer": provider.issuer,
            "jwks_uri": str(request.url_for("dev_idp_jwks")),
            "token_endpoint": str(request.url_for("dev_idp_token")),
            "id_token_signing_alg_values_supported": [provider.algorithm],
            "token_endpoint_auth_methods_supported": ["none"],
            "response_types_supported": ["token"],
            "subject_types_supported": ["public"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "jti", "roles"],
        }

    @router.get("/jwks.json", name="dev_idp_jwks")
    async def jwks() -> dict[str, Any]:
        """The public signing keys."""
        return provider.jwks

    @router.post("/token", name="dev_idp_token")
    async def token(body: TokenRequest) -> TokenResponse:
        """A token for any person, with any platform roles: development only."""
        return TokenResponse(
            access_token=provider.token(body.person_id, body.roles), expires_in=provider.lifetime
        )

    return router
