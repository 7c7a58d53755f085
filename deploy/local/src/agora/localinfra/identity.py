"""The local stack's development identity: a signing key whose tokens the local services trust.

Production services verify tokens from the organisation's identity provider (JWKS). Locally
the stack keeps an RSA key pair in its run directory, hands the public half to every service
(``AGORA_AUTH_PUBLIC_KEY_FILE``) and signs tokens for people on request (``agora-infra token``).
The gateway's development identity provider (``/dev-idp`` on port 8100, dev profile only) signs
with the same key and publishes it as a JWKS, which the gateway verifies through like any
provider's; both kinds of token carry the same issuer and key id, so each is accepted everywhere.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEV_ISSUER = "http://127.0.0.1:8100/dev-idp"
"""The gateway's development identity provider (discovery at ``<issuer>/.well-known/...``)."""
DEV_AUDIENCE = "agora"
TOKEN_LIFETIME_SECONDS = 8 * 3600


def _private_key_file(identity_dir: Path) -> Path:
    return identity_dir / "signing-key.pem"


def public_key_file(identity_dir: Path) -> Path:
    """Where the stack keeps the public key services verify tokens with."""
    return identity_dir / "signing-key.pub.pem"


def ensure_signing_key(identity_dir: Path) -> Path:
    """Create the key pair once (private key readable by its owner only); return the public key."""
    private_file, public_file = _private_key_file(identity_dir), public_key_file(identity_dir)
    if private_file.is_file() and public_file.is_file():
        return public_file
    identity_dir.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_file.touch(mode=0o600)
    private_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public_file.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return public_file


def service_auth_environment(identity_dir: Path) -> dict[str, str]:
    """The ``AGORA_AUTH_*`` settings that make a service trust the stack's tokens."""
    return {
        "AGORA_AUTH_ISSUER": DEV_ISSUER,
        "AGORA_AUTH_AUDIENCE": DEV_AUDIENCE,
        "AGORA_AUTH_PUBLIC_KEY_FILE": str(ensure_signing_key(identity_dir)),
    }


def sign_token(identity_dir: Path, person_id: str, roles: Sequence[str] = ()) -> str:
    """A token for ``person_id`` signed with the stack's key."""
    ensure_signing_key(identity_dir)
    key = serialization.load_pem_private_key(
        _private_key_file(identity_dir).read_bytes(), password=None
    )
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("the development signing key is not an RSA key")
    now = int(time.time())
    claims = {
        "iss": DEV_ISSUER,
        "aud": DEV_AUDIENCE,
        "sub": person_id,
        "iat": now,
        "nbf": now,
        "exp": now + TOKEN_LIFETIME_SECONDS,
        "jti": str(uuid.uuid4()),
        "roles": list(roles),
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "agora-dev"})
