"""Running the search app against the real test stack, with an organisation around it.

Search learns everything from the profiles, cards, communities and feed topics.
``Organisation`` publishes those events, built from the producers' own event classes, to
per-test topics, exactly as the other services would. ``SearchApi.settled()`` waits until the
indexer's consumer group has committed every topic to its end (so every batch was flushed to
Elasticsearch) and refreshes the indices, so a test can assert that something is *not* found.
"""

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from elasticsearch import AsyncElasticsearch
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from pymongo import AsyncMongoClient

from agora.eventsourcing import DomainEvent
from agora.eventsourcing.topics import dead_letter_topic_name
from agora.feed.domain import events as feed_events
from agora.localinfra import InfraEndpoints
from agora.profiles.domain import events as profile_events
from agora.search.app import create_app
from agora.search.settings import SearchSettings
from agora.testing.identity import TestIdentityProvider
from tests.support.in_process import isolated_settings_values, running_in_process
from tests.support.service_api import (
    ServiceApi,
    projection_committed_to_end,
    wait_until_settled,
)
from tests.support.upstream_events import (
    CARD_ERASED,
    CARD_PUBLISHED,
    CommunitiesPublisher,
    card_envelope,
    community_founding,
)

SETTLE_TIMEOUT_SECONDS = 60.0


def fresh_settings(
    infra: InfraEndpoints, identity: TestIdentityProvider, **overrides: Any
) -> SearchSettings:
    """Settings with a database, topics, consumer groups and indices of their own."""
    suffix = uuid.uuid4().hex[:10]
    values: dict[str, Any] = {
        **isolated_settings_values(infra, identity, service="search", suffix=suffix),
        "elasticsearch_url": infra.elasticsearch_url,
        "feed_topic": f"agora.test{suffix}.feed.events",
        "projection_prefix": f"search_{suffix}",
        "index_prefix": f"test-{suffix}",
    }
    values.update(overrides)
    return SearchSettings(**values)


def new_id(prefix: str = "person") -> str:
    """A fresh id (stream ids allow letters, digits, ``_``, ``:`` and ``-``)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def content(text: str) -> feed_events.Content:
    """The content of a post or comment."""
    return feed_events.Content(text=text)


class Organisation(CommunitiesPublisher):
    """Publishes the profiles, cards, communities and feed events search consumes."""

    def __init__(self, settings: SearchSettings) -> None:
        super().__init__(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            client_id="test-organisation",
            communities_topic=settings.communities_topic,
        )
        self.settings = settings

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
        version = self.claim_version(f"profile-{person_id}")
        envelope = card_envelope(
            person_id, version, card_type=kind, schema_version=1 if erased else 2, data=data
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
        events = community_founding(
            community_id,
            owner,
            name=name or f"Community {community_id[:6]}",
            description=description,
            tags=tags,
            kind=kind,
            visibility=visibility,
            members=members,
        )
        await self.community_events(community_id, *events, actor=owner)
        return community_id

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


class SearchApi(ServiceApi[SearchSettings]):
    """Calls the app as a given person, and waits for its indexer to settle."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        identity: TestIdentityProvider,
        settings: SearchSettings,
        mongo: AsyncMongoClient[dict[str, Any]],
        elasticsearch: AsyncElasticsearch,
    ) -> None:
        super().__init__(client, identity, settings, mongo)
        self.elasticsearch = elasticsearch

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
        return consumed_topics(self.settings)

    async def settled(self, timeout: float = SETTLE_TIMEOUT_SECONDS) -> None:
        """Wait until every published event is applied and flushed, then refresh the indices."""
        await wait_until_settled(self.caught_up, timeout=timeout, what="search")
        await self.elasticsearch.indices.refresh(index=f"{self.settings.index_prefix}-*")

    async def caught_up(self) -> bool:
        """Whether the active generation's group committed every topic to its end."""
        return await projection_committed_to_end(
            self.database,
            bootstrap=self.settings.kafka_bootstrap_servers,
            projection=self.settings.projection_prefix,
            topics=self.topics(),
        )

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
    organisation = Organisation(settings)

    def build_app(tracer_provider: TracerProvider) -> FastAPI:
        extra = {"clock": clock} if clock is not None else {}
        return create_app(settings=settings, tracer_provider=tracer_provider, **extra)

    elasticsearch = AsyncElasticsearch([elasticsearch_url or str(settings.elasticsearch_url)])
    # The dead-letter topic too: a shared test broker holds every test's partitions.
    topics = [*consumed_topics(settings), dead_letter_topic_name(settings.projection_prefix)]
    try:
        async with running_in_process(
            settings, build_app, organisation, topics_to_delete=topics
        ) as running:
            yield (
                SearchApi(running.client, identity, settings, running.mongo, elasticsearch),
                organisation,
            )
    finally:
        await elasticsearch.indices.delete(index=f"{settings.index_prefix}-*", ignore=[404])
        await elasticsearch.close()


def consumed_topics(settings: SearchSettings) -> list[str]:
    """Every topic the indexer consumes."""
    return [
        settings.profiles_topic,
        settings.profile_cards_topic,
        settings.communities_topic,
        settings.feed_topic,
    ]


def days_ago(days: float) -> datetime:
    """A moment in the past."""
    return datetime.now(UTC) - timedelta(days=days)
