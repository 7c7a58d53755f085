"""The profiles service's settings (``AGORA_*`` environment variables)."""

from pydantic import Field

from agora.eventsourcing.topics import event_topic_name
from agora.servicekit import ServiceSettings

SERVICE_NAME = "profiles"
CARDS_TOPIC = f"agora.{SERVICE_NAME}.cards"


class ProfilesSettings(ServiceSettings):
    """``ServiceSettings`` with the profiles service's defaults and its own fields."""

    service_name: str = Field(default=SERVICE_NAME, pattern=r"^[a-z][a-z0-9-]{0,62}$")
    port: int = Field(default=8101, ge=1, le=65535)
    mongo_database: str = Field(default="agora_profiles", pattern=r"^[A-Za-z0-9_-]{1,63}$")
    events_topic: str = Field(
        default=event_topic_name(SERVICE_NAME),
        pattern=r"^[A-Za-z0-9._-]{1,200}$",
        description="The topic the relay publishes to and the read models consume.",
    )
    read_model_name: str = Field(
        default="profiles_people",
        pattern=r"^[a-z][a-z0-9_]{0,62}$",
        description="The projection's name: its collections, consumer groups and dead letters.",
    )
    cards_topic: str = Field(
        default=CARDS_TOPIC,
        pattern=r"^[A-Za-z0-9._-]{1,200}$",
        description="The compacted topic of public person cards (names for other services).",
    )
    cards_projection: str = Field(
        default="profiles_cards",
        pattern=r"^[a-z][a-z0-9_]{0,62}$",
        description="The card worker's name: its consumer groups and dead letters.",
    )
    admin_role: str = Field(
        default="platform-admin",
        min_length=1,
        description="The platform role allowed to provision and deactivate people (HR import).",
    )
