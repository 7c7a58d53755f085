"""Every /api/v1 request needs a bearer token the identity provider's JWKS vouches for."""

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from agora.gateway.settings import GatewaySettings
from agora.localinfra import InfraEndpoints
from agora.testing.identity import TestIdentityProvider
from tests.gateway.harness import (
    DEV_IDP_KEY_ID,
    bearer,
    claims,
    echoed,
    gateway_settings,
    problem_of,
    running_gateway,
    signed,
)

pytestmark = pytest.mark.integration

PATH = "/api/v1/echo/echo/whoami"


async def test_a_token_from_the_development_provider_passes(gateway: httpx.AsyncClient) -> None:
    issued = await gateway.post(
        "/dev-idp/token", json={"person_id": "person-bob", "roles": ["analyst"]}
    )
    assert issued.status_code == 200
    body = issued.json()
    assert body["token_type"] == "Bearer"
    assert issued.headers["cache-control"] == "no-store"

    response = await gateway.get(PATH, headers=bearer(body["access_token"]))

    assert response.status_code == 200
    assert jwt.decode(body["access_token"], options={"verify_signature": False})["roles"] == [
        "analyst"
    ]


async def test_a_token_signed_outside_the_gateway_with_the_providers_key_passes(
    gateway: httpx.AsyncClient, identity: TestIdentityProvider
) -> None:
    # What `agora-infra token` does: same key, same key id, no HTTP round trip.
    response = await gateway.get(PATH, headers=bearer(signed(identity.key, identity, "p-1")))

    assert response.status_code == 200
    echoed(response)


def _hs256_with_public_key_as_secret(identity: TestIdentityProvider) -> str:
    # Accepted by a verifier that lets the token pick its algorithm and uses the RSA public
    # key as an HMAC secret. PyJWT refuses to sign like this, so it is done by hand.
    header = jwt.utils.base64url_encode(
        json.dumps({"alg": "HS256", "typ": "JWT", "kid": DEV_IDP_KEY_ID}).encode()
    )
    payload = jwt.utils.base64url_encode(json.dumps(claims(identity, "p-evil")).encode())
    signing_input = header + b"." + payload
    signature = hmac.new(identity.public_key_pem.encode(), signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + jwt.utils.base64url_encode(signature)).decode()


def _refused_tokens(identity: TestIdentityProvider) -> dict[str, str]:
    now = int(time.time())
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "expired": signed(identity.key, identity, "p-1", exp=now - 3600, iat=now - 7200),
        "not yet valid": signed(identity.key, identity, "p-1", nbf=now + 3600),
        "wrong issuer": signed(identity.key, identity, "p-1", iss="https://evil.example/realm"),
        "wrong audience": signed(identity.key, identity, "p-1", aud="another-application"),
        "no expiry": signed(identity.key, identity, "p-1", exp=None),
        "signed by another key under the provider's key id": signed(stranger, identity, "p-1"),
        "unknown key id": signed(stranger, identity, "p-1", kid="rotated-in-by-attacker"),
        "alg none": jwt.encode(claims(identity, "p-1"), key="", algorithm="none"),
        "HS256 with the public key as secret": _hs256_with_public_key_as_secret(identity),
        "garbage": "not.a.jwt",
    }


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "not yet valid",
        "wrong issuer",
        "wrong audience",
        "no expiry",
        "signed by another key under the provider's key id",
        "unknown key id",
        "alg none",
        "HS256 with the public key as secret",
        "garbage",
    ],
)
async def test_bad_tokens_are_refused_with_a_401_problem(
    gateway: httpx.AsyncClient, identity: TestIdentityProvider, case: str
) -> None:
    token = _refused_tokens(identity)[case]

    response = await gateway.get(PATH, headers=bearer(token))

    assert response.status_code == 401, case
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert "refused" in problem_of(response)["detail"]


@pytest.mark.parametrize("header", [None, "Basic dXNlcjpwYXNz", "Bearer", "Bearer  "])
async def test_a_missing_token_is_a_401_problem(
    gateway: httpx.AsyncClient, header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}

    response = await gateway.get(PATH, headers=headers)

    assert response.status_code == 401
    assert problem_of(response)["detail"] == "A bearer token is required."


async def test_the_development_provider_describes_itself_like_an_openid_provider(
    idp_url: str, identity: TestIdentityProvider
) -> None:
    async with httpx.AsyncClient(base_url=idp_url) as client:
        discovery = (await client.get("/dev-idp/.well-known/openid-configuration")).json()
        jwks = (await client.get(discovery["jwks_uri"])).json()

    assert discovery["issuer"] == identity.issuer
    assert discovery["jwks_uri"] == f"{idp_url}/dev-idp/jwks.json"
    (key,) = jwks["keys"]
    assert key["kid"] == DEV_IDP_KEY_ID
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert "d" not in key  # the public half only


@pytest.fixture(scope="module")
async def production_gateway(
    infra_endpoints: InfraEndpoints,
    identity: TestIdentityProvider,
    key_file: Path,
    jwks_url: str,
    services: dict[str, str],
) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway without the development provider, whose echo service needs a role."""
    settings = gateway_settings(
        infra=infra_endpoints,
        identity=identity,
        key_file=key_file,
        jwks_url=jwks_url,
        services=services,
        dev_idp_enabled=False,
        activity_enabled=False,
        service_roles={"echo": ("analyst", "platform-admin")},
    )
    async with running_gateway(settings) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/dev-idp/token"),
        ("GET", "/dev-idp/jwks.json"),
        ("GET", "/dev-idp/.well-known/openid-configuration"),
    ],
)
async def test_without_explicit_enabling_the_development_provider_does_not_exist(
    production_gateway: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await production_gateway.request(
        method, path, json={"person_id": "person-mallory", "roles": ["platform-admin"]}
    )

    assert response.status_code == 404
    assert "access_token" not in response.text


def test_the_development_provider_cannot_be_enabled_in_production(key_file: Path) -> None:
    with pytest.raises(ValueError, match="cannot run in prod"):
        GatewaySettings(
            environment="prod",
            auth_issuer="https://id.example",
            dev_idp_enabled=True,
            dev_idp_signing_key_file=key_file,
        )


async def test_a_service_reserved_to_roles_refuses_other_employees_with_a_403(
    production_gateway: httpx.AsyncClient, identity: TestIdentityProvider
) -> None:
    employee = await production_gateway.get(
        PATH, headers=bearer(signed(identity.key, identity, "p-emp"))
    )
    analyst = await production_gateway.get(
        PATH, headers=bearer(signed(identity.key, identity, "p-ana", roles=["analyst"]))
    )

    assert employee.status_code == 403
    assert "analyst" in problem_of(employee)["detail"]
    assert analyst.status_code == 200
