"""Running the metrics app against the real test stack, with a world of events around it.

The metrics service learns everything from the topics. ``World`` publishes the events of the
profiles, cards, communities, feed and gateway topics, built from the producers' own event
classes, at chosen times, exactly as the other services would. ``MetricsApi.settled()`` waits
until the projection has applied *and flushed* every partition to its end, so a test can
assert on figures, including that something is *not* counted.
"""

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from pymongo import AsyncMongoClient

from agora.eventsourcing import DomainEvent, EventEnvelope, ProjectionCatalog
from agora.eventsourcing.envelope import new_envelopes
from agora.eventsourcing.topics import dead_letter_topic_name, topic_partitions
from agora.feed.domain import events as feed_events
from agora.gateway.events import PersonActive
from agora.localinfra import InfraEndpoints
from agora.metrics.app import create_app
from agora.metrics.engine.journal import CURSOR_ID, Cursor
from agora.metrics.pipeline import BUCKETS, CONTROL, ENTITIES
from agora.metrics.settings import MetricsSettings
from agora.profiles.domain import cards as profile_cards
from agora.profiles.domain import events as profile_events
from agora.testing.identity import TestIdentityProvider
from tests.support.in_process import isolated_settings_values, running_in_process
from tests.support.service_api import ServiceApi, wait_until_settled
from tests.support.stream_publisher import StreamPublisher
from tests.support.upstream_events import community_founding

SETTLE_TIMEOUT_SECONDS = 60.0
TODAY = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
"""The service's "now" in these tests: events are placed in the weeks before."""
ANALYST = ("analyst",)

Document = dict[str, Any]


class FixedClock:
    """A clock that says ``TODAY`` unless moved."""

    def __init__(self, now: datetime = TODAY) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def at(day: date | str, hour: int = 10, minute: int = 0) -> datetime:
    """A moment of a day (UTC)."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def fresh_settings(
    infra: InfraEndpoints, identity: TestIdentityProvider, **overrides: Any
) -> MetricsSettings:
    """Settings with a database, topics and projection of their own."""
    suffix = uuid.uuid4().hex[:10]
    values: dict[str, Any] = {
        **isolated_settings_values(infra, identity, service="metrics", suffix=suffix),
        "feed_topic": f"agora.test{suffix}.feed.events",
        "gateway_topic": f"agora.test{suffix}.gateway.events",
        "projection_name": f"metrics_{suffix}",
        "topic_partitions": 2,
    }
    values.update(overrides)
    return MetricsSettings(**values)


def new_id(prefix: str) -> str:
    """A fresh id."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class World(StreamPublisher):
    """Publishes the upstream events the metrics service consumes, at chosen times."""

    def __init__(self, settings: MetricsSettings) -> None:
        super().__init__(bootstrap_servers=settings.kafka_bootstrap_servers, client_id="test-world")
        self.settings = settings
        self.text = "Un texte quelconque"
        """The text every post and comment carries (a test changes it to prove it is unread)."""

    # --- people ---------------------------------------------------------------------------------

    async def person(
        self,
        department: str | None = "R&D",
        *,
        registered: datetime | None = None,
        registered_on: date | None = None,
        title: str | None = "Engineer",
        photo: bool = False,
        location: str | None = None,
    ) -> str:
        """A new registered person with a public card, provisioned at ``registered`` (with an
        earlier ``registered_on`` if migrated); returns their id."""
        person_id = new_id("person")
        moment = registered or at("2026-09-01", 9)
        await self.provision(person_id, moment=moment, registered_on=registered_on)
        await self.card(
            person_id,
            department,
            title=title,
            photo=photo,
            location=location,
            moment=moment,
            edited=False,
        )
        return person_id

    async def provision(
        self, person_id: str, *, moment: datetime, registered_on: date | None = None
    ) -> None:
        """HR provisions the person (their profile stream's first event)."""
        provisioned = profile_events.PersonProvisioned(
            person_id=person_id, sealed="gAAAAA-sealed", registered_on=registered_on
        )
        await self.publish(
            self.settings.profiles_topic,
            f"profile-{person_id}",
            [provisioned],
            actor="hr",
            at=moment,
        )

    async def people(self, count: int, department: str | None = "R&D", **kwargs: Any) -> list[str]:
        """Several new people of one department."""
        return [await self.person(department, **kwargs) for _ in range(count)]

    async def card(
        self,
        person_id: str,
        department: str | None,
        *,
        title: str | None = "Engineer",
        photo: bool = False,
        location: str | None = None,
        moment: datetime | None = None,
        edited: bool = True,
        version: int | None = None,
    ) -> None:
        """Publish the person's public card, after a profile edit (as profiles does: a card
        carries the version of the profile stream it reflects); ``location`` is the one the
        person shows to everyone, if any. A ``version`` publishes it as of that version of the
        profile stream, even one not published yet (a card that overtakes its profile)."""
        moment = moment or at("2026-09-01", 9)
        stream_id = f"profile-{person_id}"
        if edited:
            await self.profile(
                person_id, profile_events.ProfileEdited(sealed="gAAAAA-edited"), moment=moment
            )
        if version is None:
            version = self.last_version(stream_id)
        card = profile_cards.PersonCardPublished(
            person_id=person_id,
            display_name="Camille Dupont",
            job_title=title,
            department=department,
            photo_url="https://photos.example.com/p.jpg" if photo else None,
            active=True,
            location=location,
            languages=[],
        )
        envelope = new_envelopes(
            source="/agora/profiles",
            stream_id=stream_id,
            first_version=version,
            events=[card],
            actor=None,
            command_id=None,
            traceparent=None,
            tracestate=None,
            now=moment,
        )[0]
        await self.send(self.settings.profile_cards_topic, envelope)

    async def profile(self, person_id: str, *events: DomainEvent, moment: datetime) -> None:
        """Events of the person's profile stream."""
        await self.publish(
            self.settings.profiles_topic,
            f"profile-{person_id}",
            events,
            actor=person_id,
            at=moment,
        )

    async def erase(self, person_id: str, *, moment: datetime) -> None:
        """The person's personal data is erased (profile event and card)."""
        await self.profile(person_id, profile_events.PersonErased(), moment=moment)
        stream_id = f"profile-{person_id}"
        version = self.last_version(stream_id)
        envelope = new_envelopes(
            source="/agora/profiles",
            stream_id=stream_id,
            first_version=version,
            events=[profile_cards.PersonCardErased(person_id=person_id)],
            actor=None,
            command_id=None,
            traceparent=None,
            tracestate=None,
            now=moment,
        )[0]
        await self.send(self.settings.profile_cards_topic, envelope)

    async def visit(self, person_id: str, day: date | str) -> EventEnvelope:
        """The gateway's once-a-day signal."""
        day = date.fromisoformat(day) if isinstance(day, str) else day
        envelopes = await self.publish(
            self.settings.gateway_topic,
            f"activity-{person_id}_{day:%Y%m%d}",
            [PersonActive(person_id=person_id, day=day)],
            actor=person_id,
            at=at(day, 8),
        )
        return envelopes[0]

    # --- communities ----------------------------------------------------------------------------

    async def community(
        self,
        owner: str,
        *,
        visibility: str = "open",
        kind: str = "interest",
        members: Sequence[str] = (),
        managers: Sequence[str] = (),
        moment: datetime | None = None,
    ) -> str:
        """A community created by ``owner`` with members and managers; returns its id."""
        community_id = uuid.uuid4().hex
        events = community_founding(
            community_id,
            owner,
            name="Communauté secrète des experts" if visibility == "secret" else "Kubernetes",
            description="Une description",
            kind=kind,
            visibility=visibility,
            members=members,
            managers=managers,
        )
        await self.community_events(community_id, *events, moment=moment or at("2026-09-01", 10))
        return community_id

    async def community_events(
        self, community_id: str, *events: DomainEvent, moment: datetime
    ) -> None:
        """Events of a community's stream."""
        await self.publish(
            self.settings.communities_topic,
            f"community-{community_id}",
            events,
            actor="someone",
            at=moment,
        )

    # --- conversations --------------------------------------------------------------------------

    async def post(
        self,
        author: str,
        community_id: str | None = None,
        *,
        moment: datetime,
        kind: str = "post",
        visibility: str = "open",
        tags: Sequence[str] = (),
        praise: Sequence[str] = (),
        skill: str | None = None,
        shared: str | None = None,
        published_at: datetime | None = None,
    ) -> str:
        """A post in a community (or on the author's profile); returns its id."""
        post_id = uuid.uuid4().hex
        place = (
            feed_events.Place(kind="community", id=community_id, visibility=visibility)
            if community_id is not None
            else feed_events.Place(kind="profile", id=author)
        )
        event = feed_events.PostPublished(
            post_id=post_id,
            author_id=author,
            place=place,
            kind=kind,
            content=feed_events.Content(text=self.text),
            tags=tuple(tags),
            praise=feed_events.Praise(person_ids=tuple(praise), skill=skill) if praise else None,
            shared_post_id=shared,
            published_at=published_at,
        )
        await self.conversation(post_id, event, actor=author, moment=moment)
        return post_id

    async def conversation(
        self, post_id: str, *events: DomainEvent, actor: str, moment: datetime
    ) -> list[EventEnvelope]:
        """Events of a post's stream."""
        return await self.publish(
            self.settings.feed_topic, f"post-{post_id}", events, actor=actor, at=moment
        )

    async def comment(
        self, post_id: str, author: str, *, moment: datetime, parent: str | None = None
    ) -> str:
        """A comment (or a reply to ``parent``); returns its id."""
        comment_id = uuid.uuid4().hex
        await self.conversation(
            post_id,
            feed_events.CommentAdded(
                comment_id=comment_id,
                author_id=author,
                content=feed_events.Content(text=self.text),
                parent_comment_id=parent,
            ),
            actor=author,
            moment=moment,
        )
        return comment_id

    async def react(
        self,
        post_id: str,
        person_id: str,
        *,
        moment: datetime,
        comment: str | None = None,
        reaction: str = "like",
    ) -> None:
        """A reaction to the post or one of its comments."""
        await self.conversation(
            post_id,
            feed_events.ReactionSet(
                person_id=person_id,
                reaction=reaction,
                comment_id=comment,
            ),
            actor=person_id,
            moment=moment,
        )

    async def accept(
        self, post_id: str, comment_id: str, answer_author: str, *, by: str, moment: datetime
    ) -> None:
        """The asker accepts an answer."""
        await self.conversation(
            post_id,
            feed_events.AnswerAccepted(
                comment_id=comment_id, answer_author_id=answer_author, accepted_by=by
            ),
            actor=by,
            moment=moment,
        )


class MetricsApi(ServiceApi[MetricsSettings]):
    """Calls the app as a given person, and waits for its projection to settle."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        identity: TestIdentityProvider,
        settings: MetricsSettings,
        mongo: AsyncMongoClient[Document],
        app: FastAPI,
    ) -> None:
        super().__init__(client, identity, settings, mongo)
        self.app = app

    async def get(
        self,
        path: str,
        *,
        person: str = "analyst-1",
        roles: tuple[str, ...] = (),
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One GET with ``person``'s bearer token."""
        return await self.client.get(
            path,
            params=params,
            headers={**self._identity.headers(person, roles=roles), **(headers or {})},
        )

    async def dashboard(
        self,
        path: str,
        *,
        person: str = "analyst-1",
        roles: Sequence[str] = ANALYST,
        **params: str,
    ) -> Document:
        """A dashboard's JSON body (asserting a 200); ``params`` are the query string."""
        response = await self.get(path, person=person, roles=tuple(roles), params=params)
        assert response.status_code == 200, response.text
        body: Document = response.json()
        return body

    async def generation(self) -> int:
        """The active generation of the read model."""
        catalog = ProjectionCatalog(database=self.database)
        return await catalog.active_generation(self.settings.projection_name)

    async def documents(self, generation: int | None = None) -> dict[str, dict[str, Document]]:
        """Every entity and bucket of a generation (the active one by default)."""
        generation = generation or await self.generation()
        catalog = ProjectionCatalog(database=self.database)
        found: dict[str, dict[str, Document]] = {}
        for part in (ENTITIES, BUCKETS):
            collection = catalog.collection(self.settings.projection_name, generation, part)
            found[part] = {doc["_id"]: doc async for doc in collection.find({})}
        return found

    async def settled(self, timeout: float = SETTLE_TIMEOUT_SECONDS) -> None:
        """Wait until every published event is applied and flushed."""
        partitions = await topic_partitions(
            bootstrap_servers=self.settings.kafka_bootstrap_servers, topics=self.settings.topics
        )
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.settings.kafka_bootstrap_servers, group_id=None
        )
        await consumer.start()
        try:
            ends = await consumer.end_offsets(partitions)
        finally:
            await consumer.stop()

        async def applied_to_ends() -> bool:
            cursor = await self._cursor()
            return all(
                cursor.positions.get((tp.topic, tp.partition), 0) >= end
                for tp, end in ends.items()
                if end
            )

        await wait_until_settled(applied_to_ends, timeout=timeout, what="the metrics projection")

    async def _cursor(self) -> Cursor:
        catalog = ProjectionCatalog(database=self.database)
        control = catalog.collection(
            self.settings.projection_name, await self.generation(), CONTROL
        )
        return Cursor.from_document(await control.find_one({"_id": CURSOR_ID}))


@asynccontextmanager
async def running_metrics(
    settings: MetricsSettings, identity: TestIdentityProvider, clock: FixedClock | None = None
) -> AsyncIterator[tuple[MetricsApi, World]]:
    """The app with its lifespan entered and a world publishing to its topics; the database is
    dropped afterwards."""
    world = World(settings)

    def build_app(tracer_provider: TracerProvider) -> FastAPI:
        return create_app(
            settings=settings, clock=clock or FixedClock(), tracer_provider=tracer_provider
        )

    topics = [*settings.topics, dead_letter_topic_name(settings.projection_name)]
    async with running_in_process(settings, build_app, world, topics_to_delete=topics) as running:
        yield MetricsApi(running.client, identity, settings, running.mongo, running.app), world


def values(body: Document, group: str | None = None) -> dict[str, list[Any]]:
    """A dashboard's values by indicator, period after period, for one group (the first)."""
    groups = body["groups"]
    chosen = groups[0] if group is None else next(g for g in groups if g["group"] == group)
    return {
        name: [period["values"][name] for period in chosen["periods"]]
        for name in body["indicators"]
    }


async def topic_records(
    settings: MetricsSettings, topics: Sequence[str] | None = None
) -> list[tuple[str, bytes | None, bytes]]:
    """Every record of the consumed topics (topic, key, value), partition by partition."""
    partitions = await topic_partitions(
        bootstrap_servers=settings.kafka_bootstrap_servers, topics=topics or settings.topics
    )
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, group_id=None)
    await consumer.start()
    records: list[tuple[str, bytes | None, bytes]] = []
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        for partition in partitions:
            while await consumer.position(partition) < ends[partition]:
                batch = await consumer.getmany(partition, timeout_ms=1000)
                records.extend(
                    (record.topic, record.key, record.value or b"")
                    for record in batch.get(partition, [])
                )
    finally:
        await consumer.stop()
    return records


def normalised(documents: dict[str, dict[str, Document]]) -> dict[str, dict[str, Any]]:
    """Documents compared as content: no flush numbers, no zero counters or empty containers,
    lists as multisets (their order follows arrival across partitions)."""
    return {
        part: {
            doc_id: cleaned
            for doc_id, doc in docs.items()
            if (cleaned := _normalise({k: v for k, v in doc.items() if k != "_seq"})) is not None
        }
        for part, docs in documents.items()
    }


def differing(
    left: dict[str, dict[str, Document]], right: dict[str, dict[str, Document]]
) -> list[str]:
    """The ids of the documents that differ once normalised (for assertion messages)."""
    first, second = normalised(left), normalised(right)
    return [
        f"{part}/{doc_id}"
        for part in sorted(set(first) | set(second))
        for doc_id in sorted(set(first.get(part, {})) | set(second.get(part, {})))
        if first.get(part, {}).get(doc_id) != second.get(part, {}).get(doc_id)
    ]


def _normalise(value: Any) -> Any:
    if isinstance(value, dict):
        items = {key: _normalise(item) for key, item in value.items()}
        kept = {key: item for key, item in items.items() if item is not None}
        return kept or None
    if isinstance(value, list):
        entries = [_normalise(item) for item in value]
        return sorted(entries, key=repr) or None
    if isinstance(value, int | float) and not isinstance(value, bool) and value == 0:
        return None
    return value
