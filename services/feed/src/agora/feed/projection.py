"""The feed's projection: one consumer of the feed, profiles, cards and communities topics.

Each event goes through the parts in a fixed order: facts first (so a post's fan-out sees the
memberships and follows that came before it), then posts, then timelines and notifications
together (neither reads what the other writes; both read the post's event and the facts). A
membership that arrives after posts recorded after it (another topic, another poll) still gets
those posts into the member's home and their notifications (``timelines.apply_fact``,
``held_notifications``). Every
part's apply is idempotent on its own, so a redelivered event changes nothing.

The facts the parts look up, and which timelines are closed, are remembered from one event
to the next (``FactsMemory``) and forgotten whenever a profiles or communities event is
applied: this projection is the facts' only writer and closes timelines only on an erasure.
"""

from collections.abc import Sequence

from agora.eventsourcing import ApplyOrder, EventEnvelope, ReadModel
from agora.eventsourcing.bounded import run_together
from agora.feed import upstream
from agora.feed.domain.events import registry
from agora.feed.facts import FactsMemory, apply_fact
from agora.feed.readmodel import collection
from agora.feed.readside import notifications, posts, timelines
from agora.feed.settings import FeedSettings


class FeedProjection:
    """Builds every part of the feed's read model."""

    # Timelines and notifications gather many streams' events; facts come from others.
    order = ApplyOrder.LOG

    def __init__(self, *, name: str, topics: Sequence[str], large_community_members: int) -> None:
        self.name = name
        self.topics: Sequence[str] = tuple(topics)
        self._large_community_members = large_community_members
        self._facts = FactsMemory()

    @classmethod
    def from_settings(cls, settings: FeedSettings) -> "FeedProjection":
        """The projection configured by ``settings``."""
        return cls(
            name=settings.projection_prefix,
            topics=(
                settings.communities_topic,
                settings.profiles_topic,
                settings.profile_cards_topic,
                settings.events_topic,
            ),
            large_community_members=settings.large_community_members,
        )

    async def setup(self, read_model: ReadModel) -> None:
        """Every lookup is by ``_id``: no secondary index is needed."""

    async def apply(self, envelope: EventEnvelope, read_model: ReadModel) -> None:
        """Apply one event to every part that cares about it."""
        if envelope.type in registry:
            event = envelope.payload(registry)
            facts = self._facts.queries(read_model)
            await posts.apply_event(envelope, event, read_model)
            await run_together(
                timelines.apply_event(
                    envelope,
                    event,
                    read_model,
                    facts=facts,
                    closed_timelines=self._facts.closed_timelines,
                    large_community_members=self._large_community_members,
                ),
                notifications.apply_event(envelope, event, read_model, facts=facts),
            )
            return
        fact = upstream.decode_upstream(envelope)
        if fact is None:
            return
        self._facts.forget()
        try:
            await apply_fact(
                envelope,
                fact,
                collection(read_model, "people"),
                collection(read_model, "communities"),
            )
            await timelines.apply_fact(envelope, fact, read_model)
            await notifications.apply_fact(envelope, fact, read_model)
        finally:
            self._facts.forget()
