"""Public person cards on the compacted cards topic: published, updated, deactivated, erased."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.structs import ConsumerRecord

from agora.eventsourcing import EventEnvelope
from agora.eventsourcing.envelope import CLOUDEVENTS_CONTENT_TYPE
from agora.eventsourcing.kafka import create_producer
from agora.eventsourcing.topics import cards_topic, ensure_topics
from agora.profiles.cards.republish import republish
from agora.profiles.cards.worker import MAX_COMPACTION_LAG_MS, CardPublisher
from agora.profiles.domain.cards import PersonCardErased, PersonCardPublished, card_registry
from agora.profiles.domain.state import Profile
from agora.profiles.service import Changed
from agora.profiles.settings import ProfilesSettings
from tests.profiles.harness import ProfilesClient, new_email
from tests.support.kafka_reading import eventually, read_topic

pytestmark = pytest.mark.integration

PUBLISHED = PersonCardPublished.event_type
ERASED = PersonCardErased.event_type


@dataclass(frozen=True)
class Card:
    """One message of the cards topic and its decoded envelope."""

    record: ConsumerRecord[bytes, bytes]
    envelope: EventEnvelope

    @property
    def headers(self) -> dict[str, bytes]:
        return dict(self.record.headers or ())


async def cards_of(
    settings: ProfilesSettings,
    person_id: str,
    until: Callable[[list[EventEnvelope]], bool],
    *,
    topic: str | None = None,
) -> list[Card]:
    """The person's cards, in topic order, once ``until`` holds for their envelopes."""
    cards: list[Card] = []

    async def check() -> bool:
        records = await read_topic(
            settings.kafka_bootstrap_servers, topic or settings.cards_topic, expected=1, timeout=5
        )
        cards[:] = [
            Card(record, EventEnvelope.from_json_bytes(record.value or b""))
            for record in records
            if record.key == person_id.encode()
        ]
        return until([card.envelope for card in cards])

    await eventually(check)
    return cards


def last_is(event_type: str, **data: object) -> Callable[[list[EventEnvelope]], bool]:
    """Whether the newest card has this type and these data fields."""

    def holds(envelopes: list[EventEnvelope]) -> bool:
        if not envelopes or envelopes[-1].type != event_type:
            return False
        return all(envelopes[-1].data.get(key) == value for key, value in data.items())

    return holds


async def test_provisioning_publishes_the_persons_card_keyed_by_person_id(
    profiles: ProfilesClient, profiles_settings: ProfilesSettings
) -> None:
    trace_id = uuid.uuid4().hex
    traceparent = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"
    email = new_email("ada")
    response = await profiles.http.post(
        "/people",
        json={
            "display_name": "Ada Lovelace",
            "email": email,
            "job_title": "Analyst",
            "department": "Engines",
            "location": "London",
            "languages": ["en", "fr"],
            "start_date": "1842-01-02",
        },
        headers=profiles.as_admin(traceparent=traceparent),
    )
    person = response.json()["id"]

    (card,) = await cards_of(profiles_settings, person, last_is(PUBLISHED))

    assert card.envelope.payload(card_registry) == PersonCardPublished(
        person_id=person,
        display_name="Ada Lovelace",
        job_title="Analyst",
        department="Engines",
        photo_url=None,
        active=True,
        location="London",
        languages=["en", "fr"],
    )
    assert card.envelope.streamid == f"profile-{person}"
    assert card.envelope.streamversion == 1
    assert card.envelope.dataschema == "urn:agora:event:agora.profiles.person_card_published:v2"
    assert email.encode() not in (card.record.value or b"")  # only the public directory fields
    assert b"1842" not in (card.record.value or b"")
    assert card.headers["content-type"] == CLOUDEVENTS_CONTENT_TYPE.encode()
    assert card.headers["traceparent"].decode().split("-")[1] == trace_id


async def test_an_edit_publishes_a_newer_card(
    profiles: ProfilesClient, profiles_settings: ProfilesSettings
) -> None:
    person = (await profiles.provision("grace", job_title="Programmer"))["id"]
    await cards_of(profiles_settings, person, last_is(PUBLISHED, job_title="Programmer"))

    edited = await profiles.http.patch(
        "/people/me",
        json={"job_title": "Rear Admiral", "photo_url": "https://photos.example.com/grace.png"},
        headers=profiles.as_person(person, **{"If-Match": '"1"'}),
    )

    assert edited.status_code == 200
    cards = await cards_of(profiles_settings, person, last_is(PUBLISHED, job_title="Rear Admiral"))
    newest = cards[-1].envelope
    assert newest.streamversion == 2
    assert newest.data["photo_url"] == "https://photos.example.com/grace.png"
    assert newest.data["display_name"] == "Grace"
    assert [card.envelope.streamversion for card in cards] == sorted(
        card.envelope.streamversion for card in cards
    )


async def test_a_location_or_languages_hidden_from_anyone_leave_the_card(
    profiles: ProfilesClient, profiles_settings: ProfilesSettings
) -> None:
    person = (await profiles.provision("hedy", location="Vienna", languages=["de"]))["id"]
    await cards_of(profiles_settings, person, last_is(PUBLISHED, location="Vienna"))

    hidden = await profiles.http.put(
        "/people/me/visibility",
        json={"location": "followed", "languages": "only_me"},
        headers=profiles.as_person(person),
    )

    assert hidden.status_code == 200, hidden.text
    cards = await cards_of(profiles_settings, person, last_is(PUBLISHED, location=None))
    assert cards[-1].envelope.data["languages"] == []
    assert cards[-1].envelope.data["display_name"] == "Hedy"
    assert b"Vienna" not in (cards[-1].record.value or b"")


async def test_deactivation_publishes_an_inactive_card_and_other_events_publish_none(
    profiles: ProfilesClient, profiles_settings: ProfilesSettings
) -> None:
    person = (await profiles.provision("leaver"))["id"]
    await cards_of(profiles_settings, person, last_is(PUBLISHED, active=True))
    headers = profiles.as_person(person)
    await profiles.http.put("/people/me/skills/go", json={"level": 2}, headers=headers)
    await profiles.http.put("/people/me/interests", json={"topics": ["chess"]}, headers=headers)

    deactivated = await profiles.http.post(
        f"/people/{person}/deactivate", headers=profiles.as_admin()
    )

    assert deactivated.status_code == 200
    cards = await cards_of(profiles_settings, person, last_is(PUBLISHED, active=False))
    # The skill (version 2) and the interests (3) change no card field: no card for them.
    assert [card.envelope.streamversion for card in cards] == [1, 4]
    assert cards[-1].envelope.data["display_name"] == "Leaver"


async def test_erasure_publishes_an_erased_card_without_personal_data(
    profiles: ProfilesClient, profiles_settings: ProfilesSettings
) -> None:
    marker = uuid.uuid4().hex
    person = (
        await profiles.provision(f"name{marker}", job_title=f"Title{marker}", department="R&D")
    )["id"]
    await cards_of(profiles_settings, person, last_is(PUBLISHED))

    erased = await profiles.http.delete(
        f"/people/{person}/personal-data", headers=profiles.as_person(person)
    )

    assert erased.status_code == 204
    cards = await cards_of(profiles_settings, person, last_is(ERASED))
    newest = cards[-1]
    assert newest.envelope.data == {"person_id": person}
    assert newest.envelope.streamversion == 2
    assert marker not in (newest.record.value or b"").decode()
    assert newest.record.key == person.encode()


async def test_the_cards_topic_is_compacted(
    profiles: ProfilesClient, profiles_settings: ProfilesSettings
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=profiles_settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        (response,) = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, profiles_settings.cards_topic)]
        )
    finally:
        await admin.close()
    (resource,) = response.resources
    config = {entry[0]: entry[1] for entry in resource[4]}

    assert config["cleanup.policy"] == "compact"
    assert config["max.compaction.lag.ms"] == str(MAX_COMPACTION_LAG_MS)


async def test_the_republish_command_fills_a_new_cards_topic_with_every_current_card(
    profiles: ProfilesClient, profiles_settings: ProfilesSettings
) -> None:
    kept = (await profiles.provision("kept", department="Sales"))["id"]
    gone = (await profiles.provision("gone"))["id"]
    await profiles.http.delete(f"/people/{gone}/personal-data", headers=profiles.as_admin())
    await cards_of(profiles_settings, gone, last_is(ERASED))
    fresh = profiles_settings.model_copy(
        update={"cards_topic": f"{profiles_settings.cards_topic}.fresh{uuid.uuid4().hex[:6]}"}
    )

    published = await republish(settings=fresh)

    assert published >= 2
    (kept_card,) = await cards_of(fresh, kept, last_is(PUBLISHED), topic=fresh.cards_topic)
    (gone_card,) = await cards_of(fresh, gone, last_is(ERASED), topic=fresh.cards_topic)
    assert kept_card.envelope.data["department"] == "Sales"
    assert kept_card.envelope.streamversion == 1
    assert gone_card.envelope.data == {"person_id": gone}


class ErasedWhileSending:
    """A profile whose stream is erased while its first card is on its way to Kafka."""

    def __init__(self) -> None:
        self.loads = 0

    async def current(self, *, person_id: str) -> Changed:
        self.loads += 1
        if self.loads == 1:
            named = Profile(exists=True, person_id=person_id, display_name="Before")
            return Changed(profile=named, version=1)
        return Changed(profile=Profile(exists=True, erased=True, person_id=person_id), version=2)

    async def version(self, *, person_id: str) -> int:
        return 2


async def test_a_card_overtaken_by_a_newer_state_is_followed_by_the_newer_card(
    profiles_settings: ProfilesSettings,
) -> None:
    # Two publishers at once (a rebalance, the republish command) could otherwise leave the
    # older card last, and compaction would keep a named card of an erased person.
    topic = f"{profiles_settings.cards_topic}.race{uuid.uuid4().hex[:6]}"
    bootstrap = profiles_settings.kafka_bootstrap_servers
    await ensure_topics(bootstrap_servers=bootstrap, topics=[cards_topic(topic)])
    producer = create_producer(bootstrap_servers=bootstrap, client_id="cards-race-test")
    await producer.start()
    try:
        publisher = CardPublisher(
            profiles=ErasedWhileSending(), producer=producer, topic=topic, source="/agora/test"
        )
        person = str(uuid.uuid4())

        returned = await publisher.publish(person)
    finally:
        await producer.stop()
    assert returned == PersonCardErased(person_id=person)
    cards = await cards_of(profiles_settings, person, last_is(ERASED), topic=topic)
    assert [(card.envelope.type, card.envelope.streamversion) for card in cards] == [
        (PUBLISHED, 1),
        (ERASED, 2),
    ]
