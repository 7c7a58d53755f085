"""Every event delivered twice changes no notification, inbox or count."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord, TopicPartition

from agora.communities.domain import events as community_events
from agora.eventsourcing import ProjectionCatalog
from agora.eventsourcing.kafka import create_producer
from tests.feed.harness import FeedApi, Organisation
from tests.feed.test_notifications import (
    command,
    comment,
    inbox,
    mark_read,
    people,
    publish,
    react,
    unreact,
    unread,
)

pytestmark = pytest.mark.integration


async def _every_record(api: FeedApi) -> list[ConsumerRecord[bytes, bytes]]:
    settings = api.settings
    topics = [
        settings.profile_cards_topic,
        settings.profiles_topic,
        settings.communities_topic,
        settings.events_topic,
    ]
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        partitions = [
            TopicPartition(described["topic"], partition["partition"])
            for described in await admin.describe_topics(topics)
            for partition in described["partitions"]
        ]
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord[bytes, bytes]] = []
        while [p for p in partitions if await consumer.position(p) < ends[p]]:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records


async def _redeliver_everything(api: FeedApi) -> int:
    """Publish every record of the feed's topics again, to the same partitions, and wait."""
    records = await _every_record(api)
    producer = create_producer(
        bootstrap_servers=api.settings.kafka_bootstrap_servers, client_id="test-redelivery"
    )
    await producer.start()
    try:
        for record in records:
            await producer.send(
                record.topic, value=record.value, key=record.key, partition=record.partition
            )
        await producer.flush()
    finally:
        await producer.stop()
    await api.settled()
    return len(records)


async def _stored(api: FeedApi) -> dict[str, list[dict[str, Any]]]:
    prefix = api.settings.projection_prefix
    catalog = ProjectionCatalog(database=api.database)
    generation = await catalog.active_generation(prefix)
    stored = {}
    for part in ("notifications", "inboxes"):
        documents = catalog.collection(prefix, generation, part).find({})
        stored[part] = sorted([doc async for doc in documents], key=lambda doc: str(doc["_id"]))
    return stored


def _differences(
    before: dict[str, list[dict[str, Any]]], after: dict[str, list[dict[str, Any]]]
) -> list[tuple[str, Any, Any]]:
    """The documents that differ: (collection, before, after), ``None`` where one is missing."""
    differences: list[tuple[str, Any, Any]] = []
    for part in before.keys() | after.keys():
        old = {doc["_id"]: doc for doc in before.get(part, [])}
        new = {doc["_id"]: doc for doc in after.get(part, [])}
        differences += [
            (part, old.get(key), new.get(key))
            for key in sorted(old.keys() | new.keys(), key=str)
            if old.get(key) != new.get(key)
        ]
    return differences


async def _seen(api: FeedApi, persons: list[str]) -> list[Any]:
    return [(await inbox(api, person), await unread(api, person)) for person in persons]


async def test_redelivering_every_event_changes_nothing(api: FeedApi, org: Organisation) -> None:
    ana, bruno, chloe, dan, eve, finn = await people(
        org, "Ana", "Bruno", "Chloé", "Dan", "Eve", "Finn"
    )
    guild = await org.community(ana, members=[bruno, chloe], managers=[dan], name="Guild")
    closed = await org.community(ana, visibility="closed", name="Board")
    await api.settled()
    await org.request_to_join(closed, eve)
    await org.request_to_join(closed, finn)
    await org.community_events(
        closed, community_events.JoinRequestApproved(person_id=eve), actor=ana
    )
    await org.community_events(
        closed, community_events.JoinRequestRejected(person_id=finn), actor=ana
    )
    await command(api, "PUT", "/me/notification-preferences", ana, {"disabled_kinds": ["praise"]})
    await command(api, "PUT", "/me/notification-preferences", ana, {"disabled_kinds": []})
    await command(api, "PUT", f"/me/muted-communities/{guild}", chloe)
    await command(api, "DELETE", f"/me/muted-communities/{guild}", chloe)

    question = await publish(
        api, ana, community=guild, kind="question", text="Who owns @bruno's DNS?", mentions=[bruno]
    )
    await command(
        api,
        "PATCH",
        f"/posts/{question}",
        ana,
        {"text": "Who owns DNS, @bruno @chloe?", "mentions": [bruno, chloe]},
    )
    answer = await comment(api, bruno, question, text="Ops does, @ana", mentions=[ana])
    reply = await comment(api, chloe, question, text="Agreed", parent=answer)
    await command(
        api,
        "PATCH",
        f"/posts/{question}/comments/{reply}",
        chloe,
        {"text": "Agreed, @dan knows", "mentions": [dan]},
    )
    await react(api, bruno, question)
    await react(api, chloe, question, reaction="insightful")
    await react(api, chloe, question, comment_id=answer)
    await unreact(api, bruno, question)
    await command(api, "PUT", f"/posts/{question}/accepted-answer", ana, {"comment_id": answer})
    await command(api, "DELETE", f"/posts/{question}/accepted-answer", ana)
    await command(api, "PUT", f"/posts/{question}/accepted-answer", ana, {"comment_id": answer})
    await command(api, "PUT", f"/posts/{question}/subscription", dan)
    await command(api, "DELETE", f"/posts/{question}/subscription", chloe)
    await command(
        api, "POST", f"/posts/{question}/reports", chloe, {"reason": "Off topic"}, expected=201
    )
    await command(
        api,
        "POST",
        f"/posts/{question}/comments/{answer}/reports",
        chloe,
        {"reason": "Rude"},
        expected=201,
    )
    await command(api, "POST", f"/posts/{question}/comments/{reply}:hide", dan, {"reason": "Noise"})
    await command(api, "POST", f"/posts/{question}/comments/{reply}:restore", dan)
    await command(api, "POST", f"/posts/{question}:hide", dan, {"reason": "Checking"})
    await command(api, "POST", f"/posts/{question}:restore", dan)
    await comment(api, dan, question, text="Restored")
    gone = await comment(api, bruno, question, text="Oops")
    await command(api, "DELETE", f"/posts/{question}/comments/{gone}", bruno)

    poll = await _poll(api, dan, guild, ana)
    await command(api, "PUT", f"/posts/{poll}/votes/me", ana, {"option_id": "o1"})
    await publish(
        api,
        chloe,
        kind="praise",
        text="Thanks @bruno",
        mentions=[bruno],
        praise={"person_ids": [bruno], "skill": "dns"},
    )
    deleted = await publish(api, bruno, text="Draft for @ana", mentions=[ana])
    await command(api, "DELETE", f"/posts/{deleted}", bruno)

    first = (await inbox(api, ana))[-1]
    await mark_read(api, ana, ids=[first["id"]])
    await mark_read(api, bruno, up_to=datetime.now(UTC) - timedelta(seconds=1))
    await react(api, dan, question)
    everyone = [ana, bruno, chloe, dan, eve, finn]
    await api.settled()
    before = await _stored(api)
    seen = await _seen(api, everyone)
    delivered = {item["kind"] for items, _ in seen for item in items}
    assert delivered == {
        "mention",
        "comment",
        "answer_accepted",
        "reaction",
        "praise",
        "join_request",
        "report",
    }

    redelivered = await _redeliver_everything(api)

    assert redelivered > 50
    assert _differences(before, await _stored(api)) == []
    assert await _seen(api, everyone) == seen


async def _poll(api: FeedApi, author: str, community: str, mentioned: str) -> str:
    body = {
        "place": {"kind": "community", "id": community},
        "kind": "poll",
        "text": "Offsite day, @ana?",
        "mentions": [mentioned],
        "poll": {
            "options": ["Tuesday", "Thursday"],
            "closes_at": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
        },
    }
    response = await api.call("POST", "/posts", person=author, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])
