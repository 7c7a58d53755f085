"""The search service's settings (``AGORA_*`` environment variables)."""

from pydantic import AnyHttpUrl, Field

from agora.eventsourcing.topics import event_topic_name
from agora.servicekit import ServiceSettings

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
INDEX_PREFIX_PATTERN = r"^[a-z][a-z0-9_-]{0,40}$"
TOPIC_PATTERN = r"^[A-Za-z0-9._-]{1,200}$"


class SearchSettings(ServiceSettings):
    """Service settings plus the topics the indexer consumes and the names it writes under."""

    service_name: str = Field(default="search", pattern=r"^[a-z][a-z0-9-]{0,62}$")
    port: int = Field(default=8104, ge=1, le=65535)
    mongo_database: str = Field(default="agora_search", pattern=r"^[A-Za-z0-9_-]{1,63}$")
    elasticsearch_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("http://127.0.0.1:9201"),
        description="The Elasticsearch cluster the indices live in.",
    )
    profiles_topic: str = Field(
        default=event_topic_name("profiles"),
        pattern=TOPIC_PATTERN,
        description="The profiles service's events (skills, endorsements, topics, erasure).",
    )
    communities_topic: str = Field(
        default=event_topic_name("communities"),
        pattern=TOPIC_PATTERN,
        description="The communities service's events (communities, memberships).",
    )
    feed_topic: str = Field(
        default=event_topic_name("feed"),
        pattern=TOPIC_PATTERN,
        description="The feed's events (posts, comments, answers, praise, moderation).",
    )
    projection_prefix: str = Field(
        default="search",
        pattern=NAME_PATTERN,
        description="Name of the indexing projection: its Mongo collections, consumer groups "
        "(`agora.projection.<name>.g<N>`) and dead-letter topic.",
    )
    index_prefix: str = Field(
        default="agora",
        pattern=INDEX_PREFIX_PATTERN,
        description="Prefix of the Elasticsearch aliases (`<prefix>-people`, `-posts`, "
        "`-communities`) and of their generations' indices (`<prefix>-people-g<N>`).",
    )
    index_shards: int = Field(default=1, ge=1, le=64)
    index_replicas: int = Field(default=0, ge=0, le=5)
    elasticsearch_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    indexing_batch_size: int = Field(
        default=500,
        ge=1,
        le=5000,
        description="Most records consumed (and documents bulk-written) per indexing batch.",
    )
