"""Errors the event-sourcing core raises; the service kit maps them to HTTP problem details."""


class EventSourcingError(Exception):
    """Base class of every error the core raises on purpose."""


class ConcurrencyError(EventSourcingError):
    """Another writer appended to the stream since the caller read it (HTTP 409)."""

    def __init__(self, *, stream_id: str, expected_version: int, actual_version: int) -> None:
        super().__init__(
            f"stream {stream_id!r} is at version {actual_version}, "
            f"the command expected version {expected_version}"
        )
        self.stream_id = stream_id
        self.expected_version = expected_version
        self.actual_version = actual_version


class IdempotencyKeyReusedError(EventSourcingError):
    """An idempotency id was sent again with a different command (HTTP 422)."""

    def __init__(self, *, command_id: str) -> None:
        super().__init__(f"idempotency id {command_id!r} was already used for a different command")
        self.command_id = command_id


class UnknownEventTypeError(EventSourcingError):
    """A stored or received event names a type or schema version that is not registered."""

    def __init__(self, *, event_type: str, schema_version: int) -> None:
        super().__init__(f"no event class is registered for {event_type!r} v{schema_version}")
        self.event_type = event_type
        self.schema_version = schema_version


class EventTooLargeError(EventSourcingError):
    """An event's serialised size exceeds what the store and the broker accept (HTTP 413)."""

    def __init__(self, *, event_type: str, size: int, limit: int) -> None:
        super().__init__(f"event {event_type!r} is {size} bytes, the limit is {limit}")
        self.event_type = event_type
        self.size = size
        self.limit = limit


class TransientError(EventSourcingError):
    """A failure worth retrying (a dependency is down); consumers retry it without limit."""
