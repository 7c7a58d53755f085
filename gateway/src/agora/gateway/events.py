"""The gateway's own events (topic ``agora.gateway.events``), all in the past tense."""

from datetime import date

from pydantic import Field

from agora.eventsourcing import DomainEvent, EventRegistry

registry = EventRegistry()


@registry.register
class PersonActive(DomainEvent):
    """A person used Agora on this day (UTC): recorded at most once per person per day.

    It says nothing of what they read or did; the metrics service counts regular visitors
    from it.
    """

    event_type = "agora.gateway.person_active"
    person_id: str = Field(min_length=1, max_length=256)
    day: date
