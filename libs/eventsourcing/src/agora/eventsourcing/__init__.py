"""Agora's event-sourcing core: envelope, registry, event store, outbox relay and projections."""

from agora.eventsourcing.aggregate import Aggregate, AggregateRepository, CommandOutcome, Loaded
from agora.eventsourcing.envelope import EventEnvelope
from agora.eventsourcing.errors import (
    ConcurrencyError,
    EventSourcingError,
    EventTooLargeError,
    IdempotencyKeyReusedError,
    TransientError,
    UnknownEventTypeError,
)
from agora.eventsourcing.events import DomainEvent
from agora.eventsourcing.mongo_store import MongoEventStore
from agora.eventsourcing.projection import ApplyOrder, Projection, ReadModel, RetryPolicy
from agora.eventsourcing.readmodel import READER_REMEMBER_SECONDS, ProjectionCatalog, apply_once
from agora.eventsourcing.registry import EventRegistry
from agora.eventsourcing.relay import OutboxRelay
from agora.eventsourcing.runner import ProjectionRunner
from agora.eventsourcing.store import AppendResult, EventStore

__all__ = [
    "READER_REMEMBER_SECONDS",
    "Aggregate",
    "AggregateRepository",
    "AppendResult",
    "ApplyOrder",
    "CommandOutcome",
    "ConcurrencyError",
    "DomainEvent",
    "EventEnvelope",
    "EventRegistry",
    "EventSourcingError",
    "EventStore",
    "EventTooLargeError",
    "IdempotencyKeyReusedError",
    "Loaded",
    "MongoEventStore",
    "OutboxRelay",
    "Projection",
    "ProjectionCatalog",
    "ProjectionRunner",
    "ReadModel",
    "RetryPolicy",
    "TransientError",
    "UnknownEventTypeError",
    "apply_once",
]
