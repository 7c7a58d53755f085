"""The gateway's settings (``AGORA_*`` environment variables; mappings and lists as JSON)."""

import re
from typing import Self

from pydantic import AnyHttpUrl, Field, FilePath, field_validator, model_validator

from agora.eventsourcing.topics import event_topic_name
from agora.servicekit import ServiceSettings

SERVICE_NAME = re.compile(r"[a-z][a-z0-9-]{0,62}")
ROLE_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
RESERVED_SERVICE_NAMES = frozenset({"stream"})
"""Paths under `/api/v1` the gateway answers itself (live updates)."""

DEFAULT_SERVICES: dict[str, str] = {
    "profiles": "http://127.0.0.1:8101",
    "communities": "http://127.0.0.1:8102",
    "feed": "http://127.0.0.1:8103",
    "search": "http://127.0.0.1:8104",
    "metrics": "http://127.0.0.1:8105",
}


class GatewaySettings(ServiceSettings):
    """Service settings plus routing, timeouts, protection and the development provider."""

    service_name: str = Field(default="gateway", pattern=r"^[a-z][a-z0-9-]{0,62}$")
    port: int = Field(default=8100, ge=1, le=65535)
    mongo_database: str = Field(default="agora_gateway", pattern=r"^[A-Za-z0-9_-]{1,63}$")

    services: dict[str, AnyHttpUrl] = Field(
        default_factory=lambda: {name: AnyHttpUrl(url) for name, url in DEFAULT_SERVICES.items()},
        description="Base URL of each service: `/api/v1/<name>/<path>` goes to `<url>/<path>` "
        '(`AGORA_SERVICES=\'{"profiles": "http://profiles:8000"}\'`).',
    )
    connect_timeout_seconds: float = Field(
        default=2.0, gt=0, le=60, description="Connecting to a service; then a 503."
    )
    read_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=600,
        description="A service's silence while it is sent a request or read an answer; a 504.",
    )
    pool_timeout_seconds: float = Field(
        default=2.0, gt=0, le=60, description="Waiting for a pooled connection; then a 503."
    )
    max_upstream_connections: int = Field(default=200, ge=1, le=10_000)
    keepalive_seconds: float = Field(
        default=4.0,
        gt=0,
        le=600,
        description="How long an idle pooled connection is kept: below the services' own idle "
        "timeout (uvicorn's 5 s), so the gateway never sends a request on a connection the "
        "service is closing.",
    )

    service_roles: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="Platform roles of which a caller needs one to reach a service, e.g. "
        '`{"metrics": ["analyst", "platform-admin"]}`; services not listed take any employee.',
    )

    rate_limit_person_per_second: float = Field(default=20.0, gt=0)
    rate_limit_person_burst: int = Field(default=60, ge=1)
    rate_limit_ip_per_second: float = Field(
        default=200.0,
        gt=0,
        description="Generous: a whole office may share one address behind its NAT.",
    )
    rate_limit_ip_burst: int = Field(default=400, ge=1)
    rate_limit_tracked_keys: int = Field(
        default=100_000, ge=100, description="Buckets kept per limit (least recent dropped)."
    )

    cors_origins: tuple[str, ...] = Field(
        default=(),
        description="Front-end origins allowed to call the API from a browser "
        "(`AGORA_CORS_ORIGINS='[\"https://agora.example.com\"]'`).",
    )
    cors_max_age_seconds: int = Field(default=600, ge=0, le=86400)
    hsts_max_age_seconds: int = Field(default=31_536_000, ge=0)

    openapi_cache_seconds: float = Field(
        default=30.0, ge=0, le=3600, description="How long the aggregated OpenAPI is reused."
    )

    activity_enabled: bool = Field(
        default=True,
        description="Record one `person_active` event per person per day (needs MongoDB and "
        "Kafka); off, the gateway only routes.",
    )
    events_topic: str = Field(
        default=event_topic_name("gateway"), pattern=r"^[A-Za-z0-9._-]{1,200}$"
    )

    live_enabled: bool = Field(
        default=True,
        description="Serve live updates at `GET /api/v1/stream` (needs Kafka and the feed "
        "service named by `live_feed_service`; without that service they are off).",
    )
    live_feed_service: str = Field(
        default="feed", description="The service live updates check visibility with."
    )
    live_feed_topic: str = Field(
        default=event_topic_name("feed"), pattern=r"^[A-Za-z0-9._-]{1,200}$"
    )
    live_max_streams_per_person: int = Field(default=5, ge=1, le=100)
    live_max_streams: int = Field(
        default=10_000, ge=1, description="Open streams in this process; then a 503."
    )
    live_heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    live_replay_signals: int = Field(
        default=100, ge=0, le=10_000, description="Signals kept per person for reconnects."
    )
    live_replay_seconds: float = Field(
        default=600.0, ge=0, le=86_400, description="How long a kept signal can be replayed."
    )
    live_reconnect_grace_seconds: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        description="After a person's last stream closed, signals are still prepared (with "
        "the last token) for this long, so a reconnect with `Last-Event-ID` misses nothing.",
    )
    live_check_delays_seconds: tuple[float, ...] = Field(
        default=(0.3, 0.7, 1.5, 2.5),
        min_length=1,
        max_length=10,
        description="Waits before each check with the feed (its projection applies an event "
        "shortly after the gateway sees it); a post not found after the last one gets no "
        "signal.",
    )
    live_check_min_interval_seconds: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description="Between two checks of one kind for one person: while events keep coming, "
        "a connected person costs the feed at most one request per kind per interval.",
    )
    live_check_concurrency: int = Field(
        default=32, ge=1, le=1000, description="Checks in flight to the feed at once."
    )
    live_check_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    shutdown_grace_seconds: int = Field(
        default=10,
        ge=1,
        le=600,
        description="On SIGTERM, open answers (live streams) get this long before they are "
        "cut; clients then reconnect elsewhere.",
    )

    dev_idp_enabled: bool = Field(
        default=False,
        description="Serve the development identity provider under /dev-idp (never in prod).",
    )
    dev_idp_signing_key_file: FilePath | None = Field(
        default=None, description="The PEM private key the development provider signs with."
    )
    dev_idp_key_id: str = Field(default="agora-dev", pattern=r"^[A-Za-z0-9._-]{1,64}$")
    dev_idp_token_lifetime_seconds: int = Field(default=8 * 3600, ge=60, le=7 * 24 * 3600)

    @field_validator("services")
    @classmethod
    def _service_names_are_path_segments(
        cls, value: dict[str, AnyHttpUrl]
    ) -> dict[str, AnyHttpUrl]:
        for name in value:
            if not SERVICE_NAME.fullmatch(name):
                raise ValueError(f"service name {name!r} must match {SERVICE_NAME.pattern}")
            if name in RESERVED_SERVICE_NAMES:
                raise ValueError(f"{name!r} is the gateway's own path, not a service name")
        return value

    @field_validator("live_check_delays_seconds")
    @classmethod
    def _delays_are_positive(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not all(0 < delay <= 60 for delay in value):
            raise ValueError("each check delay must be over 0 and at most 60 seconds")
        return value

    @field_validator("service_roles")
    @classmethod
    def _roles_are_names(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for service, roles in value.items():
            if not roles or not all(ROLE_NAME.fullmatch(role) for role in roles):
                raise ValueError(f"service_roles[{service!r}] must list role names")
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins_are_exact(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for origin in value:
            # A wildcard would let any site read answers meant for the signed-in person.
            if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?", origin):
                raise ValueError(f"CORS origin {origin!r} must be scheme://host[:port]")
        return value

    @model_validator(mode="after")
    def _dev_idp_is_explicit_and_never_in_production(self) -> Self:
        if self.dev_idp_enabled:
            if self.environment == "prod":
                raise ValueError("the development identity provider cannot run in prod")
            if self.dev_idp_signing_key_file is None:
                raise ValueError("dev_idp_enabled needs dev_idp_signing_key_file")
        unknown = sorted(set(self.service_roles) - set(self.services))
        if unknown:
            raise ValueError(f"service_roles names unknown services: {unknown}")
        return self
