"""Running the feed app against the real test stack, with an organisation around it.

The feed learns people, follows, communities and memberships only from the profiles and
communities topics. ``Organisation`` publishes those events, built from the producers' own event
classes, to per-test topics, exactly as the other services would. ``FeedApi.settled()`` waits
until the outbox is drained and the projection has consumed every topic to its end, so a test
can assert that something is *not* visible.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from opentelemetry.sdk.trace import TracerProvider
from pymongo import AsyncMongoClient

from agora.communities.domain import events as community_events
from agora.eventsourcing import DomainEvent, EventEnvelope, ProjectionCatalog
from agora.eventsourcing.envelope import dataschema_uri, new_envelopes
from agora.eventsourcing.kafka import create_producer
from agora.eventsourcing.runner import consumer_group
from agora.feed.app import create_app
from agora.feed.settings import FeedSettings
from agora.localinfra import InfraEndpoints
from agora.profiles.domain import events as profile_events
from agora.testing.identity import TestIdentityProvider
from tests.support.kafka_reading import committed_to_end

CARD_PUBLISHED = "agora.profiles.person_card_published"
SETTLE_TIMEOUT_SECONDS = 30.0


class MovableClock:
    """A clock that starts at the real time and can be moved forward."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def fresh_settings(
    infra: InfraEndpoints, identity: TestIdentityProvider, **overrides: Any
) -> FeedSettings:
    """Settings with a database, topics and read model of their own."""
    suffix = uuid.uuid4().hex[:10]
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": infra.kafka_bootstrap,
        "mongo_url": infra.mongo_url,
        "mongo_database": f"test_feed_{suffix}",
        "events_topic": f"agora.test{suffix}.feed.events",
        "profiles_topic": f"agora.test{suffix}.profiles.events",
        "profile_cards_topic": f"agora.test{suffix}.profiles.cards",
        "communities_topic": f"agora.test{suffix}.communities.events",
        "projection_prefix": f"feed_{suffix}",
        **identity.auth_settings(),
    }
    values.update(overrides)
    return FeedSettings(**values)


def new_id(prefix: str = "person") -> str:
    """A fresh id."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class Organisation:
    """Publishes the profiles and communities events the feed consumes."""

    def __init__(self, settings: FeedSettings) -> None:
        self._settings = settings
        self._producer = create_producer(
            bootstrap_servers=settings.kafka_bootstrap_servers, client_id="test-organisation"
        )
        self._versions: dict[str, int] = {}

    async def start(self) -> None:
        """Connect the producer."""
        await self._producer.start()

    async def stop(self) -> None:
        """Flush and disconnect."""
        await self._producer.stop()

    async def _publish(
        self, topic: str, stream_id: str, events: Sequence[DomainEvent], actor: str
    ) -> None:
        first = self._versions.get(stream_id, 0) + 1
        envelopes = new_envelopes(
            source="/agora/test",
            stream_id=stream_id,
            first_version=first,
            events=events,
            actor=actor,
            command_id=None,
            traceparent=None,
            tracestate=None,
        )
        self._versions[stream_id] = first + len(envelopes) - 1
        for envelope in envelopes:
            await self._send(topic, envelope)

    async def _send(self, topic: str, envelope: EventEnvelope) -> None:
        await self._producer.send_and_wait(
            topic, value=envelope.to_json_bytes(), key=envelope.streamid.encode()
        )

    # --- people ------------------------------------------------------------------------------

    async def person(self, display_name: str | None = None, *, active: bool = True) -> str:
        """A new person with a public card; returns their id."""
        person_id = new_id()
        await self.card(person_id, display_name or f"Person {person_id[-4:]}", active=active)
        return person_id

    async def card(self, person_id: str, display_name: str, *, active: bool = True) -> None:
        """Publish the person's public card (as profiles does on its cards topic)."""
        stream_id = f"profile-{person_id}"
        version = self._versions.get(stream_id, 0) + 1
        self._versions[stream_id] = version
        data = {
            "person_id": person_id,
            "display_name": display_name,
            "job_title": "Engineer",
            "department": "R&D",
            "photo_url": None,
            "active": active,
        }
        envelope = EventEnvelope(
            id=str(uuid.uuid4()),
            source="/agora/profiles",
            type=CARD_PUBLISHED,
            subject=stream_id,
            time=datetime.now(UTC),
            dataschema=dataschema_uri(CARD_PUBLISHED, 1),
            data=data,
            streamid=stream_id,
            streamversion=version,
            schemaversion=1,
            actor=person_id,
        )
        await self._send(self._settings.profile_cards_topic, envelope)

    async def profile_events(self, person_id: str, *events: DomainEvent) -> None:
        """Publish events of the person's profile stream."""
        await self._publish(
            self._settings.profiles_topic, f"profile-{person_id}", events, actor=person_id
        )

    async def follow(self, follower: str, followee: str) -> None:
        """``follower`` starts following ``followee``."""
        await self.profile_events(follower, profile_events.PersonFollowed(followee_id=followee))

    async def unfollow(self, follower: str, followee: str) -> None:
        """``follower`` stops following ``followee``."""
        await self.profile_events(follower, profile_events.PersonUnfollowed(followee_id=followee))

    async def expertise(
        self, person_id: str, *, skills: Sequence[str] = (), help_topics: Sequence[str] = ()
    ) -> None:
        """Declare skills and "I can help with" topics."""
        events: list[DomainEvent] = [
            profile_events.SkillAdded(skill=skill, level=3) for skill in skills
        ]
        if help_topics:
            events.append(profile_events.HelpTopicsSet(topics=list(help_topics)))
        await self.profile_events(person_id, *events)

    # --- communities -------------------------------------------------------------------------

    async def community_events(
        self, community_id: str, *events: DomainEvent, actor: str = "system"
    ) -> None:
        """Publish events of a community's stream."""
        await self._publish(
            self._settings.communities_topic, f"community-{community_id}", events, actor=actor
        )

    async def community(
        self,
        owner: str,
        *,
        visibility: str = "open",
        members: Sequence[str] = (),
        managers: Sequence[str] = (),
        name: str | None = None,
    ) -> str:
        """A community created by ``owner`` with the given members; returns its id."""
        community_id = uuid.uuid4().hex
        events: list[DomainEvent] = [
            community_events.CommunityCreated(
                community_id=community_id,
                name=name or f"Community {community_id[:6]}",
                description="",
                tags=(),
                kind="interest",
                visibility=visibility,
                end_date=None,
                creator_id=owner,
            )
        ]
        for person_id in [*members, *managers]:
            events.append(community_events.MemberJoined(person_id=person_id))
        events.extend(
            community_events.MemberRoleChanged(person_id=person_id, role="manager")
            for person_id in managers
        )
        await self.community_events(community_id, *events, actor=owner)
        return community_id

    async def join(self, community_id: str, person_id: str) -> None:
        """The person joins the community."""
        await self.community_events(
            community_id, community_events.MemberJoined(person_id=person_id), actor=person_id
        )

    async def leave(self, community_id: str, person_id: str) -> None:
        """The person leaves the community."""
        await self.community_events(
            community_id, community_events.MemberLeft(person_id=person_id), actor=person_id
        )

    async def remove(self, community_id: str, person_id: str) -> None:
        """A manager removes the person from the community."""
        await self.community_events(
            community_id, community_events.MemberRemoved(person_id=person_id)
        )

    async def request_to_join(self, community_id: str, person_id: str) -> None:
        """The person asks to join a closed community."""
        await self.community_events(
            community_id, community_events.JoinRequested(person_id=person_id), actor=person_id
        )

    async def archive(self, community_id: str) -> None:
        """The community becomes read-only."""
        await self.community_events(
            community_id, community_events.CommunityArchived(reason="owners_decided")
        )


class FeedApi:
    """Calls the app as a given person, and waits for its projection to settle."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        identity: TestIdentityProvider,
        settings: FeedSettings,
        mongo: AsyncMongoClient[dict[str, Any]],
    ) -> None:
        self.client = client
        self.settings = settings
        self._identity = identity
        self._mongo = mongo

    @property
    def database(self) -> Any:
        """The feed's database (for assertions on stored events and documents)."""
        return self._mongo[self.settings.mongo_database]

    async def call(
        self,
        method: str,
        path: str,
        *,
        person: str,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request with ``person``'s bearer token."""
        return await self.client.request(
            method,
            path,
            json=json,
            params=params,
            headers={**self._identity.headers(person), **(headers or {})},
        )

    async def settled(self, timeout: float = SETTLE_TIMEOUT_SECONDS) -> None:
        """Wait until every accepted event is published and applied by the projection."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await self._outbox_drained() and await self._projection_caught_up():
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the feed did not settle within {timeout} s")

    async def _outbox_drained(self) -> bool:
        commits = self.database["event_commits"]
        return await commits.find_one({"published": False}) is None

    async def _projection_caught_up(self) -> bool:
        settings = self.settings
        topics = [
            settings.events_topic,
            settings.profiles_topic,
            settings.profile_cards_topic,
            settings.communities_topic,
        ]
        catalog = ProjectionCatalog(database=self.database)
        generation = await catalog.active_generation(settings.projection_prefix)
        group = consumer_group(settings.projection_prefix, generation)
        return await committed_to_end(settings.kafka_bootstrap_servers, group, topics)


@asynccontextmanager
async def running_feed(
    settings: FeedSettings, identity: TestIdentityProvider, clock: MovableClock
) -> AsyncIterator[tuple[FeedApi, Organisation]]:
    """The app with its lifespan entered and an organisation publishing to its topics; the
    database is dropped afterwards."""
    tracer_provider = TracerProvider()
    app = create_app(settings=settings, clock=clock, tracer_provider=tracer_provider)
    organisation = Organisation(settings)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_url.get_secret_value(), tz_aware=True
    )
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://test"
            ) as client,
        ):
            await organisation.start()
            try:
                yield FeedApi(client, identity, settings, mongo), organisation
            finally:
                await organisation.stop()
    finally:
        tracer_provider.shutdown()
        await mongo.drop_database(settings.mongo_database)
        await mongo.close()
