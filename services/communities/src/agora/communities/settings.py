"""The communities service's settings (``AGORA_*`` environment variables)."""

from pydantic import Field

from agora.eventsourcing.topics import event_topic_name
from agora.servicekit import ServiceSettings


class CommunitiesSettings(ServiceSettings):
    """Service settings plus the topic, read-model and archiver settings of communities."""

    service_name: str = Field(default="communities", pattern=r"^[a-z][a-z0-9-]{0,62}$")
    port: int = Field(default=8102, ge=1, le=65535)
    mongo_database: str = Field(default="agora_communities", pattern=r"^[A-Za-z0-9_-]{1,63}$")
    events_topic: str = Field(
        default=event_topic_name("communities"), pattern=r"^[A-Za-z0-9._-]{1,200}$"
    )
    profiles_topic: str = Field(
        default=event_topic_name("profiles"),
        pattern=r"^[A-Za-z0-9._-]{1,200}$",
        description="The profiles service's events: erasures take people out of communities.",
    )
    erasure_consumer: str = Field(
        default="communities_erasures",
        pattern=r"^[a-z][a-z0-9_]{0,62}$",
        description="Name of the erasure follower (its consumer group and read model).",
    )
    directory_projection: str = Field(
        default="communities_directory",
        pattern=r"^[a-z][a-z0-9_]{0,62}$",
        description="Name of the directory read model (collections and consumer group).",
    )
    archiver_interval_seconds: float = Field(
        default=300.0, gt=0, description="How often ended project communities are archived."
    )
