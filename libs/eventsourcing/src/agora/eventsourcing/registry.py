"""Registry of event classes by type name and schema version, with step-by-step upcasters."""

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from pydantic import ValidationError

from agora.eventsourcing.errors import UnknownEventTypeError
from agora.eventsourcing.events import DomainEvent

EventT = TypeVar("EventT", bound=type[DomainEvent])
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class EventDecodeError(ValueError):
    """A payload does not validate against the schema its type and version name."""


class EventRegistry:
    """Maps ``(event_type, schema_version)`` to payload classes and upgrades old payloads."""

    def __init__(self) -> None:
        self._classes: dict[tuple[str, int], type[DomainEvent]] = {}
        self._current: dict[str, int] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, event_class: EventT) -> EventT:
        """Register an event class (usable as a class decorator); its type+version must be new."""
        key = (event_class.event_type, event_class.schema_version)
        if key in self._classes:
            raise ValueError(f"{key[0]!r} v{key[1]} is already registered")
        self._classes[key] = event_class
        self._current[key[0]] = max(self._current.get(key[0], 0), key[1])
        return event_class

    def upcaster(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register a function upgrading a payload from ``from_version`` to the next version."""

        def decorate(function: Upcaster) -> Upcaster:
            self._upcasters[(event_type, from_version)] = function
            return function

        return decorate

    def has_upcaster(self, event_type: str, from_version: int) -> bool:
        """Whether payloads of ``from_version`` can be upgraded to the next version."""
        return (event_type, from_version) in self._upcasters

    def current_version(self, event_type: str) -> int:
        """The newest registered schema version of a type."""
        try:
            return self._current[event_type]
        except KeyError:
            raise UnknownEventTypeError(event_type=event_type, schema_version=0) from None

    def decode(self, event_type: str, schema_version: int, data: Mapping[str, Any]) -> DomainEvent:
        """Validate a stored or received payload, upcasting it to the current schema version."""
        target = self.current_version(event_type)
        if schema_version > target:
            raise UnknownEventTypeError(event_type=event_type, schema_version=schema_version)
        payload = dict(data)
        version = schema_version
        while version < target:
            step = self._upcasters.get((event_type, version))
            if step is None:
                raise UnknownEventTypeError(event_type=event_type, schema_version=version)
            payload = step(payload)
            version += 1
        event_class = self._classes[(event_type, target)]
        try:
            return event_class.model_validate(payload)
        except ValidationError as error:
            raise EventDecodeError(f"{event_type} v{target}: {error}") from error

    def __contains__(self, event_type: object) -> bool:
        return event_type in self._current

    def __iter__(self) -> Iterator[type[DomainEvent]]:
        """Every registered class, sorted by type then version."""
        return iter(self._classes[key] for key in sorted(self._classes))

    def merged_with(self, *others: "EventRegistry") -> "EventRegistry":
        """A registry holding this one's classes and upcasters and those of ``others``."""
        merged = EventRegistry()
        for registry in (self, *others):
            for event_class in registry:
                merged.register(event_class)
            merged._upcasters.update(registry._upcasters)
        return merged
