"""A tiny domain used to exercise the event-sourcing core: tallies that are opened and counted."""

import asyncio
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from agora.eventsourcing import ApplyOrder, DomainEvent, EventEnvelope, EventRegistry, ReadModel
from agora.eventsourcing.aggregate import Decide
from agora.eventsourcing.readmodel import apply_once

registry = EventRegistry()


@registry.register
class TallyOpened(DomainEvent):
    event_type = "agora.test.tally_opened"
    title: str


@registry.register
class TallyIncremented(DomainEvent):
    """A tally was counted up by ``by``.

    Only this first paragraph is the event's summary in AsyncAPI documents.
    """

    event_type = "agora.test.tally_incremented"
    schema_version = 2
    by: int
    note: str = ""


@registry.upcaster("agora.test.tally_incremented", from_version=1)
def _v1_amount_renamed_to_by(payload: dict[str, object]) -> dict[str, object]:
    """Version 1 called the increment ``amount``."""
    upgraded = {key: value for key, value in payload.items() if key != "amount"}
    upgraded["by"] = payload["amount"]
    return upgraded


POISON_AMOUNT = -999
"""An increment the projection refuses, to exercise dead-lettering."""


class TallyState(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str | None = None
    total: int = 0


class Tally:
    kind = "tally"
    state_type = TallyState
    snapshot_schema = 1

    def initial_state(self) -> TallyState:
        return TallyState()

    def evolve(self, state: TallyState, event: DomainEvent) -> TallyState:
        if isinstance(event, TallyOpened):
            return state.model_copy(update={"title": event.title})
        if isinstance(event, TallyIncremented):
            return state.model_copy(update={"total": state.total + event.by})
        return state


def open_tally(title: str) -> Decide[TallyState]:
    def decide(state: TallyState) -> Sequence[DomainEvent]:
        if state.title is not None:
            return []
        return [TallyOpened(title=title)]

    return decide


def increment(by: int) -> Decide[TallyState]:
    def decide(state: TallyState) -> Sequence[DomainEvent]:
        return [TallyIncremented(by=by)]

    return decide


class TallyTotals:
    """Read model: one document per tally with its total and the number of increments.

    ``$inc`` is not idempotent by itself; ``apply_once`` makes it so. A double-applied event
    would show up as a wrong total.
    """

    def __init__(
        self,
        *,
        name: str,
        topics: Sequence[str],
        apply_delay: float = 0.0,
        order: ApplyOrder = ApplyOrder.LOG,
    ) -> None:
        self.name = name
        self.topics = topics
        self.apply_delay = apply_delay
        self.order = order
        self.applying = 0
        """Events being applied right now."""
        self.most_applying = 0
        self.applied_order: list[tuple[str, int]] = []
        """(stream, version) of each event in the order its apply finished."""

    async def setup(self, read_model: ReadModel) -> None:
        await read_model.collection().create_index("title")

    async def apply(self, envelope: EventEnvelope, read_model: ReadModel) -> None:
        self.applying += 1
        self.most_applying = max(self.most_applying, self.applying)
        try:
            await self._apply(envelope, read_model)
        finally:
            self.applying -= 1
        self.applied_order.append((envelope.streamid, envelope.streamversion))

    async def _apply(self, envelope: EventEnvelope, read_model: ReadModel) -> None:
        if self.apply_delay:
            await asyncio.sleep(self.apply_delay)
        event = envelope.payload(registry)
        collection = read_model.collection()
        if isinstance(event, TallyOpened):
            await apply_once(
                collection,
                document_id=envelope.streamid,
                envelope=envelope,
                update={"$set": {"title": event.title}},
            )
        elif isinstance(event, TallyIncremented):
            if event.by == POISON_AMOUNT:
                raise ValueError("this tally refuses the poison amount")
            await apply_once(
                collection,
                document_id=envelope.streamid,
                envelope=envelope,
                update={"$inc": {"total": event.by, "increments": 1}},
            )
