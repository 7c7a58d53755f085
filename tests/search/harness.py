"""Running the search app against the real test stack, with an organisation around it.

Search learns everything from the profiles, cards, communities and feed topics.
``Organisation`` publishes those events, built from the producers' own event classes, to
per-test topics, exactly as the other services would. ``SearchApi.settled()`` waits until the
indexer's consumer group has committed every topic to its end (so every batch was flushed to
Elasticsearch) and refreshes the indices, so a test can assert that something is *not* found.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from aiokafka.admin import AIOKafkaAdminClient
from elasticsearch import AsyncElasticsearch
from opentelemetry.sdk.trace import TracerProvider
from pymongo import AsyncMongoClient

from agora.communities.domain import events as community_events
from agora.eventsourcing import DomainEvent, EventEnvelope, ProjectionCatalog
from agora.eventsourcing.envelope import dataschema_uri, new_envelopes
from agora.eventsourcing.kafka import create_producer
from agora.eventsourcing.runner import consumer_group
from agora.eventsourcing.topics import dead_letter_topic_name
from agora.feed.domain import events as feed_events
from agora.localinfra import InfraEndpoints
from agora.profiles.domain import events as profile_events
from agora.search.app import create_app
from agora.search.settings import SearchSettings
from agora.testing.identity import TestIdentityProvider
from tests.support.kafka_reading import committed_to_end

CARD_PUBLISHED = "agora.profiles.person_card_published"
CARD_ERASED = "agora.profiles.person_card_erased"
SETTLE_TIMEOUT_SECONDS = 60.0


def fresh_settings(
    infra: InfraEndpoints, identity: TestIdentityProvider, **overrides: Any
) -> SearchSettings:
    """Settings with a database, topics, consumer groups and indices of their own."""
    suffix = uuid.uuid4().hex[:10]
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": infra.kafka_bootstrap,
        "mongo_url": infra.mongo_url,
        "elasticsearch_url": infra.elasticsearch_url,
        "mongo_database": f"test_search_{suffix}",
        "profiles_topic": f"agora.test{suffix}.profiles.events",
        "profile_cards_topic": f"agora.test{suffix}.profiles.cards",
        "communities_topic": f"agora.test{suffix}.communities.events",
        "feed_topic": f"agora.test{suffix}.feed.events",
        "projection_prefix": f"search_{suffix}",
        "index_prefix": f"test-{suffix}",
        **identity.auth_settings(),
    }
    values.update(overrides)
    return SearchSettings(**values)


def new_id(prefix: str = "person") -> str:
    """A fresh id (stream ids allow letters, digits, ``_``, ``:`` and ``-``)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def content(text: str) -> feed_events.Content:
    """The content of a post or comment."""
    return feed_events.Content(text=text)


class Organisation:
    """Publishes the profiles, cards, communities and feed events search consumes."""

    def __init__(self, settings: SearchSettings) -> None:
        self.settings = settings
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

    async def publish(
        self,
        topic: str,
        stream_id: str,
        events: Sequence[DomainEvent],
        *,
        actor: str = "system",
        at: datetime | None = None,
    ) -> list[EventEnvelope]:
        """Publish events of one stream, numbered after the stream's last version."""
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
            now=at,
        )
        self._versions[stream_id] = first + len(envelopes) - 1
        for envelope in envelopes:
            await self.send(topic, envelope)
        return envelopes

    async def send(self, topic: str, envelope: EventEnvelope, *, key: str | None = None) -> None:
        """Send one envelope as is (a redelivery, say)."""
        await self._producer.send_and_wait(
            topic, value=envelope.to_json_bytes(), key=(key or envelope.streamid).encode()
        )

    # --- people ------------------------------------------------------------------------------

    async def person(
        self,
        display_name: str | None = None,
        *,
        department: str = "R&D",
        location: str | None = None,
        languages: Sequence[str] = (),
        skills: dict[str, int] | None = None,
        help_topics: Sequence[str] = (),
        interests: Sequence[str] = (),
    ) -> str:
        """A new person with a public card and the given expertise; returns their id."""
        person_id = new_id()
        await self.card(
            person_id,
            display_name or f"Person {person_id[-4:]}",
            department=department,
            location=location,
            languages=languages,
        )
        events: list[DomainEvent] = [
            profile_events.SkillAdded(skill=skill, level=level)
            for skill, level in (skills or {}).items()
        ]
        if help_topics:
            events.append(profile_events.HelpTopicsSet(topics=list(help_topics)))
        if interests:
            events.append(profile_events.InterestsSet(topics=list(interests)))
        if events:
            await self.profile(person_id, *events)
        return person_id

    async def card(
        self,
        person_id: str,
        display_name: str,
        *,
        department: str = "R&D",
        location: str | None = None,
        languages: Sequence[str] = (),
        active: bool = True,
        erased: bool = False,
    ) -> None:
        """Publish the person's public card (as profiles does on its cards topic: version 2
        of a published card, with the location and languages shown to everyone)."""
        stream_id = f"profile-{person_id}"
        version = self._versions.get(stream_id, 0) + 1
        self._versions[stream_id] = version
        kind = CARD_ERASED if erased else CARD_PUBLISHED
        data: dict[str, Any] = {"person_id": person_id}
        if not erased:
            data |= {
                "display_name": display_name,
                "job_title": "Engineer",
                "department": department,
                "photo_url": None,
                "active": active,
                "location": location,
                "languages": list(languages),
            }
        schema_version = 1 if erased else 2
        envelope = EventEnvelope(
            id=str(uuid.uuid4()),
            source="/agora/profiles",
            type=kind,
            subject=stream_id,
            time=datetime.now(UTC),
            dataschema=dataschema_uri(kind, schema_version),
            data=data,
            streamid=stream_id,
            streamversion=version,
            schemaversion=schema_version,
            actor=person_id,
        )
        await self.send(self.settings.profile_cards_topic, envelope, key=person_id)

    async def profile(self, person_id: str, *events: DomainEvent) -> None:
        """Publish events of the person's profile stream."""
        await self.publish(
            self.settings.profiles_topic, f"profile-{person_id}", events, actor=person_id
        )

    async def endorse(self, endorser: str, person_id: str, skill: str) -> None:
        """``endorser`` endorses ``person_id``'s skill."""
        await self.profile(
            person_id, profile_events.EndorsementGiven(skill=skill, endorser_id=endorser)
        )

    async def erase(self, person_id: str) -> None:
        """Erase the person (the event, then the erased card, as profiles does)."""
        await self.profile(person_id, profile_events.PersonErased())
        await self.card(person_id, "", erased=True)

    # --- communities -------------------------------------------------------------------------

    async def community_events(
        self, community_id: str, *events: DomainEvent, actor: str = "system"
    ) -> None:
        """Publish events of a community's stream."""
        await self.publish(
            self.settings.communities_topic, f"community-{community_id}", events, actor=actor
        )

    async def community(
        self,
        owner: str,
        *,
        visibility: str = "open",
        members: Sequence[str] = (),
        name: str | None = None,
        description: str = "",
        tags: Sequence[str] = (),
        kind: str = "interest",
    ) -> str:
        """A community created by ``owner`` with the given members; returns its id."""
        community_id = uuid.uuid4().hex
        events: list[DomainEvent] = [
            community_events.CommunityCreated(
                community_id=community_id,
                name=name or f"Community {community_id[:6]}",
                description=description,
                tags=tuple(tags),
                kind=kind,
                visibility=visibility,
                end_date=None,
                creator_id=owner,
            )
        ]
        events += [community_events.MemberJoined(person_id=person) for person in members]
        await self.community_events(community_id, *events, actor=owner)
        return community_id

    async def join(self, community_id: str, person_id: str) -> None:
        """The person joins the community."""
        await self.community_events(
            community_id, community_events.MemberJoined(person_id=person_id), actor=person_id
        )

    async def remove(self, community_id: str, person_id: str) -> None:
        """A manager removes the person from the community."""
        await self.community_events(
            community_id, community_events.MemberRemoved(person_id=person_id)
        )

    # --- feed --------------------------------------------------------------------------------

    async def post_events(self, post_id: str, *events: DomainEvent, actor: str = "system") -> None:
        """Publish events of a post's stream."""
        await self.publish(self.settings.feed_topic, f"post-{post_id}", events, actor=actor)

    async def post(
        self,
        author: str,
        text: str,
        *,
        community: str | None = None,
        visibility: str = "open",
        kind: str = "post",
        tags: Sequence[str] = (),
        work_item: feed_events.WorkItem | None = None,
        praise: feed_events.Praise | None = None,
        at: datetime | None = None,
    ) -> str:
        """Publish a post (in a community, or on the author's profile); returns its id."""
        post_id = uuid.uuid4().hex
        place = (
            feed_events.Place(kind="community", id=community, visibility=visibility)
            if community
            else feed_events.Place(kind="profile", id=author)
        )
        event = feed_events.PostPublished(
            post_id=post_id,
            author_id=author,
            place=place,
            kind=kind,
            content=content(text),
            tags=tuple(tags),
            work_item=work_item,
            praise=praise,
        )
        await self.publish(
            self.settings.feed_topic, f"post-{post_id}", [event], actor=author, at=at
        )
        return post_id

    async def comment(
        self,
        post_id: str,
        author: str,
        text: str,
        *,
        parent: str | None = None,
        at: datetime | None = None,
    ) -> str:
        """Comment on a post (an answer, on a question); returns the comment's id."""
        comment_id = uuid.uuid4().hex
        event = feed_events.CommentAdded(
            comment_id=comment_id,
            author_id=author,
            content=content(text),
            parent_comment_id=parent,
        )
        await self.publish(
            self.settings.feed_topic, f"post-{post_id}", [event], actor=author, at=at
        )
        return comment_id

    async def accept(
        self,
        post_id: str,
        comment_id: str,
        answer_author: str,
        by: str,
        *,
        at: datetime | None = None,
    ) -> None:
        """The asker accepts a comment as the answer."""
        event = feed_events.AnswerAccepted(
            comment_id=comment_id, answer_author_id=answer_author, accepted_by=by
        )
        await self.publish(self.settings.feed_topic, f"post-{post_id}", [event], actor=by, at=at)

    async def answered_question(
        self,
        asker: str,
        answerer: str,
        topic: str,
        *,
        community: str | None = None,
        visibility: str = "open",
        accepted: bool = True,
        at: datetime | None = None,
    ) -> str:
        """A question on ``topic`` answered by ``answerer`` (accepted or not); its id."""
        question = await self.post(
            asker,
            f"How do we handle {topic} in production?",
            community=community,
            visibility=visibility,
            kind="question",
            tags=[topic],
            at=at,
        )
        answer = await self.comment(question, answerer, f"Here is how we do {topic}.", at=at)
        if accepted:
            await self.accept(question, answer, answerer, asker, at=at)
        return question


class SearchApi:
    """Calls the app as a given person, and waits for its indexer to settle."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        identity: TestIdentityProvider,
        settings: SearchSettings,
        mongo: AsyncMongoClient[dict[str, Any]],
        elasticsearch: AsyncElasticsearch,
    ) -> None:
        self.client = client
        self.settings = settings
        self.elasticsearch = elasticsearch
        self._identity = identity
        self._mongo = mongo

    @property
    def database(self) -> Any:
        """The service's database (for assertions on the side model)."""
        return self._mongo[self.settings.mongo_database]

    async def get(self, path: str, *, person: str, **params: Any) -> httpx.Response:
        """``GET`` as ``person``."""
        return await self.client.get(path, params=params, headers=self._identity.headers(person))

    async def ok(self, path: str, *, person: str, **params: Any) -> Any:
        """``GET`` as ``person``; the JSON body of a 200."""
        response = await self.get(path, person=person, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def topics(self) -> list[str]:
        """Every topic the indexer consumes."""
        settings = self.settings
        return [
            settings.profiles_topic,
            settings.profile_cards_topic,
            settings.communities_topic,
            settings.feed_topic,
        ]

    async def settled(self, timeout: float = SETTLE_TIMEOUT_SECONDS) -> None:
        """Wait until every published event is applied and flushed, then refresh the indices."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await self.caught_up():
                await self.elasticsearch.indices.refresh(index=f"{self.settings.index_prefix}-*")
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"search did not settle within {timeout} s")

    async def caught_up(self) -> bool:
        """Whether the active generation's group committed every topic to its end."""
        topics = self.topics()
        catalog = ProjectionCatalog(database=self.database)
        generation = await catalog.active_generation(self.settings.projection_prefix)
        group = consumer_group(self.settings.projection_prefix, generation)
        return await committed_to_end(self.settings.kafka_bootstrap_servers, group, topics)

    async def documents(self, kind: str) -> dict[str, dict[str, Any]]:
        """Every document behind an alias: ``_source`` and ``_version`` by id."""
        alias = f"{self.settings.index_prefix}-{kind}"
        await self.elasticsearch.indices.refresh(index=alias)
        response = await self.elasticsearch.search(
            index=alias, body={"query": {"match_all": {}}, "size": 10_000, "version": True}
        )
        return {
            hit["_id"]: {"source": hit["_source"], "version": hit["_version"]}
            for hit in response["hits"]["hits"]
        }


@asynccontextmanager
async def running_search(
    settings: SearchSettings,
    identity: TestIdentityProvider,
    *,
    clock: Any = None,
    elasticsearch_url: str | None = None,
) -> AsyncIterator[tuple[SearchApi, Organisation]]:
    """The app with its lifespan entered and an organisation publishing to its topics; the
    database and the indices are dropped afterwards. The harness reaches Elasticsearch at
    ``elasticsearch_url`` (default: where the app does)."""
    tracer_provider = TracerProvider()
    extra = {"clock": clock} if clock is not None else {}
    app = create_app(settings=settings, tracer_provider=tracer_provider, **extra)
    organisation = Organisation(settings)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_url.get_secret_value(), tz_aware=True
    )
    elasticsearch = AsyncElasticsearch([elasticsearch_url or str(settings.elasticsearch_url)])
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://test"
            ) as client,
        ):
            await organisation.start()
            try:
                yield SearchApi(client, identity, settings, mongo, elasticsearch), organisation
            finally:
                await organisation.stop()
    finally:
        tracer_provider.shutdown()
        await elasticsearch.indices.delete(index=f"{settings.index_prefix}-*", ignore=[404])
        await elasticsearch.close()
        await mongo.drop_database(settings.mongo_database)
        await mongo.close()
        await delete_topics(settings)


async def delete_topics(settings: SearchSettings) -> None:
    """Delete the module's topics: a shared test broker holds every test's partitions."""
    topics = [
        settings.profiles_topic,
        settings.profile_cards_topic,
        settings.communities_topic,
        settings.feed_topic,
        dead_letter_topic_name(settings.projection_prefix),
    ]
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        doomed = [topic for topic in topics if topic in existing]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()


def days_ago(days: float) -> datetime:
    """A moment in the past."""
    return datetime.now(UTC) - timedelta(days=days)
