"""A throw-away identity provider for tests: an RSA key pair that signs bearer tokens."""

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

TEST_ISSUER = "https://identity.agora.test/realms/agora"
TEST_AUDIENCE = "agora"


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class TestIdentityProvider:
    """Signs tokens that services configured with ``auth_settings()`` accept."""

    __test__ = False  # not a test class, whatever pytest thinks of its name

    issuer: str = TEST_ISSUER
    audience: str = TEST_AUDIENCE
    key: rsa.RSAPrivateKey = field(default_factory=_new_key)

    @property
    def public_key_pem(self) -> str:
        """The public half, as a service's ``AGORA_AUTH_PUBLIC_KEY_PEM``."""
        return (
            self.key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def auth_settings(self) -> dict[str, Any]:
        """Keyword arguments for ``ServiceSettings`` (or a subclass) to trust this provider."""
        return {
            "auth_issuer": self.issuer,
            "auth_audience": self.audience,
            "auth_public_key_pem": self.public_key_pem,
        }

    def token(self, person_id: str, *, roles: tuple[str, ...] = (), **claims: Any) -> str:
        """A valid five-minute token for ``person_id`` with platform ``roles``."""
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": person_id,
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
            "roles": list(roles),
            **claims,
        }
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": "test"})

    def headers(self, person_id: str, *, roles: tuple[str, ...] = ()) -> dict[str, str]:
        """``Authorization`` headers for a request made by ``person_id``."""
        return {"Authorization": f"Bearer {self.token(person_id, roles=roles)}"}
