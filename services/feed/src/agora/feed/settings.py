"""The feed service's settings (``AGORA_*`` environment variables)."""

from pydantic import Field

from agora.eventsourcing.topics import event_topic_name
from agora.servicekit import ServiceSettings

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
TOPIC_PATTERN = r"^[A-Za-z0-9._-]{1,200}$"


class FeedSettings(ServiceSettings):
    """Service settings plus the topics the feed publishes to and consumes."""

    service_name: str = Field(default="feed", pattern=r"^[a-z][a-z0-9-]{0,62}$")
    port: int = Field(default=8103, ge=1, le=65535)
    mongo_database: str = Field(default="agora_feed", pattern=r"^[A-Za-z0-9_-]{1,63}$")
    events_topic: str = Field(default=event_topic_name("feed"), pattern=TOPIC_PATTERN)
    profiles_topic: str = Field(
        default=event_topic_name("profiles"),
        pattern=TOPIC_PATTERN,
        description="The profiles service's events (follows, skills, help topics, erasure).",
    )
    communities_topic: str = Field(
        default=event_topic_name("communities"),
        pattern=TOPIC_PATTERN,
        description="The communities service's events (visibility, state, memberships, roles).",
    )
    projection_prefix: str = Field(
        default="feed",
        pattern=NAME_PATTERN,
        description="Prefix of the feed's read-model names (collections and consumer groups).",
    )
    large_community_members: int = Field(
        default=500,
        ge=1,
        description="Communities with more members than this are merged into home timelines "
        "when read (fan-out on read) instead of copied into each member's timeline.",
    )
    reference_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description="How long pages reuse people's names and communities' names and states "
        "they looked up, and (for at most 1 s) which communities home reads merge (0: never). "
        "Access is never cached.",
    )
