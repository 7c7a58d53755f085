"""Bearer tokens are verified by every service: signature, algorithm, issuer, audience, expiry."""

import asyncio
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter

from agora.servicekit import ServiceSettings, create_app
from agora.servicekit.identity import (
    CurrentIdentity,
    Identity,
    IdentityProviderUnavailableError,
    InvalidTokenError,
    JwtVerifier,
    VerifiedToken,
    VerifiedTokens,
)
from agora.testing.identity import TestIdentityProvider

from .probe_service import client_of, problem_of

pytestmark = pytest.mark.unit

ISSUER = "https://id.agora.test/realms/agora"
AUDIENCE = "agora"


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def public_pem(signing_key: rsa.RSAPrivateKey) -> str:
    return (
        signing_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "person-1",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "roles": ["analyst"],
    }
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def token(key: rsa.RSAPrivateKey, kid: str = "k1", **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), key, algorithm="RS256", headers={"kid": kid})


def whoami_app(verifier: JwtVerifier) -> Any:
    router = APIRouter()

    @router.get("/whoami")
    async def whoami(identity: CurrentIdentity) -> dict[str, Any]:
        return {"person": identity.person_id, "roles": sorted(identity.roles)}

    settings = ServiceSettings(service_name="probe", revocation_enabled=False)
    app = create_app(settings=settings, routers=[router])
    app.state.token_verifier = verifier
    return app


@pytest.fixture
def verifier(public_pem: str) -> JwtVerifier:
    return JwtVerifier(
        issuer=ISSUER, audience=AUDIENCE, algorithms=["RS256"], public_key_pem=public_pem
    )


async def test_a_valid_token_identifies_the_caller_and_their_roles(
    verifier: JwtVerifier, signing_key: rsa.RSAPrivateKey
) -> None:
    async with client_of(whoami_app(verifier)) as client:
        response = await client.get(
            "/whoami", headers={"Authorization": f"Bearer {token(signing_key)}"}
        )
    assert response.status_code == 200
    assert response.json() == {"person": "person-1", "roles": ["analyst"]}


async def test_a_valid_token_of_someone_whose_access_ended_is_a_401_problem(
    verifier: JwtVerifier, signing_key: rsa.RSAPrivateKey
) -> None:
    app = whoami_app(verifier)
    app.state.revoked_access = {"person-1"}  # what the card follower keeps (revocation.py)
    async with client_of(app) as client:
        refused = await client.get(
            "/whoami", headers={"Authorization": f"Bearer {token(signing_key)}"}
        )
        someone_else = await client.get(
            "/whoami", headers={"Authorization": f"Bearer {token(signing_key, sub='person-2')}"}
        )
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "no longer has access" in refused.json()["detail"]
    assert someone_else.status_code == 200


@pytest.mark.parametrize(
    ("case", "overrides"),
    [
        ("expired", {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}),
        ("not yet valid", {"nbf": int(time.time()) + 3600}),
        ("another issuer", {"iss": "https://evil.example"}),
        ("another audience", {"aud": "another-app"}),
        ("no expiry", {"exp": None}),
        ("no subject", {"sub": None}),
        ("no issued-at", {"iat": None}),
    ],
)
async def test_tokens_with_wrong_claims_are_refused(
    verifier: JwtVerifier,
    signing_key: rsa.RSAPrivateKey,
    case: str,
    overrides: dict[str, Any],
) -> None:
    async with client_of(whoami_app(verifier)) as client:
        response = await client.get(
            "/whoami", headers={"Authorization": f"Bearer {token(signing_key, **overrides)}"}
        )
    assert response.status_code == 401, case
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "refused" in problem_of(response)["detail"]


async def test_a_token_signed_by_another_key_is_refused(verifier: JwtVerifier) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    async with client_of(whoami_app(verifier)) as client:
        response = await client.get(
            "/whoami", headers={"Authorization": f"Bearer {token(stranger)}"}
        )
    assert response.status_code == 401


async def test_unsigned_and_key_confusion_tokens_are_refused(
    verifier: JwtVerifier, public_pem: str
) -> None:
    unsigned = jwt.encode(claims(), key="", algorithm="none")
    # An HS256 token "signed" with the public key: accepted by a verifier that lets the
    # token choose its algorithm. PyJWT itself refuses to sign with a PEM as an HMAC
    # secret, so the signature is computed by hand.
    header = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = jwt.utils.base64url_encode(json.dumps(claims()).encode())
    signing_input = header + b"." + payload
    signature = hmac.new(public_pem.encode(), signing_input, hashlib.sha256).digest()
    confused = (signing_input + b"." + jwt.utils.base64url_encode(signature)).decode()
    async with client_of(whoami_app(verifier)) as client:
        for bad in (unsigned, confused):
            response = await client.get("/whoami", headers={"Authorization": f"Bearer {bad}"})
            assert response.status_code == 401


@pytest.mark.parametrize("header", [None, "Basic dXNlcjpwYXNz", "Bearer", "Bearer not.a.jwt"])
async def test_a_missing_or_malformed_authorization_header_is_a_401_problem(
    verifier: JwtVerifier, header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}
    async with client_of(whoami_app(verifier)) as client:
        response = await client.get("/whoami", headers=headers)
    assert response.status_code == 401
    problem_of(response)


@pytest.fixture
def jwks_server(signing_key: rsa.RSAPrivateKey) -> Iterator[str]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(signing_key.public_key()))
    document = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks"
    server.shutdown()


async def test_keys_are_taken_from_the_identity_providers_jwks(
    jwks_server: str, signing_key: rsa.RSAPrivateKey
) -> None:
    settings = ServiceSettings(
        service_name="probe",
        auth_issuer=ISSUER,
        auth_jwks_url=jwks_server,
        auth_roles_claim="realm_access.roles",
    )
    verifier = JwtVerifier.from_settings(settings)
    good = token(signing_key, roles=None, realm_access={"roles": ["platform-admin"]})
    identity = verifier.verify(good)
    assert identity.person_id == "person-1"
    assert identity.has_role("platform-admin")
    async with client_of(whoami_app(verifier)) as client:
        unknown_kid = token(signing_key, kid="rotated-away")
        response = await client.get("/whoami", headers={"Authorization": f"Bearer {unknown_kid}"})
    assert response.status_code == 401


def test_only_asymmetric_algorithms_can_be_configured() -> None:
    with pytest.raises(ValueError, match="auth_algorithms"):
        ServiceSettings(service_name="probe", auth_algorithms=("HS256",))


def test_the_test_identity_provider_signs_tokens_services_accept() -> None:
    provider = TestIdentityProvider()
    settings = ServiceSettings(service_name="probe", **provider.auth_settings())
    identity = JwtVerifier.from_settings(settings).verify(
        provider.token("person-9", roles=("platform-admin",))
    )
    assert identity.person_id == "person-9"
    assert identity.roles == frozenset({"platform-admin"})


class CountingJwks:
    """A JWKS endpoint over real HTTP that counts its requests and can be switched off."""

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        self.serve(key)
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(owner.document.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/jwks"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def serve(self, key: rsa.RSAPrivateKey) -> None:
        """Publish ``key`` (alone) as ``k1`` from now on."""
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        self.document = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]})

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def counting_jwks(signing_key: rsa.RSAPrivateKey) -> Iterator[CountingJwks]:
    server = CountingJwks(signing_key)
    yield server
    server.stop()


async def test_async_verification_takes_keys_from_the_jwks_and_then_from_its_cache(
    counting_jwks: CountingJwks, signing_key: rsa.RSAPrivateKey
) -> None:
    verifier = JwtVerifier(
        issuer=ISSUER, audience=AUDIENCE, algorithms=["RS256"], jwks_url=counting_jwks.url
    )

    for _ in range(5):
        identity = await verifier.verify_async(token(signing_key))
        assert identity.person_id == "person-1"

    assert counting_jwks.requests == 1


async def test_unknown_key_ids_refresh_the_jwks_at_most_once_per_cooldown(
    counting_jwks: CountingJwks, signing_key: rsa.RSAPrivateKey
) -> None:
    verifier = JwtVerifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        algorithms=["RS256"],
        jwks_url=counting_jwks.url,
        jwks_refresh_cooldown_seconds=60,
    )
    await verifier.verify_async(token(signing_key))

    for index in range(20):
        with pytest.raises(InvalidTokenError, match="no signing key"):
            await verifier.verify_async(token(signing_key, kid=f"made-up-{index}"))

    assert counting_jwks.requests == 1


async def test_tokens_that_cannot_pass_never_make_the_verifier_fetch_keys(
    counting_jwks: CountingJwks, public_pem: str
) -> None:
    verifier = JwtVerifier(
        issuer=ISSUER, audience=AUDIENCE, algorithms=["RS256"], jwks_url=counting_jwks.url
    )
    unsigned = jwt.encode(claims(), key="", algorithm="none", headers={"kid": "k1"})
    hmac_token = jwt.encode(claims(), key="x" * 32, algorithm="HS256", headers={"kid": "k1"})

    for bad in (unsigned, hmac_token, "not.a.jwt"):
        with pytest.raises(InvalidTokenError):
            await verifier.verify_async(bad)

    assert counting_jwks.requests == 0


async def test_the_last_keys_keep_verifying_while_the_provider_is_unreachable(
    counting_jwks: CountingJwks, signing_key: rsa.RSAPrivateKey
) -> None:
    verifier = JwtVerifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        algorithms=["RS256"],
        jwks_url=counting_jwks.url,
        jwks_cache_seconds=0.05,
    )
    await verifier.verify_async(token(signing_key))
    counting_jwks.stop()
    await asyncio.sleep(0.1)  # the cached set is now stale, and the provider is gone

    identities = [await verifier.verify_async(token(signing_key)) for _ in range(3)]

    assert {identity.person_id for identity in identities} == {"person-1"}


async def test_a_provider_that_cannot_be_reached_makes_requests_a_503_not_a_401(
    signing_key: rsa.RSAPrivateKey,
) -> None:
    gone = CountingJwks(signing_key)
    gone.stop()
    verifier = JwtVerifier(
        issuer=ISSUER, audience=AUDIENCE, algorithms=["RS256"], jwks_url=gone.url
    )

    with pytest.raises(IdentityProviderUnavailableError):
        await verifier.verify_async(token(signing_key))
    async with client_of(whoami_app(verifier)) as client:
        response = await client.get(
            "/whoami", headers={"Authorization": f"Bearer {token(signing_key)}"}
        )
    assert response.status_code == 503
    problem_of(response)


async def test_a_verified_token_is_remembered_and_answered_without_a_new_check(
    public_pem: str, signing_key: rsa.RSAPrivateKey
) -> None:
    verifier = JwtVerifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        algorithms=["RS256"],
        public_key_pem=public_pem,
        verified_cache_size=10,
    )
    good = token(signing_key)

    first = await verifier.verify_async(good)
    again = await verifier.verify_async(good)

    assert again is first  # the remembered identity, not a second decoding
    assert await verifier.verify_async(token(signing_key, sub="person-2")) is not first


async def test_a_remembered_token_is_refused_once_the_jwks_no_longer_holds_its_key(
    counting_jwks: CountingJwks, signing_key: rsa.RSAPrivateKey
) -> None:
    verifier = JwtVerifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        algorithms=["RS256"],
        jwks_url=counting_jwks.url,
        jwks_cache_seconds=0.05,
        verified_cache_size=10,
    )
    good = token(signing_key)
    await verifier.verify_async(good)
    counting_jwks.serve(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    await asyncio.sleep(0.1)  # the cached key set is stale: the next check fetches the new one

    with pytest.raises(InvalidTokenError):
        await verifier.verify_async(good)
    assert counting_jwks.requests == 2


async def test_refused_tokens_are_never_remembered(
    public_pem: str, signing_key: rsa.RSAPrivateKey
) -> None:
    verifier = JwtVerifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        algorithms=["RS256"],
        public_key_pem=public_pem,
        verified_cache_size=10,
    )
    stranger = token(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    for _ in range(2):
        with pytest.raises(InvalidTokenError):
            await verifier.verify_async(stranger)


def remembered(person: str, valid_until: float) -> VerifiedToken:
    return VerifiedToken(Identity(person_id=person), "k1", "key", valid_until)


def test_remembered_tokens_expire_with_the_token_and_the_oldest_go_first() -> None:
    now = [1000.0]
    cache = VerifiedTokens(max_entries=2, clock=lambda: now[0])
    cache.put("a", remembered("person-a", valid_until=1010.0))
    cache.put("b", remembered("person-b", valid_until=2000.0))

    assert cache.get("a") is not None
    now[0] = 1010.0
    assert cache.get("a") is None  # exp + leeway reached: refused as jwt.decode would
    cache.put("c", remembered("person-c", valid_until=2000.0))
    cache.put("d", remembered("person-d", valid_until=2000.0))
    assert cache.get("b") is None  # least recently used, dropped for "d"
    assert len(cache) == 2
