"""Replays equal the live projection; redelivered events and interrupted flushes change nothing."""

import dataclasses
from datetime import date

import pytest

from agora.communities.domain import events as community_events
from agora.eventsourcing import EventEnvelope, ProjectionCatalog
from agora.feed.domain import events as feed_events
from agora.metrics import upstream
from agora.metrics.app import pipeline_config
from agora.metrics.engine.journal import Cursor, Journal, encode
from agora.metrics.engine.projector import Projector
from agora.metrics.engine.workspace import BucketChange, Changes, EntityWrite, Workspace
from agora.metrics.pipeline import BUCKETS, CONTROL, ENTITIES
from agora.metrics.rebuild import replay
from agora.profiles.domain import events as profile_events
from tests.metrics.harness import (
    MetricsApi,
    World,
    at,
    differing,
    new_id,
    normalised,
    topic_records,
)

pytestmark = pytest.mark.integration


async def busy_weeks(api: MetricsApi, world: World) -> None:
    """Three departments and two locations, a department and location change half-way, a
    location hidden, communities of every visibility, every kind of content, join requests, a
    departure and an erasure, someone whose provisioning arrives after their activity and an
    account never provisioned."""
    rnd = await world.people(7, "R&D", location="Lyon")
    sales = await world.people(6, "Sales", location="Paris")
    mover = rnd[0]
    late = new_id("person")
    robot = new_id("service")
    await world.card(late, "R&D", location="Lyon", edited=False, version=1)
    open_community = await world.community(rnd[1], members=[*rnd[2:], *sales[:3]])
    closed = await world.community(sales[0], visibility="closed", kind="practice")
    secret = await world.community(rnd[2], visibility="secret", kind="project", members=rnd[3:5])
    for day in ("2026-11-02", "2026-11-03", "2026-11-10"):
        for person in [*rnd[:4], *sales[:2], late, robot]:
            await world.visit(person, day)
    await world.visit(rnd[6], "2026-11-03")  # who leaves later
    question = await world.post(
        sales[1], open_community, moment=at("2026-11-02"), kind="question", tags=["helm", "k8s"]
    )
    answer = await world.comment(question, mover, moment=at("2026-11-02", 11))
    await world.comment(question, rnd[3], moment=at("2026-11-02", 12), parent=answer)
    await world.accept(question, answer, mover, by=sales[1], moment=at("2026-11-03"))
    await world.react(question, rnd[4], moment=at("2026-11-03"))
    await world.react(question, rnd[4], moment=at("2026-11-03", 11), comment=answer)
    await world.post(mover, None, moment=at("2026-11-04"), kind="praise", praise=[rnd[3]])
    await world.post(rnd[2], secret, moment=at("2026-11-04"), visibility="secret", kind="poll")
    await world.post(late, open_community, moment=at("2026-11-04"), tags=["k8s"])
    await world.react(question, robot, moment=at("2026-11-04"))
    await api.settled()

    await world.card(mover, "Sales", location="Paris", moment=at("2026-11-06"))
    await world.card(rnd[3], "R&D", location=None, moment=at("2026-11-06"))
    await world.provision(late, moment=at("2026-11-07"))
    await world.community_events(
        closed, community_events.JoinRequested(person_id=rnd[5]), moment=at("2026-11-06")
    )
    await api.settled()

    later = await world.post(mover, open_community, moment=at("2026-11-10"), tags=["helm"])
    await world.react(later, sales[2], moment=at("2026-11-10", 11))
    await world.conversation(
        question,
        feed_events.AnswerUnaccepted(comment_id=answer, by=sales[1]),
        actor=sales[1],
        moment=at("2026-11-11"),
    )
    await world.community_events(
        closed,
        community_events.JoinRequestApproved(person_id=rnd[5]),
        moment=at("2026-11-12"),
    )
    await world.community_events(
        open_community, community_events.MemberLeft(person_id=sales[2]), moment=at("2026-11-12")
    )
    await world.profile(
        rnd[6],
        profile_events.PersonDeactivated(left_on=date(2026, 11, 13)),
        moment=at("2026-11-13"),
    )
    await world.erase(sales[5], moment=at("2026-11-14"))
    await world.profile(
        rnd[1],
        profile_events.SkillAdded(skill="Helm", level=3),
        profile_events.HelpTopicsSet(topics=["kubernetes"]),
        moment=at("2026-11-14"),
    )
    await api.settled()


async def test_a_rebuild_from_the_topics_equals_the_live_projection(
    api: MetricsApi, world: World
) -> None:
    await busy_weeks(api, world)
    live = await api.documents()

    generation = await replay(
        config=pipeline_config(api.settings), database=api.database, activate=False
    )

    rebuilt = await api.documents(generation)
    assert generation == 2
    assert normalised(rebuilt) == normalised(live), differing(rebuilt, live)
    assert len(live["buckets"]) > 25
    assert {"loc|Lyon|~levels", "loc|Paris|~levels", "loc|Paris|2026"} <= set(live["buckets"])


async def test_every_event_delivered_twice_changes_nothing(api: MetricsApi, world: World) -> None:
    await busy_weeks(api, world)
    before = await api.documents()

    for topic, key, value in await topic_records(api.settings):
        envelope = EventEnvelope.from_json_bytes(value)
        assert key is not None
        await world.send(topic, envelope)
    await api.settled()

    after = await api.documents()
    assert normalised(after) == normalised(before), differing(after, before)


async def test_a_flush_interrupted_after_its_journal_is_completed_at_restart(
    api: MetricsApi, world: World
) -> None:
    await busy_weeks(api, world)
    config = pipeline_config(api.settings)
    facts = await topic_records(api.settings, config.facts_topics)
    activity = await topic_records(
        api.settings, (api.settings.feed_topic, api.settings.gateway_topic)
    )
    catalog = ProjectionCatalog(database=api.database)

    async def apply_all(generation: int) -> tuple[Journal, list[dict[str, object]]]:
        parts = {
            part: catalog.collection(config.name, generation, part)
            for part in (ENTITIES, BUCKETS, CONTROL)
        }
        workspace = Workspace(
            entities=parts[ENTITIES], buckets=parts[BUCKETS], cache_size=10_000, fresh=True
        )
        projector = Projector(workspace, config.rules)
        for _, _, value in [*facts, *activity]:
            envelope = EventEnvelope.from_json_bytes(value)
            event = upstream.decode(envelope)
            if event is not None:
                await projector.apply(envelope, event)
        await projector.finish()
        journal = Journal(entities=parts[ENTITIES], buckets=parts[BUCKETS], control=parts[CONTROL])
        return journal, list(encode(workspace.take_changes()))

    clean_journal, clean_operations = await apply_all(10)
    await clean_journal.write_journal(clean_operations, Cursor(seq=1))
    await clean_journal.apply(clean_operations, 1)
    broken_journal, operations = await apply_all(11)
    await broken_journal.write_journal(operations, Cursor(seq=1))
    await broken_journal.apply(operations[: len(operations) // 2], 1)  # then the crash

    cursor = await broken_journal.recover()
    again = await broken_journal.recover()

    assert cursor.seq == 1
    assert again.seq == 1, "a completed journal is not applied twice"
    assert normalised(await api.documents(11)) == normalised(await api.documents(10))
    assert len(operations) > 40


async def test_a_flush_interrupted_before_its_journal_was_committed_leaves_nothing(
    api: MetricsApi,
) -> None:
    catalog = ProjectionCatalog(database=api.database)
    parts = {
        part: catalog.collection(api.settings.projection_name, 20, part)
        for part in (ENTITIES, BUCKETS, CONTROL)
    }
    journal = Journal(entities=parts[ENTITIES], buckets=parts[BUCKETS], control=parts[CONTROL])
    operation = {
        "k": "b",
        "id": "org|2026-11",
        "inc": [{"path": "d.02.posts", "value": 1}],
        "push": [],
        "add": [],
        "set": [],
        "unset": [],
    }
    await journal.write_chunks([operation], 1)  # then the crash, before the marker

    cursor = await journal.recover()

    assert cursor.seq == 0
    assert await parts[BUCKETS].find_one({"_id": "org|2026-11"}) is None


async def test_a_new_document_is_inserted_as_the_update_would_have_made_it(
    api: MetricsApi,
) -> None:
    """A rebuild inserts the documents no earlier flush wrote: exactly what the guarded upsert
    of a live flush makes of the same change, on the real server."""
    catalog = ProjectionCatalog(database=api.database)
    name = api.settings.projection_name

    def journal(generation: int) -> Journal:
        parts = {
            part: catalog.collection(name, generation, part)
            for part in (ENTITIES, BUCKETS, CONTROL)
        }
        return Journal(entities=parts[ENTITIES], buckets=parts[BUCKETS], control=parts[CONTROL])

    changes = Changes(
        entities={
            "person|p1": EntityWrite(
                set={"pid": "p1", "act": {"2026-11": 3}, "weeks": [], "first": None},
                unset=["gone"],
            )
        },
        buckets={
            "org|2026": BucketChange(
                inc={"d.02.posts": 2, "d.03.posts": 1, "d.02.share": 0.5},
                push={"d.02.waits": [5, 7]},
                add={"d.02.who": ["a", "b"]},
                set={"s.posts": "AAB", "s.likes": "A"},
                unset=["s.gone", "t.none"],
            )
        },
        deleted_buckets=set(),
    )
    new = dataclasses.replace(changes, new_entities={"person|p1"}, new_buckets={"org|2026"})
    operations = list(encode(new))
    assert all(operation.get("new") for operation in operations)

    await journal(40).apply(operations, 1)
    await journal(41).apply(list(encode(changes)), 1)
    await journal(42).write_journal(operations, Cursor(seq=1))
    recovered = journal(42)
    await recovered.apply(operations[:1], 1)  # then the crash
    await recovered.recover()

    inserted, updated = await api.documents(40), await api.documents(41)
    assert inserted == updated
    assert inserted["buckets"]["org|2026"]["d"]["02"] == {
        "posts": 2,
        "share": 0.5,
        "waits": [5, 7],
        "who": ["a", "b"],
    }
    assert "t" not in inserted["buckets"]["org|2026"]
    assert await api.documents(42) == inserted, "a redone insert skips what is there"
