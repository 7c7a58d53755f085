"""Who is calling: OpenID Connect bearer tokens (JWT) verified in every service.

The gateway passes the caller's token through unchanged and every service verifies it again
(defence in depth): no service trusts a bare user-id header. Verification follows the
pitfalls of PyJWT: the algorithms come from configuration (asymmetric only), and ``exp``,
``iat``, ``iss``, ``aud`` and ``sub`` are required.

Keys come either from one configured public key (the local stack's services) or from the
identity provider's JWKS document (Keycloak, Entra ID, the gateway's development provider),
fetched and cached by PyJWT's ``PyJWKClient``: a token naming an unknown ``kid`` refreshes the
set at most once per cooldown, and while the provider cannot be reached the last set fetched
keeps serving for a while.
"""

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol

import jwt
from fastapi import Depends, HTTPException, Request, status

from agora.servicekit.settings import ServiceSettings

REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
ENDED_ACCESS = "this account no longer has access: the person left or was erased"
"""Why a valid token of someone whose person card says they left or were erased is refused
(``agora.servicekit.revocation``)."""
STALE_JWKS_SECONDS = 3600
"""How long the last fetched key set still verifies tokens while the provider is unreachable."""

_logger = logging.getLogger(__name__)


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


class IdentityProviderUnavailableError(Exception):
    """The identity provider's keys cannot be fetched, so no token can be checked (HTTP 503)."""


class JwksKeys:
    """The signing keys of a JWKS document, fetched and cached by PyJWT's ``PyJWKClient``."""

    def __init__(
        self,
        url: str,
        *,
        cache_seconds: float = 300,
        refresh_cooldown_seconds: float = 30,
        timeout_seconds: float = 5,
    ) -> None:
        # cache_keys stays off: its LRU cache never expires, so a key the provider withdrew
        # would be trusted for good. The key *set* is cached for `cache_seconds` instead.
        self._client = jwt.PyJWKClient(
            url,
            cache_keys=False,
            cache_jwk_set=True,
            lifespan=cache_seconds,
            timeout=timeout_seconds,
            cooldown_duration=refresh_cooldown_seconds,
            headers={"User-Agent": "agora-servicekit", "Accept": "application/json"},
        )
        self._cache_seconds = cache_seconds
        self._retry_pause = max(refresh_cooldown_seconds, 1.0)
        self._retry_after = 0.0
        """After a failed fetch, the stale set serves without new attempts until then: a
        provider that hangs must not make every request wait for the fetch timeout."""

    def cached_key(self, kid: str) -> jwt.PyJWK | None:
        """The key named ``kid`` if the cached set is fresh and holds it; never does I/O."""
        cache = self._client.jwk_set_cache
        key_set = cache.get() if cache is not None else None
        if key_set is None:
            return self._stale_key(kid) if time.monotonic() < self._retry_after else None
        return _key_with_id(key_set, kid)

    def signing_key(self, kid: str) -> jwt.PyJWK:
        """The key named ``kid``, fetching the set when stale or when ``kid`` is unknown.

        Blocks while it fetches: async code calls it through ``asyncio.to_thread``.
        """
        if time.monotonic() < self._retry_after:
            stale = self._stale_key(kid)
            if stale is None:
                raise IdentityProviderUnavailableError(
                    "the identity provider's keys cannot be fetched"
                )
            return stale
        try:
            return self._client.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as error:
            self._retry_after = time.monotonic() + self._retry_pause
            stale = self._stale_key(kid)
            if stale is not None:
                _logger.warning("JWKS unreachable; verifying with the last fetched keys")
                return stale
            raise IdentityProviderUnavailableError(
                "the identity provider's keys cannot be fetched"
            ) from error
        except jwt.PyJWKSetError as error:
            raise IdentityProviderUnavailableError(
                "the identity provider's key set holds no usable key"
            ) from error
        except jwt.PyJWKClientError as error:
            raise InvalidTokenError(f"no signing key named {kid!r}") from error

    def _stale_key(self, kid: str) -> jwt.PyJWK | None:
        cache = self._client.jwk_set_cache
        entry = cache.jwk_set_with_timestamp if cache is not None else None
        if entry is None:
            return None
        age = time.monotonic() - entry.get_timestamp()
        if age > self._cache_seconds + STALE_JWKS_SECONDS:
            return None
        return _key_with_id(entry.get_jwk_set(), kid)


def _key_with_id(key_set: jwt.PyJWKSet, kid: str) -> jwt.PyJWK | None:
    for key in key_set.keys:
        if key.key_id == kid and key.public_key_use in ("sig", None):
            return key
    return None


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    """A token that passed every check, and what it may be reused with."""

    identity: Identity
    kid: str
    key: Any
    """The key object that verified the token (a PEM string, or a key of the cached JWKS)."""
    valid_until: float
    """``exp`` plus the leeway, in epoch seconds: ``jwt.decode`` refuses the token from then."""


class VerifiedTokens:
    """Tokens already verified by this process, so a caller's next requests skip the check.

    An entry is used only while the token has not expired (``exp`` plus leeway, the rule
    ``jwt.decode`` applies) and while the key that verified it is the very key the verifier
    would use now: once the JWKS is fetched again every token is verified afresh, so a
    withdrawn key is never trusted longer than without the cache. Only successes are kept;
    the least recently used entry goes first. For one event loop (no locking).
    """

    def __init__(self, *, max_entries: int, clock: Callable[[], float] = time.time) -> None:
        if max_entries < 1:
            raise ValueError("a verified-token cache holds at least one entry")
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, VerifiedToken] = OrderedDict()

    def get(self, token: str) -> VerifiedToken | None:
        """The unexpired entry of exactly this token, if there is one."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        if self._clock() >= entry.valid_until:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return entry

    def put(self, token: str, entry: VerifiedToken) -> None:
        """Remember a token that passed every check."""
        self._entries[token] = entry
        self._entries.move_to_end(token)
        if len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class TokenVerifier(Protocol):
    """Turns a bearer token into an ``Identity`` or raises ``InvalidTokenError``."""

    async def verify_async(self, token: str) -> Identity:
        """Verify signature and claims without blocking the event loop."""
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
        jwks_cache_seconds: float = 300,
        jwks_refresh_cooldown_seconds: float = 30,
        verified_cache_size: int = 0,
    ) -> None:
        if (jwks_url is None) == (public_key_pem is None):
            raise ValueError("configure exactly one of a JWKS URL and a public key")
        # Only `verify_async` uses it (one event loop); 0 turns it off.
        self._verified = (
            VerifiedTokens(max_entries=verified_cache_size) if verified_cache_size > 0 else None
        )
        self._issuer = issuer
        self._audience = audience
        self._algorithms = algorithms
        self._roles_path = roles_claim.split(".")
        self._leeway = leeway_seconds
        self._jwks = (
            JwksKeys(
                jwks_url,
                cache_seconds=jwks_cache_seconds,
                refresh_cooldown_seconds=jwks_refresh_cooldown_seconds,
            )
            if jwks_url
            else None
        )
        self._public_key = public_key_pem

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> "JwtVerifier":
        """A verifier configured by the ``AGORA_AUTH_*`` settings and
        ``AGORA_VERIFIED_TOKEN_CACHE_SIZE`` (how many verified tokens ``verify_async``
        remembers; 0, none)."""
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
            jwks_cache_seconds=settings.auth_jwks_cache_seconds,
            jwks_refresh_cooldown_seconds=settings.auth_jwks_refresh_cooldown_seconds,
            verified_cache_size=settings.verified_token_cache_size,
        )

    def verify(self, token: str) -> Identity:
        """Verify a compact JWT; any failure is an ``InvalidTokenError``.

        With a JWKS URL this may fetch the key set and block meanwhile: async code (such as
        ``require_identity``) uses ``verify_async``.
        """
        kid = self._checked_key_id(token)
        key: Any = self._public_key if self._jwks is None else self._jwks.signing_key(kid)
        return self._decode(token, key)

    async def verify_async(self, token: str) -> Identity:
        """``verify`` for the event loop: a key set fetch, when needed, runs in a thread.

        With a verified-token cache, a token seen before skips the signature check while it
        is unexpired and its key is still the current one (see ``VerifiedTokens``).
        """
        if self._verified is not None:
            known = self._verified.get(token)
            if known is not None and self._current_key(known.kid) is known.key:
                return known.identity
        kid = self._checked_key_id(token)
        key: Any = self._public_key
        if self._jwks is not None:
            key = self._jwks.cached_key(kid)
            if key is None:
                key = await asyncio.to_thread(self._jwks.signing_key, kid)
        identity = self._decode(token, key)
        if self._verified is not None:
            expiry = float(identity.claims["exp"]) + self._leeway
            self._verified.put(token, VerifiedToken(identity, kid, key, expiry))
        return identity

    def _current_key(self, kid: str) -> Any:
        """The key a token naming ``kid`` would be verified with now, without any I/O."""
        return self._public_key if self._jwks is None else self._jwks.cached_key(kid)

    def _checked_key_id(self, token: str) -> str:
        # Refused before any key lookup, so `alg: none`, HMAC or garbage tokens never make
        # the verifier fetch the provider's keys.
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidTokenError(str(error)) from error
        algorithm = header.get("alg")
        if algorithm not in self._algorithms:
            raise InvalidTokenError(f"the signature algorithm {algorithm!r} is not accepted")
        kid = header.get("kid")
        if self._jwks is not None and (not isinstance(kid, str) or not kid):
            raise InvalidTokenError("the token names no signing key (kid)")
        return kid if isinstance(kid, str) else ""

    def _decode(self, token: str, key: Any) -> Identity:
        try:
            # A PyJWK key binds the algorithm: a token naming another one is refused even
            # if that one is in the allow-list (no RSA/EC key confusion).
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=self._algorithms,
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": REQUIRED_CLAIMS, "enforce_minimum_key_length": True},
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


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header value, or None."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def require_identity(request: Request) -> Identity:
    """FastAPI dependency: the verified caller, or a 401 problem (on the event loop: a key set
    fetch, when one is needed, runs in a thread)."""
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise RuntimeError("this service has no token verifier: set app.state.token_verifier")
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise _unauthorized("a bearer token is required")
    try:
        identity = await verifier.verify_async(token)
    except InvalidTokenError as error:
        raise _unauthorized(f"the bearer token was refused: {error}") from None
    except IdentityProviderUnavailableError as error:
        raise HTTPException(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(error)
        ) from None
    revoked: Container[str] = getattr(request.app.state, "revoked_access", frozenset())
    if identity.person_id in revoked:
        raise _unauthorized(ENDED_ACCESS)
    return identity


CurrentIdentity = Annotated[Identity, Depends(require_identity)]
"""Route parameter type for the verified caller."""
