"""The events the bench publishes as the other services (and the feed's relay) would.

People and communities reach the feed only as events of the profiles and communities services;
the bench builds them from those services' own event classes and publishes them to the run's
topics. Preloaded posts are ``PostPublished`` envelopes put on the feed's topic, as the feed's
outbox relay puts them there after a ``POST /posts``.
"""

import asyncio
import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from aiokafka.structs import RecordMetadata

from agora.communities.domain import events as community_events
from agora.eventsourcing import DomainEvent, EventEnvelope
from agora.eventsourcing.envelope import dataschema_uri, new_envelopes
from agora.feed.domain.events import (
    CommunityVisibility,
    Content,
    Place,
    PlaceKind,
    PostKind,
    PostPublished,
)
from agora.feed.settings import FeedSettings
from agora.profiles.domain import events as profile_events
from bench.feed.organisation import TOPICS, Community, Organisation, Person

CARD_PUBLISHED = "agora.profiles.person_card_published"
FEED_SOURCE = "/agora/feed"
SEND_WINDOW = 5_000
"""Sends in flight before their acknowledgements are gathered."""
TAGS = ("release", "planning", "incident", "hiring", "demo", "rfc", "kudos", "howto")
_SENTENCES = (
    "The platform team moved the build cache to the new cluster this morning.",
    "Support hours change next week; the rota is in the usual place.",
    "Design review for the onboarding flow is on Thursday, comments welcome.",
    "We shipped the new export; feedback from the pilot customers is very positive.",
    "Does anyone have experience with {topic} at our scale?",
    "Notes from today's {topic} guild meeting are below.",
    "Looking for reviewers for the {topic} proposal before Friday.",
)


@dataclass(frozen=True)
class Message:
    """One Kafka message: its topic, key (the stream id) and value (the envelope's JSON)."""

    topic: str
    key: bytes
    value: bytes


def _messages(topic: str, envelopes: Iterable[EventEnvelope]) -> Iterator[Message]:
    for envelope in envelopes:
        yield Message(topic, envelope.streamid.encode(), envelope.to_json_bytes())


def card(person: Person) -> EventEnvelope:
    """The person's public card, as profiles publishes it on its compacted cards topic."""
    stream_id = f"profile-{person.person_id}"
    return EventEnvelope(
        id=str(uuid.uuid4()),
        source="/agora/profiles",
        type=CARD_PUBLISHED,
        subject=stream_id,
        time=datetime.now(UTC),
        dataschema=dataschema_uri(CARD_PUBLISHED, 1),
        data={
            "person_id": person.person_id,
            "display_name": person.display_name,
            "job_title": "Engineer",
            "department": person.department,
            "photo_url": None,
            "active": True,
        },
        streamid=stream_id,
        streamversion=1,
        schemaversion=1,
        actor=person.person_id,
    )


def profile_stream(person: Person, followees: list[str]) -> list[EventEnvelope]:
    """The person's profile events the feed consumes: follows, then skills."""
    events: list[DomainEvent] = [
        profile_events.PersonFollowed(followee_id=followee) for followee in followees
    ]
    events += [profile_events.SkillAdded(skill=skill, level=3) for skill in person.skills]
    if not events:
        return []
    return new_envelopes(
        source="/agora/profiles",
        stream_id=f"profile-{person.person_id}",
        first_version=1,
        events=events,
        actor=person.person_id,
        command_id=None,
        traceparent=None,
        tracestate=None,
    )


def community_stream(community: Community) -> list[EventEnvelope]:
    """A community's creation, its members joining, and its managers named."""
    owner = community.members[0]
    events: list[DomainEvent] = [
        community_events.CommunityCreated(
            community_id=community.community_id,
            name=community.name,
            description="",
            tags=(),
            kind="interest",
            visibility=community.visibility,
            end_date=None,
            creator_id=owner,
        )
    ]
    events += [community_events.MemberJoined(person_id=member) for member in community.members[1:]]
    events += [
        community_events.MemberRoleChanged(person_id=manager, role="manager")
        for manager in community.managers
        if manager != owner
    ]
    return new_envelopes(
        source="/agora/communities",
        stream_id=f"community-{community.community_id}",
        first_version=1,
        events=events,
        actor=owner,
        command_id=None,
        traceparent=None,
        tracestate=None,
    )


def fact_messages(organisation: Organisation, settings: FeedSettings) -> Iterator[Message]:
    """Every upstream event of the organisation, communities first, then cards and profiles."""
    for community in organisation.communities:
        yield from _messages(settings.communities_topic, community_stream(community))
    for person in organisation.people:
        yield from _messages(settings.profile_cards_topic, [card(person)])
    for person in organisation.people:
        followees = organisation.following[person.person_id]
        yield from _messages(settings.profiles_topic, profile_stream(person, followees))


@dataclass(frozen=True)
class PostSpec:
    """A post someone makes: its author, place and content (the same for the same seed)."""

    author_id: str
    place_kind: PlaceKind
    place_id: str | None
    visibility: CommunityVisibility
    kind: PostKind
    text: str
    tags: tuple[str, ...]
    mentions: tuple[str, ...]

    def request_body(self) -> dict[str, object]:
        """The ``POST /posts`` body."""
        place: dict[str, object] = {"kind": self.place_kind}
        if self.place_id is not None:
            place["id"] = self.place_id
        return {
            "place": place,
            "kind": self.kind,
            "text": self.text,
            "tags": list(self.tags),
            "mentions": list(self.mentions),
        }


class PostMaker:
    """Draws realistic posts: community posts by members (communities weighted by the square
    root of their size) and profile posts, a few questions, tags and mentions."""

    def __init__(self, organisation: Organisation, rng: random.Random) -> None:
        self._organisation = organisation
        self._rng = rng
        self._ids = organisation.person_ids
        self._communities = organisation.communities
        self._weights = [community.size**0.5 for community in self._communities]

    def community_post(self, community: Community) -> PostSpec:
        """A post by a random member of ``community``."""
        author = self._rng.choice(community.members)
        return self._post(author, "community", community.community_id, community.visibility)

    def profile_post(self, author: str | None = None) -> PostSpec:
        """A post on its author's profile (a random person when not given)."""
        return self._post(author or self._rng.choice(self._ids), "profile", None, "open")

    def any_post(self) -> PostSpec:
        """Two posts in three go to a community, the others to their author's profile."""
        if self._rng.random() < 2 / 3:
            community = self._rng.choices(self._communities, weights=self._weights)[0]
            return self.community_post(community)
        return self.profile_post()

    def _post(
        self,
        author: str,
        place_kind: PlaceKind,
        place_id: str | None,
        visibility: CommunityVisibility,
    ) -> PostSpec:
        rng = self._rng
        topic = rng.choice(TOPICS)
        question = rng.random() < 0.1
        text = " ".join(sentence.format(topic=topic) for sentence in rng.sample(_SENTENCES, k=2))
        if question:
            text = f"How do you handle {topic} in your team? {text}"
        mentions: tuple[str, ...] = ()
        if rng.random() < 0.1:
            mentions = (rng.choice(self._ids),)
        tags = tuple(rng.sample(TAGS, k=rng.choice((0, 1, 1, 2))))
        return PostSpec(
            author_id=author,
            place_kind=place_kind,
            place_id=place_id,
            visibility=visibility,
            kind="question" if question else "post",
            text=text,
            tags=tags,
            mentions=mentions,
        )


def post_envelope(spec: PostSpec, post_id: str) -> EventEnvelope:
    """The ``PostPublished`` envelope the feed's relay would publish for the post."""
    place_id = spec.place_id if spec.place_id is not None else spec.author_id
    event = PostPublished(
        post_id=post_id,
        author_id=spec.author_id,
        place=Place(kind=spec.place_kind, id=place_id, visibility=spec.visibility),
        kind=spec.kind,
        content=Content(text=spec.text, mentions=spec.mentions),
        tags=spec.tags,
    )
    (envelope,) = new_envelopes(
        source=FEED_SOURCE,
        stream_id=f"post-{post_id}",
        first_version=1,
        events=[event],
        actor=spec.author_id,
        command_id=None,
        traceparent=None,
        tracestate=None,
    )
    return envelope


def post_message(spec: PostSpec, post_id: str, topic: str) -> Message:
    """The Kafka message of one preloaded post."""
    envelope = post_envelope(spec, post_id)
    return Message(topic, envelope.streamid.encode(), envelope.to_json_bytes())


async def send_all(producer: AIOKafkaProducer, messages: Iterable[Message]) -> int:
    """Send every message with many in flight (gathering every ``SEND_WINDOW``); returns how
    many were sent once all are acknowledged."""
    sent = 0
    window: list[asyncio.Future[RecordMetadata]] = []
    for message in messages:
        window.append(await producer.send(message.topic, value=message.value, key=message.key))
        sent += 1
        if len(window) >= SEND_WINDOW:
            await asyncio.gather(*window)
            window = []
    await asyncio.gather(*window)
    return sent
