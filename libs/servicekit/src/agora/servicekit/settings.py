"""Configuration every Agora service reads from `AGORA_*` environment variables."""

from typing import Literal

from pydantic import AnyHttpUrl, Field, FilePath, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from agora.eventsourcing.topics import CARDS_TOPIC
from agora.servicekit.compression import SEGMENT_BYTES

Environment = Literal["dev", "test", "prod"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
ProcessRole = Literal["all", "api", "worker"]
"""What one process of a service runs (see ``agora.servicekit.workers.ProcessWorkers``)."""
AsymmetricAlgorithm = Literal[
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"
]

ONE_MIB = 1024 * 1024


class ServiceSettings(BaseSettings):
    """Settings shared by every service; a service subclasses it to add its own fields."""

    model_config = SettingsConfigDict(env_prefix="AGORA_", extra="forbid", frozen=True)

    service_name: str = Field(
        pattern=r"^[a-z][a-z0-9-]{0,62}$",
        description="Name in logs, traces and the OpenAPI title, e.g. `profiles`.",
    )
    environment: Environment = "dev"
    process_role: ProcessRole = Field(
        default="all",
        description="`all`: the HTTP API and every background worker (the local stack); "
        "`api`: the HTTP API and the outbox relay only; `worker`: projection runners and "
        "periodic jobs, with only health and metrics over HTTP. One image runs as either, so "
        "APIs and projections scale independently.",
    )
    host: str = Field(default="127.0.0.1", min_length=1, description="Interface to listen on.")
    port: int = Field(default=8000, ge=1, le=65535)
    proxy_headers: bool = Field(
        default=False,
        description="Trust X-Forwarded-* headers from `forwarded_allow_ips` (off: clients lie).",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        min_length=1,
        description="Comma-separated proxy addresses whose forwarded headers are trusted.",
    )
    kafka_bootstrap_servers: str = Field(default="127.0.0.1:9092", min_length=1)
    revocation_enabled: bool = Field(
        default=True,
        description="An API process refuses the tokens of people whose person card says they "
        "left or were erased, read from the profiles service's cards topic (needs Kafka).",
    )
    profile_cards_topic: str = Field(
        default=CARDS_TOPIC,
        pattern=r"^[A-Za-z0-9._-]{1,200}$",
        description="The profiles service's compacted topic of person cards.",
    )
    verified_token_cache_size: int = Field(
        default=10_000,
        ge=0,
        le=1_000_000,
        description="Tokens remembered once verified, so a person's next requests skip the "
        "signature check while the token is unexpired and its key is still the provider's "
        "current one; 0 verifies every request from scratch.",
    )
    mongo_url: SecretStr = Field(
        default=SecretStr("mongodb://127.0.0.1:27017"),
        description="May carry credentials, hence secret: it never appears in reprs or logs.",
    )
    mongo_database: str = Field(
        default="agora",
        pattern=r"^[A-Za-z0-9_-]{1,63}$",
        description="Services override this default with their own database name.",
    )
    elasticsearch_url: AnyHttpUrl | None = None
    log_level: LogLevel = "INFO"
    max_request_body_bytes: int = Field(default=ONE_MIB, gt=0)
    response_compression_level: int = Field(
        default=1,
        ge=0,
        le=9,
        description="zlib level of gzip-compressed answers (agora.servicekit.compression); "
        "0 sends every answer uncompressed.",
    )
    response_compression_min_bytes: int = Field(
        default=SEGMENT_BYTES,
        ge=0,
        description="Answers smaller than this are sent uncompressed.",
    )
    otlp_traces_endpoint: AnyHttpUrl | None = Field(
        default=None,
        description="Full OTLP/HTTP traces URL (e.g. http://collector:4318/v1/traces); "
        "spans are not exported when unset.",
    )
    readiness_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    auth_issuer: str | None = Field(
        default=None, description="Expected `iss` of bearer tokens (the identity provider)."
    )
    auth_audience: str = Field(default="agora", min_length=1, description="Expected `aud`.")
    auth_algorithms: tuple[AsymmetricAlgorithm, ...] = Field(
        default=("RS256",),
        min_length=1,
        description="Accepted signature algorithms. Only asymmetric ones can be configured, so "
        "a public key can never be used as an HMAC secret (key confusion) and `none` never "
        "passes.",
    )
    auth_jwks_url: AnyHttpUrl | None = Field(
        default=None, description="The identity provider's JWKS document (cached, refreshed)."
    )
    auth_public_key_pem: str | None = Field(
        default=None, description="A single PEM public key instead of a JWKS URL."
    )
    auth_public_key_file: FilePath | None = Field(
        default=None, description="A file holding that PEM public key (the local stack's)."
    )
    auth_roles_claim: str = Field(
        default="roles",
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Dotted path of the claim listing platform roles (`realm_access.roles` "
        "for Keycloak).",
    )
    auth_leeway_seconds: int = Field(default=30, ge=0, le=300)
    auth_jwks_cache_seconds: float = Field(
        default=300, gt=0, le=86400, description="How long a fetched JWKS is used as is."
    )
    auth_jwks_refresh_cooldown_seconds: float = Field(
        default=30,
        ge=0,
        le=3600,
        description="Least time between two refreshes forced by tokens naming an unknown key "
        "(`kid`): a flood of made-up key ids cannot turn into a flood of JWKS requests.",
    )

    @field_validator("mongo_url")
    @classmethod
    def _mongo_url_has_a_mongodb_scheme(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith(("mongodb://", "mongodb+srv://")):
            raise ValueError("mongo_url must start with mongodb:// or mongodb+srv://")
        return value
