"""A year of an organisation's events, generated straight onto the consumed topics.

People are provisioned and get a card (departments of Zipf-like sizes) on the first day;
communities (open, closed, secret) are created with their members; then every working day
each person visits with their own probability, and some visits come with a post (a fifth are
questions) that gets comments, reactions and, for questions, an accepted answer. Events carry
texts like the real ones (the metrics never read them) and are sent with every send in flight.
"""

import asyncio
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer

from bench.metrics.config import MetricsBenchConfig

SEND_WINDOW = 5000
TEXT = (
    "Retour d'expérience sur la migration : la procédure documentée fonctionne, mais il faut "
    "penser à renouveler les certificats avant de basculer le trafic. Détails dans le ticket."
)


@dataclass(frozen=True)
class Topics:
    """The five consumed topics of one run."""

    profiles: str
    cards: str
    communities: str
    feed: str
    gateway: str


@dataclass
class Sizes:
    """How many events and bytes went to each topic."""

    events: dict[str, int] = field(default_factory=dict)
    byte_counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, value: bytes) -> None:
        """Count one event."""
        self.events[kind] = self.events.get(kind, 0) + 1
        self.byte_counts[kind] = self.byte_counts.get(kind, 0) + len(value)

    @property
    def total_events(self) -> int:
        """Every event sent."""
        return sum(self.events.values())


def envelope(
    *,
    event_type: str,
    stream_id: str,
    version: int,
    moment: datetime,
    data: dict[str, Any],
    actor: str | None,
) -> bytes:
    """A CloudEvents envelope as the outbox relay publishes it."""
    body = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/agora/bench",
        "type": event_type,
        "subject": stream_id,
        "time": moment.isoformat(),
        "datacontenttype": "application/json",
        "dataschema": f"urn:agora:event:{event_type}:v1",
        "data": data,
        "streamid": stream_id,
        "streamversion": version,
        "schemaversion": 1,
    }
    if actor is not None:
        body["actor"] = actor
    return json.dumps(body, separators=(",", ":")).encode()


class Year:
    """Generates the run's events in time order: (kind, topic, key, value)."""

    def __init__(self, config: MetricsBenchConfig, topics: Topics) -> None:
        self.config = config
        self.topics = topics
        self._rng = random.Random(config.seed)
        self.people = [f"p{index:06d}" for index in range(config.people)]
        self.communities: list[tuple[str, str, list[str]]] = []
        """(id, visibility, members)."""
        self._places: dict[str, list[tuple[str, str]]] = {}
        self._versions: dict[str, int] = {}

    def _next(self, stream_id: str) -> int:
        version = self._versions.get(stream_id, 0) + 1
        self._versions[stream_id] = version
        return version

    def events(self) -> Iterator[tuple[str, str, str, bytes]]:
        """Every event of the year, day by day."""
        first = datetime(self.config.year, 1, 1, 8, tzinfo=UTC)
        yield from self._people(first)
        yield from self._communities(first + timedelta(hours=1))
        rates = self._visit_rates()
        day = first.date()
        while day.year == self.config.year:
            if not (self.config.weekdays_only and day.weekday() >= 5):
                yield from self._day(day, rates)
            day += timedelta(days=1)

    def _people(self, moment: datetime) -> Iterator[tuple[str, str, str, bytes]]:
        weights = [1 / (rank + 1) for rank in range(self.config.departments)]
        departments = [f"Department {rank + 1:02d}" for rank in range(self.config.departments)]
        for person in self.people:
            stream = f"profile-{person}"
            version = self._next(stream)
            yield (
                "profiles",
                self.topics.profiles,
                stream,
                envelope(
                    event_type="agora.profiles.person_provisioned",
                    stream_id=stream,
                    version=version,
                    moment=moment,
                    data={"person_id": person, "sealed": "gAAAAA" + "x" * 200},
                    actor="hr",
                ),
            )
            yield (
                "cards",
                self.topics.cards,
                stream,
                envelope(
                    event_type="agora.profiles.person_card_published",
                    stream_id=stream,
                    version=version,
                    moment=moment,
                    data={
                        "person_id": person,
                        "display_name": "Camille Dupont",
                        "job_title": "Ingénieure",
                        "department": self._rng.choices(departments, weights)[0],
                        "photo_url": None,
                        "active": True,
                    },
                    actor=None,
                ),
            )

    def _communities(self, moment: datetime) -> Iterator[tuple[str, str, str, bytes]]:
        rng = self._rng
        for _ in range(self.config.communities):
            community_id = uuid.UUID(int=rng.getrandbits(128)).hex
            draw = rng.random()
            visibility = (
                "secret"
                if draw < self.config.secret_share
                else "closed"
                if draw < 2 * self.config.secret_share
                else "open"
            )
            owner = rng.choice(self.people)
            stream = f"community-{community_id}"
            yield (
                "communities",
                self.topics.communities,
                stream,
                envelope(
                    event_type="agora.communities.community_created",
                    stream_id=stream,
                    version=self._next(stream),
                    moment=moment,
                    data={
                        "community_id": community_id,
                        "name": "Communauté",
                        "description": TEXT,
                        "tags": [],
                        "kind": rng.choice(["interest", "project", "practice"]),
                        "visibility": visibility,
                        "end_date": None,
                        "creator_id": owner,
                    },
                    actor=owner,
                ),
            )
            self.communities.append((community_id, visibility, [owner]))
            self._places.setdefault(owner, []).append((community_id, visibility))
        for person in self.people:
            for community_id, visibility, members in rng.sample(
                self.communities, self.config.memberships_per_person
            ):
                if person in members:
                    continue
                members.append(person)
                self._places.setdefault(person, []).append((community_id, visibility))
                stream = f"community-{community_id}"
                yield (
                    "communities",
                    self.topics.communities,
                    stream,
                    envelope(
                        event_type="agora.communities.member_joined",
                        stream_id=stream,
                        version=self._next(stream),
                        moment=moment,
                        data={"person_id": person},
                        actor=person,
                    ),
                )

    def _visit_rates(self) -> dict[str, float]:
        rates: dict[str, float] = {}
        shuffled = list(self.people)
        self._rng.shuffle(shuffled)
        start = 0
        for share, rate in self.config.visit_rates:
            count = round(share * len(shuffled))
            for person in shuffled[start : start + count]:
                rates[person] = rate
            start += count
        for person in shuffled[start:]:
            rates[person] = self.config.visit_rates[-1][1]
        return rates

    def _day(self, day: date, rates: dict[str, float]) -> Iterator[tuple[str, str, str, bytes]]:
        rng = self._rng
        morning = datetime(day.year, day.month, day.day, 8, tzinfo=UTC)
        for person in self.people:
            if rng.random() >= rates[person]:
                continue
            stream = f"activity-{person}_{day:%Y%m%d}"
            yield (
                "gateway",
                self.topics.gateway,
                stream,
                envelope(
                    event_type="agora.gateway.person_active",
                    stream_id=stream,
                    version=1,
                    moment=morning,
                    data={"person_id": person, "day": day.isoformat()},
                    actor=person,
                ),
            )
            if rng.random() < self.config.posts_per_visit:
                yield from self._conversation(person, morning + timedelta(hours=1))

    def _conversation(self, author: str, moment: datetime) -> Iterator[tuple[str, str, str, bytes]]:
        rng = self._rng
        post_id = uuid.UUID(int=rng.getrandbits(128)).hex
        stream = f"post-{post_id}"
        places = self._places.get(author, [])
        place = rng.choice(places) if places and rng.random() < 0.8 else None
        kind = "question" if rng.random() < 0.2 else "post"
        data = {
            "post_id": post_id,
            "author_id": author,
            "place": {"kind": "community", "id": place[0], "visibility": place[1]}
            if place
            else {"kind": "profile", "id": author, "visibility": "open"},
            "kind": kind,
            "content": {"text": TEXT, "mentions": [], "links": []},
            "tags": rng.sample(["kubernetes", "helm", "kafka", "python", "sales", "rh"], 2),
            "work_item": None,
            "praise": None,
            "poll": None,
            "shared_post_id": None,
            "published_at": None,
        }
        yield (
            "feed",
            self.topics.feed,
            stream,
            self._post_event("agora.feed.post_published", stream, moment, data, author),
        )
        first_answer: tuple[str, str] | None = None
        for index in range(_count(rng, self.config.comments_per_post)):
            commenter = rng.choice(self.people)
            comment_id = uuid.UUID(int=rng.getrandbits(128)).hex
            yield (
                "feed",
                self.topics.feed,
                stream,
                self._post_event(
                    "agora.feed.comment_added",
                    stream,
                    moment + timedelta(minutes=10 * (index + 1)),
                    {
                        "comment_id": comment_id,
                        "author_id": commenter,
                        "content": {"text": TEXT, "mentions": [], "links": []},
                        "parent_comment_id": None,
                        "published_at": None,
                    },
                    commenter,
                ),
            )
            if first_answer is None and commenter != author:
                first_answer = (comment_id, commenter)
        for index in range(_count(rng, self.config.reactions_per_post)):
            reactor = rng.choice(self.people)
            yield (
                "feed",
                self.topics.feed,
                stream,
                self._post_event(
                    "agora.feed.reaction_set",
                    stream,
                    moment + timedelta(minutes=5 * (index + 1)),
                    {"person_id": reactor, "reaction": "like", "comment_id": None},
                    reactor,
                ),
            )
        if kind == "question" and first_answer is not None and rng.random() < 0.6:
            yield (
                "feed",
                self.topics.feed,
                stream,
                self._post_event(
                    "agora.feed.answer_accepted",
                    stream,
                    moment + timedelta(hours=3),
                    {
                        "comment_id": first_answer[0],
                        "answer_author_id": first_answer[1],
                        "accepted_by": author,
                    },
                    author,
                ),
            )

    def _post_event(
        self, event_type: str, stream: str, moment: datetime, data: dict[str, Any], actor: str
    ) -> bytes:
        return envelope(
            event_type=event_type,
            stream_id=stream,
            version=self._next(stream),
            moment=moment,
            data=data,
            actor=actor,
        )


def _count(rng: random.Random, mean: float) -> int:
    """A count around ``mean`` (geometric-like, so some posts get many, most get few)."""
    count = 0
    while rng.random() < mean / (mean + 1):
        count += 1
    return count


async def publish(producer: AIOKafkaProducer, year: Year) -> Sizes:
    """Send every event of the year, many at a time; returns what was sent."""
    sizes = Sizes()
    pending: list[asyncio.Future[Any]] = []
    for kind, topic, key, value in year.events():
        pending.append(await producer.send(topic, value=value, key=key.encode()))
        sizes.add(kind, value)
        if len(pending) >= SEND_WINDOW:
            await asyncio.gather(*pending)
            pending = []
    await asyncio.gather(*pending)
    return sizes
