"""Running the feed app against the real test stack, with an organisation around it.

The feed learns people, follows, communities and memberships only from the profiles and
communities topics. ``Organisation`` publishes those events, built from the producers' own event
classes, to per-test topics, exactly as the other services would. ``FeedApi.settled()`` waits
until the outbox is drained and the projection has consumed every topic to its end, so a test
can assert that something is *not* visible.
"""

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from agora.communities.domain import events as community_events
from agora.eventsourcing import DomainEvent
from agora.feed.app import create_app
from agora.feed.settings import FeedSettings
from agora.localinfra import InfraEndpoints
from agora.profiles.domain import events as profile_events
from agora.testing.identity import TestIdentityProvider
from tests.support.in_process import isolated_settings_values, running_in_process
from tests.support.service_api import (
    ServiceApi,
    projection_committed_to_end,
    wait_until_settled,
)
from tests.support.upstream_events import (
    CARD_PUBLISHED,
    CommunitiesPublisher,
    card_envelope,
    community_founding,
)

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
        **isolated_settings_values(infra, identity, service="feed", suffix=suffix),
        "events_topic": f"agora.test{suffix}.feed.events",
        "projection_prefix": f"feed_{suffix}",
    }
    values.update(overrides)
    return FeedSettings(**values)


def new_id(prefix: str = "person") -> str:
    """A fresh id."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class Organisation(CommunitiesPublisher):
    """Publishes the profiles and communities events the feed consumes."""

    def __init__(self, settings: FeedSettings) -> None:
        super().__init__(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            client_id="test-organisation",
            communities_topic=settings.communities_topic,
        )
        self._settings = settings

    # --- people ------------------------------------------------------------------------------

    async def person(self, display_name: str | None = None, *, active: bool = True) -> str:
        """A new person with a public card; returns their id."""
        person_id = new_id()
        await self.card(person_id, display_name or f"Person {person_id[-4:]}", active=active)
        return person_id

    async def card(self, person_id: str, display_name: str, *, active: bool = True) -> None:
        """Publish the person's public card (as profiles does on its cards topic)."""
        data = {
            "person_id": person_id,
            "display_name": display_name,
            "job_title": "Engineer",
            "department": "R&D",
            "photo_url": None,
            "active": active,
        }
        version = self.claim_version(f"profile-{person_id}")
        envelope = card_envelope(
            person_id, version, card_type=CARD_PUBLISHED, schema_version=1, data=data
        )
        await self.send(self._settings.profile_cards_topic, envelope)

    async def profile_events(self, person_id: str, *events: DomainEvent) -> None:
        """Publish events of the person's profile stream."""
        await self.publish(
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
        events = community_founding(
            community_id,
            owner,
            name=name or f"Community {community_id[:6]}",
            description="",
            visibility=visibility,
            members=members,
            managers=managers,
        )
        await self.community_events(community_id, *events, actor=owner)
        return community_id

    async def leave(self, community_id: str, person_id: str) -> None:
        """The person leaves the community."""
        await self.community_events(
            community_id, community_events.MemberLeft(person_id=person_id), actor=person_id
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


class FeedApi(ServiceApi[FeedSettings]):
    """Calls the app as a given person, and waits for its projection to settle."""

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

        async def caught_up() -> bool:
            return await self._outbox_drained() and await self._projection_caught_up()

        await wait_until_settled(caught_up, timeout=timeout, what="the feed")

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
        return await projection_committed_to_end(
            self.database,
            bootstrap=settings.kafka_bootstrap_servers,
            projection=settings.projection_prefix,
            topics=topics,
        )


@asynccontextmanager
async def running_feed(
    settings: FeedSettings, identity: TestIdentityProvider, clock: MovableClock
) -> AsyncIterator[tuple[FeedApi, Organisation]]:
    """The app with its lifespan entered and an organisation publishing to its topics; the
    database is dropped afterwards."""
    organisation = Organisation(settings)

    def build_app(tracer_provider: TracerProvider) -> FastAPI:
        return create_app(settings=settings, clock=clock, tracer_provider=tracer_provider)

    async with running_in_process(settings, build_app, organisation) as running:
        yield FeedApi(running.client, identity, settings, running.mongo), organisation
