"""The application layer: gathers the facts a feed decision needs and runs it on the store.

A post decision needs the facts of the post's community (membership, roles, archived), read
from the feed's own projection of the communities topic. A post never moves, so the place of a
post is remembered in a small cache and the facts are looked up before the decision runs.
"""

import hashlib
import string
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import (
    AggregateRepository,
    CommandOutcome,
    ConcurrencyError,
    DomainEvent,
    EventStore,
    Loaded,
)
from agora.eventsourcing.aggregate import Decide
from agora.eventsourcing.snapshots import MongoSnapshotStore
from agora.feed.clock import Clock
from agora.feed.domain import decisions
from agora.feed.domain.commands import Actor, OpenWorkItemThread, PublishPost, SharePost
from agora.feed.domain.errors import FeedError
from agora.feed.domain.events import Place, registry
from agora.feed.domain.state import InboxAggregate, InboxState, PostAggregate, PostState
from agora.feed.facts import CommunityFacts, FactsQueries

PostDecision = Callable[[PostState, CommunityFacts | None, datetime], Sequence[DomainEvent]]
"""A post decision still waiting for the post's state, its community's facts and the time."""
InboxDecision = Callable[[InboxState, datetime], Sequence[DomainEvent]]
"""An inbox decision still waiting for the inbox's state and the time."""
PLACE_CACHE_SIZE = 10_000
STREAM_KEY_CHARACTERS = frozenset(string.ascii_letters + string.digits + "_-")
MAX_STREAM_KEY = 120
StateT = TypeVar("StateT", bound=BaseModel)


def inbox_key(person_id: str) -> str:
    """The id of a person's inbox stream (``inbox-<key>``), whatever their id contains.

    Stream ids take only ``A-Z a-z 0-9 _ - :``: every other character is written ``:`` and its
    UTF-8 bytes in hex (``chloe.martin`` → ``chloe:2emartin``), which can be read back; an id
    too long for that is replaced by its digest. Readers take the person from the events'
    ``actor``, which is always the inbox's owner.
    """
    key = "".join(
        char if char in STREAM_KEY_CHARACTERS else "".join(f":{b:02x}" for b in char.encode())
        for char in person_id
    )
    if len(key) > MAX_STREAM_KEY:
        return "sha256:" + hashlib.sha256(person_id.encode()).hexdigest()
    return key


class StaleVersionError(FeedError):
    """``If-Match`` named a version that is no longer current."""

    status, slug, title = 412, "stale-version", "The post changed since you read it"


@dataclass(frozen=True)
class CommandContext:
    """Who sends a command, and the idempotency key and fingerprint that identify it."""

    actor: Actor
    idempotency_key: str | None
    fingerprint: str


class FeedService:
    """Runs the decisions of posts and inboxes against the event store."""

    def __init__(
        self,
        *,
        posts: AggregateRepository[PostState],
        inboxes: AggregateRepository[InboxState],
        facts: FactsQueries,
        clock: Clock,
    ) -> None:
        self._posts = posts
        self._inboxes = inboxes
        self.facts = facts
        self._clock = clock
        self._places: OrderedDict[str, Place] = OrderedDict()

    def now(self) -> datetime:
        """The current time by the service's clock."""
        return self._clock()

    async def load_post(self, post_id: str) -> Loaded[PostState]:
        """A post's current state (for callers that check visibility themselves)."""
        loaded = await self._posts.load(self._posts.stream_id(post_id))
        if loaded.state.place is not None:
            self._remember(post_id, loaded.state.place)
        return loaded

    async def publish(
        self, *, command: PublishPost, context: CommandContext
    ) -> CommandOutcome[PostState]:
        """Publish a new post (``command.post_id`` freshly generated)."""
        community = await self._community(command.place.kind, command.place.id)
        now = self.now()
        return await self._run(
            self._posts,
            command.post_id,
            lambda state: decisions.decide_publish(state, community, context.actor, command, now),
            context,
            fresh_id=True,
        )

    async def import_post(
        self,
        *,
        command: PublishPost,
        author: Actor,
        published_at: datetime,
        context: CommandContext,
    ) -> CommandOutcome[PostState]:
        """Publish a post of another network for its author, at its original time."""
        community = await self._community(command.place.kind, command.place.id)
        now = self.now()
        return await self._run(
            self._posts,
            command.post_id,
            lambda state: decisions.decide_import_post(
                state,
                community,
                importer=context.actor,
                author=author,
                command=command,
                published_at=published_at,
                now=now,
            ),
            context,
        )

    async def open_work_item_thread(
        self, *, command: OpenWorkItemThread, context: CommandContext
    ) -> CommandOutcome[PostState]:
        """Find the conversation about a work item (no event) or open it."""
        community = await self.facts.community(command.community_id)
        now = self.now()
        return await self._run(
            self._posts,
            command.post_id,
            lambda state: decisions.decide_open_work_item_thread(
                state, community, context.actor, command, now
            ),
            context,
        )

    async def share(
        self, *, source_post_id: str, command: SharePost, context: CommandContext
    ) -> CommandOutcome[PostState]:
        """Share an existing post as a new one (``command.post_id`` freshly generated)."""
        source, source_community, target_community = await self._share_facts(
            source_post_id, command
        )
        return await self._run(
            self._posts,
            command.post_id,
            lambda state: decisions.decide_share(
                state,
                source=source,
                source_community=source_community,
                target_community=target_community,
                actor=context.actor,
                command=command,
            ),
            context,
            fresh_id=True,
        )

    async def import_share(
        self,
        *,
        source_post_id: str,
        command: SharePost,
        author: Actor,
        published_at: datetime,
        context: CommandContext,
    ) -> CommandOutcome[PostState]:
        """Share an existing post for ``author``, at the share's original time (an import)."""
        source, source_community, target_community = await self._share_facts(
            source_post_id, command
        )
        now = self.now()
        return await self._run(
            self._posts,
            command.post_id,
            lambda state: decisions.decide_import_share(
                state,
                source=source,
                source_community=source_community,
                target_community=target_community,
                importer=context.actor,
                author=author,
                command=command,
                published_at=published_at,
                now=now,
            ),
            context,
        )

    async def _share_facts(
        self, source_post_id: str, command: SharePost
    ) -> tuple[PostState, CommunityFacts | None, CommunityFacts | None]:
        source = (await self.load_post(source_post_id)).state
        source_community = (
            await self._community(source.place.kind, source.place.id) if source.place else None
        )
        target_community = await self._community(command.place.kind, command.place.id)
        return source, source_community, target_community

    async def on_post(
        self,
        *,
        post_id: str,
        decide: PostDecision,
        context: CommandContext,
        expected_version: int | None = None,
    ) -> CommandOutcome[PostState]:
        """Run a decision on an existing post, with its community's facts."""
        place = self._places.get(post_id)
        if place is None:
            place = (await self.load_post(post_id)).state.place
        community = await self._community(place.kind, place.id) if place else None
        now = self.now()
        return await self._run(
            self._posts,
            post_id,
            lambda state: decide(state, community, now),
            context,
            expected_version,
        )

    async def on_inbox(
        self, *, decide: InboxDecision, context: CommandContext
    ) -> CommandOutcome[InboxState]:
        """Run a decision on the caller's own inbox."""
        now = self.now()
        return await self._run(
            self._inboxes,
            inbox_key(context.actor.person_id),
            lambda state: decide(state, now),
            context,
        )

    async def _community(self, kind: str, community_id: str) -> CommunityFacts | None:
        if kind != "community":
            return None
        return await self.facts.community(community_id)

    def _remember(self, post_id: str, place: Place) -> None:
        self._places[post_id] = place
        self._places.move_to_end(post_id)
        while len(self._places) > PLACE_CACHE_SIZE:
            self._places.popitem(last=False)

    async def _run(
        self,
        repository: AggregateRepository[StateT],
        aggregate_id: str,
        decide: Decide[StateT],
        context: CommandContext,
        expected_version: int | None = None,
        *,
        fresh_id: bool = False,
    ) -> CommandOutcome[StateT]:
        """Run one decision; a retried idempotency key returns the first outcome.

        ``fresh_id``: the aggregate's id was just generated, so its stream is new and is not
        read (should it exist after all, the append refuses it: 409).
        """
        try:
            return await repository.execute(
                stream_id=repository.stream_id(aggregate_id),
                decide=decide,
                expected_version=0 if fresh_id else expected_version,
                actor=context.actor.person_id,
                command_id=context.idempotency_key,
                command_fingerprint=context.fingerprint,
            )
        except ConcurrencyError as error:
            if expected_version is None:  # the caller named no version: a plain conflict
                raise
            raise StaleVersionError(str(error)) from error


def build_feed_service(
    *,
    database: AsyncDatabase[dict[str, Any]],
    store: EventStore,
    facts: FactsQueries,
    clock: Clock,
) -> FeedService:
    """The feed's service over ``store``, with snapshots kept in ``database``."""
    snapshots = MongoSnapshotStore(database=database)
    return FeedService(
        posts=AggregateRepository(
            aggregate=PostAggregate(), store=store, registry=registry, snapshots=snapshots
        ),
        inboxes=AggregateRepository(
            aggregate=InboxAggregate(), store=store, registry=registry, snapshots=snapshots
        ),
        facts=facts,
        clock=clock,
    )
