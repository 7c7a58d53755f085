"""Domain events: typed, immutable payloads with a stable type name and a schema version."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class DomainEvent(BaseModel):
    """Base of every event payload; subclasses set `event_type` and `schema_version`.

    `event_type` is a stable dotted name such as ``agora.profiles.profile_provisioned``: never an
    import path, so moving a module never breaks stored data.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
