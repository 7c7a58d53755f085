"""Only tokens the identity provider issued for this API, still valid, get through."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.e2e.client import Agora
from tests.e2e.stack import AUDIENCE, KEY_ID, Stack

pytestmark = pytest.mark.integration

INVALID_TOKEN = "https://agora.example/problems/gateway/invalid-token"
PERSON = "person-token-tests"


def claims(stack: Stack, **overrides: Any) -> dict[str, Any]:
    """Claims the provider would issue; an override of None removes the claim."""
    now = int(time.time())
    values: dict[str, Any] = {
        "iss": stack.issuer,
        "aud": AUDIENCE,
        "sub": PERSON,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": str(uuid.uuid4()),
        "roles": [],
        **overrides,
    }
    return {key: value for key, value in values.items() if value is not None}


def signed(stack: Stack, key: rsa.RSAPrivateKey | None = None, **overrides: Any) -> str:
    return jwt.encode(
        claims(stack, **overrides),
        key or stack.signing_key,
        algorithm="RS256",
        headers={"kid": KEY_ID},
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(stack: Stack) -> str:
    """``alg: none``: a token anyone can write."""
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": KEY_ID}).encode())
    return f"{header}.{_b64(json.dumps(claims(stack)).encode())}."


def public_key_as_hmac_secret(stack: Stack) -> str:
    """HS256 keyed with the provider's public key, which anyone can fetch from the JWKS."""
    public_pem = stack.signing_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": KEY_ID}).encode())
    payload = _b64(json.dumps(claims(stack)).encode())
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def another_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


REFUSED: dict[str, Callable[[Stack], str]] = {
    "garbage": lambda stack: "this-is-not-a-token",
    "three garbage parts": lambda stack: "eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl",
    "expired": lambda stack: signed(
        stack, iat=int(time.time()) - 7200, nbf=int(time.time()) - 7200, exp=int(time.time()) - 3600
    ),
    "not yet valid": lambda stack: signed(stack, nbf=int(time.time()) + 3600),
    "signed by another key": lambda stack: signed(stack, another_key()),
    "alg none": unsigned,
    "public key as HMAC secret": public_key_as_hmac_secret,
    "another audience": lambda stack: signed(stack, aud="another-api"),
    "another issuer": lambda stack: signed(stack, iss="https://evil.example/realms/agora"),
    "without expiry": lambda stack: signed(stack, exp=None),
    "without subject": lambda stack: signed(stack, sub=None),
    "tampered": lambda stack: signed(stack)[:-4] + "AAAA",
}


@pytest.mark.parametrize("kind", sorted(REFUSED))
async def test_a_bad_token_is_refused_with_a_401_problem(
    agora: Agora, stack: Stack, kind: str
) -> None:
    token = REFUSED[kind](stack)

    response = await agora.http.get(
        "/api/v1/feed/me/timeline", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["type"] == INVALID_TOKEN
    assert body["status"] == 401
    assert body["detail"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer"}],
    ids=["no header", "basic", "empty bearer"],
)
async def test_a_request_without_a_bearer_token_is_refused(
    agora: Agora, headers: dict[str, str]
) -> None:
    response = await agora.http.get("/api/v1/communities/communities", headers=headers)

    assert response.status_code == 401, response.text
    assert response.json()["type"] == INVALID_TOKEN


async def test_a_token_of_the_provider_gets_through_to_every_service(
    agora: Agora, stack: Stack
) -> None:
    """The control: the same claims, correctly signed, reach each service, which verifies
    them again (through the gateway's JWKS)."""
    headers = {"Authorization": f"Bearer {signed(stack)}"}
    paths = [
        "/profiles/people/me",
        "/communities/me/communities",
        "/feed/me/timeline",
        "/search/communities",
        "/metrics/me/contributions",
    ]

    answers = {path: await agora.http.get(f"/api/v1{path}", headers=headers) for path in paths}

    # No profile was provisioned for this subject: profiles answers 404 for "me", as it should.
    assert {path: r.status_code for path, r in answers.items()} == {
        path: 404 if path == "/profiles/people/me" else 200 for path in paths
    }
