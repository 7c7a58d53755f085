"""The metrics service's settings (``AGORA_*`` environment variables)."""

from pydantic import Field, model_validator

from agora.eventsourcing.topics import event_topic_name
from agora.metrics.rules import EngagementRules
from agora.servicekit import ServiceSettings

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
TOPIC_PATTERN = r"^[A-Za-z0-9._-]{1,200}$"


class MetricsSettings(ServiceSettings):
    """Service settings plus the consumed topics, the trust rules and the engagement rules."""

    service_name: str = Field(default="metrics", pattern=r"^[a-z][a-z0-9-]{0,62}$")
    port: int = Field(default=8105, ge=1, le=65535)
    mongo_database: str = Field(default="agora_metrics", pattern=r"^[A-Za-z0-9_-]{1,63}$")
    profiles_topic: str = Field(
        default=event_topic_name("profiles"),
        pattern=TOPIC_PATTERN,
        description="The profiles service's events (registration, departures, erasure, skills).",
    )
    communities_topic: str = Field(
        default=event_topic_name("communities"),
        pattern=TOPIC_PATTERN,
        description="The communities service's events (kinds, visibility, members, managers).",
    )
    feed_topic: str = Field(
        default=event_topic_name("feed"),
        pattern=TOPIC_PATTERN,
        description="The feed's events (posts, comments, reactions, answers, praise).",
    )
    gateway_topic: str = Field(
        default=event_topic_name("gateway"),
        pattern=TOPIC_PATTERN,
        description="The gateway's once-a-day `person_active` signal.",
    )
    topic_partitions: int = Field(
        default=6,
        ge=1,
        le=256,
        description="Partitions of a consumed topic this service has to create because its "
        "producer has not yet (the producer's own setting wins when it created it first).",
    )
    projection_name: str = Field(
        default="metrics",
        pattern=NAME_PATTERN,
        description="Name of the read model (collections, consumer group, dead-letter topic).",
    )
    k_anonymity: int = Field(
        default=5,
        ge=2,
        le=1000,
        description="Smallest group of people whose aggregate figures may be shown.",
    )
    analyst_roles: tuple[str, ...] = Field(
        default=("analyst", "platform-admin"),
        min_length=1,
        description="Platform roles that may read organisation-wide aggregates.",
    )
    profile_window_weeks: int = Field(
        default=8, ge=2, le=26, description="Weeks an engagement profile looks back over."
    )
    loyal_min_weeks: int = Field(
        default=6,
        ge=1,
        le=26,
        description="Weeks with a contribution, in the profile window, to be loyal or assiduous.",
    )
    assiduous_min_significant: int = Field(
        default=3,
        ge=1,
        le=1000,
        description="Significant contributions (answers, accepted answers, posts others "
        "reacted to) in the window that make a loyal person assiduous.",
    )
    compulsive_min_contributions: int = Field(
        default=15,
        ge=1,
        le=10000,
        description="Contributions in the window that make an irregular person compulsive.",
    )
    regular_window_weeks: int = Field(
        default=6, ge=1, le=26, description="Weeks the regular-contributor rule looks back over."
    )
    regular_min_weeks: int = Field(
        default=4,
        ge=1,
        le=26,
        description="Weeks with a contribution, in that window, to be a regular contributor.",
    )
    complete_profile_min_items: int = Field(
        default=5,
        ge=1,
        le=6,
        description="Public profile items (title, department, photo, 3 skills, interests, "
        "help topics) a profile needs to count as complete.",
    )
    max_pending_events: int = Field(
        default=250_000,
        ge=1,
        description="Events applied in memory before the projection must flush them.",
    )
    max_pending_documents: int = Field(
        default=50_000,
        ge=1,
        description="Changed documents held in memory before the projection must flush them.",
    )
    cached_documents: int = Field(
        default=200_000,
        ge=1000,
        description="Entity documents (people, posts, communities) the projection keeps cached.",
    )
    max_range_days: int = Field(
        default=1830, ge=1, description="Longest date range one dashboard query may ask for."
    )

    @model_validator(mode="after")
    def _windows_hold_their_thresholds(self) -> "MetricsSettings":
        if self.loyal_min_weeks > self.profile_window_weeks:
            raise ValueError("loyal_min_weeks cannot exceed profile_window_weeks")
        if self.regular_min_weeks > self.regular_window_weeks:
            raise ValueError("regular_min_weeks cannot exceed regular_window_weeks")
        return self

    @property
    def topics(self) -> tuple[str, ...]:
        """Every consumed topic, the facts topics first."""
        return (*self.facts_topics, self.feed_topic, self.gateway_topic)

    @property
    def facts_topics(self) -> tuple[str, ...]:
        """Topics describing people and communities: consumed before activity when both wait."""
        return (self.profiles_topic, self.profile_cards_topic, self.communities_topic)

    @property
    def rules(self) -> EngagementRules:
        """The engagement, regularity and completeness rules configured here."""
        return EngagementRules(
            profile_window_weeks=self.profile_window_weeks,
            loyal_min_weeks=self.loyal_min_weeks,
            assiduous_min_significant=self.assiduous_min_significant,
            compulsive_min_contributions=self.compulsive_min_contributions,
            regular_window_weeks=self.regular_window_weeks,
            regular_min_weeks=self.regular_min_weeks,
            complete_profile_min_items=self.complete_profile_min_items,
        )
