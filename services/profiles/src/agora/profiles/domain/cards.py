"""The public person card: the directory fields every employee may see, for other services
(location and languages only when the person shows them to everyone).

Cards travel on their own compacted topic (``agora.profiles.cards``), keyed by person id, so a
consumer learns people's names without calling the profiles service and without their keys.
A card always reflects a profile's whole state at one stream version, never a change.
"""

from typing import Any, ClassVar

from agora.eventsourcing import DomainEvent, EventRegistry
from agora.profiles.domain.events import (
    Audience,
    PersonDeactivated,
    PersonErased,
    PersonProvisioned,
    ProfileEdited,
    VisibilityChanged,
)
from agora.profiles.domain.state import Profile

card_registry = EventRegistry()

CARD_CHANGING_EVENTS = frozenset(
    event.event_type
    for event in (
        PersonProvisioned,
        ProfileEdited,
        VisibilityChanged,
        PersonDeactivated,
        PersonErased,
    )
)
"""The profile events that can change a card field; the others leave every card as it was."""


@card_registry.register
class PersonCardPublishedV1(DomainEvent):
    """Version 1 of ``PersonCardPublished``, without location and languages (upcast)."""

    event_type: ClassVar[str] = "agora.profiles.person_card_published"

    person_id: str
    display_name: str
    job_title: str | None
    department: str | None
    photo_url: str | None
    active: bool


@card_registry.register
class PersonCardPublished(DomainEvent):
    """A person's public card as of the stream version in the envelope; every field is sent.

    ``location`` and ``languages`` are on the card only while the person shows them to
    everyone (their visibility settings); otherwise they are null and empty, as they are on
    the profile a colleague reads.
    """

    event_type: ClassVar[str] = "agora.profiles.person_card_published"
    schema_version: ClassVar[int] = 2

    person_id: str
    display_name: str
    job_title: str | None
    department: str | None
    photo_url: str | None
    active: bool
    """False once the person has left the company (deactivated)."""
    location: str | None
    languages: list[str]


@card_registry.upcaster(PersonCardPublished.event_type, 1)
def _card_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    return {**payload, "location": None, "languages": []}


@card_registry.register
class PersonCardErased(DomainEvent):
    """The person's personal data was erased: there is no card any more, only the id."""

    event_type: ClassVar[str] = "agora.profiles.person_card_erased"

    person_id: str


PersonCard = PersonCardPublished | PersonCardErased


def person_card(person_id: str, profile: Profile) -> PersonCard | None:
    """The card of a profile; ``None`` before the person is provisioned."""
    if not profile.exists:
        return None
    if profile.erased:
        return PersonCardErased(person_id=person_id)
    public = profile.visibility
    return PersonCardPublished(
        person_id=person_id,
        display_name=profile.display_name,
        job_title=profile.job_title,
        department=profile.department,
        photo_url=profile.photo_url,
        active=profile.left_on is None,
        location=profile.location if public.location == Audience.EVERYONE else None,
        languages=list(profile.languages) if public.languages == Audience.EVERYONE else [],
    )
