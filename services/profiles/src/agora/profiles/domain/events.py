"""The events of the profile aggregate (stream ``profile-<person id>``); every type is at schema
version 1 except ``person_provisioned`` (2, with an upcaster from 1)."""

from datetime import date
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from agora.eventsourcing import DomainEvent, EventRegistry

registry = EventRegistry()


class Audience(StrEnum):
    """Who may see a field group of a profile."""

    EVERYONE = "everyone"
    FOLLOWED = "followed"
    """The people the profile's owner follows."""
    ONLY_ME = "only_me"


class VisibilitySettings(BaseModel):
    """The audience of each field group that a person may hide."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    email: Audience = Audience.EVERYONE
    location: Audience = Audience.EVERYONE
    languages: Audience = Audience.EVERYONE
    manager: Audience = Audience.EVERYONE
    start_date: Audience = Audience.EVERYONE


@registry.register
class PersonProvisionedV1(DomainEvent):
    """Version 1 of ``PersonProvisioned``, without ``registered_on`` (read through the upcaster)."""

    event_type: ClassVar[str] = "agora.profiles.person_provisioned"

    person_id: str
    sealed: str


@registry.register
class PersonProvisioned(DomainEvent):
    """HR created the person's profile; ``sealed`` holds their ``ProvisionedDetails``.

    ``registered_on`` is the day the person joined the network when it is not the event's day:
    people migrated from another network with their history keep their original registration
    (absent: the day of the event's ``time``).
    """

    event_type: ClassVar[str] = "agora.profiles.person_provisioned"
    schema_version: ClassVar[int] = 2

    person_id: str
    sealed: str
    registered_on: date | None = None


@registry.upcaster(PersonProvisioned.event_type, 1)
def _provisioned_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    return {**payload, "registered_on": None}


@registry.register
class ProfileEdited(DomainEvent):
    """The person changed fields of their profile; ``sealed`` holds the ``EditedDetails``."""

    event_type: ClassVar[str] = "agora.profiles.profile_edited"

    sealed: str


@registry.register
class PersonErased(DomainEvent):
    """The person's personal data was erased (their key is deleted; read models drop them)."""

    event_type: ClassVar[str] = "agora.profiles.person_erased"


@registry.register
class PersonDeactivated(DomainEvent):
    """The person left the company; their content stays and their profile says so."""

    event_type: ClassVar[str] = "agora.profiles.person_deactivated"

    left_on: date


@registry.register
class SkillAdded(DomainEvent):
    """The person declared a skill (normalised name) at a self-assessed level."""

    event_type: ClassVar[str] = "agora.profiles.skill_added"

    skill: str
    level: int = Field(ge=1, le=4)


@registry.register
class SkillLevelChanged(DomainEvent):
    """The person changed the self-assessed level of a skill they declared."""

    event_type: ClassVar[str] = "agora.profiles.skill_level_changed"

    skill: str
    level: int = Field(ge=1, le=4)


@registry.register
class SkillRemoved(DomainEvent):
    """The person removed a skill; its endorsements go with it."""

    event_type: ClassVar[str] = "agora.profiles.skill_removed"

    skill: str


@registry.register
class InterestsSet(DomainEvent):
    """The person replaced their list of interests."""

    event_type: ClassVar[str] = "agora.profiles.interests_set"

    topics: list[str]


@registry.register
class HelpTopicsSet(DomainEvent):
    """The person replaced the topics they can help with."""

    event_type: ClassVar[str] = "agora.profiles.help_topics_set"

    topics: list[str]


@registry.register
class EndorsementGiven(DomainEvent):
    """Someone endorsed one of this person's skills."""

    event_type: ClassVar[str] = "agora.profiles.endorsement_given"

    skill: str
    endorser_id: str


@registry.register
class EndorsementWithdrawn(DomainEvent):
    """Someone withdrew their endorsement of one of this person's skills."""

    event_type: ClassVar[str] = "agora.profiles.endorsement_withdrawn"

    skill: str
    endorser_id: str


@registry.register
class PersonFollowed(DomainEvent):
    """This person started following another person."""

    event_type: ClassVar[str] = "agora.profiles.person_followed"

    followee_id: str


@registry.register
class PersonUnfollowed(DomainEvent):
    """This person stopped following another person."""

    event_type: ClassVar[str] = "agora.profiles.person_unfollowed"

    followee_id: str


@registry.register
class VisibilityChanged(DomainEvent):
    """The person changed who may see which field groups of their profile."""

    event_type: ClassVar[str] = "agora.profiles.visibility_changed"

    settings: VisibilitySettings
