"""Erasure: an erased person stops counting individually; their content stays as anonymous counts.

An erased person leaves every person-based figure (registered, active, contributors, members,
profiles, tag contributors), past periods included, and every department figure; their own
buckets are deleted and their entity becomes a tombstone. The organisation's and communities'
content counters keep what they contributed, anonymously.
"""

import pytest

from agora.metrics.engine.keys import escape, person_entity
from tests.metrics.harness import MetricsApi, World, at, values

pytestmark = pytest.mark.integration

WEEK = {"from": "2026-11-16", "to": "2026-11-22", "granularity": "week"}


async def test_an_erased_person_leaves_every_person_based_figure(
    api: MetricsApi, world: World
) -> None:
    people = await world.people(7, "R&D")
    leaving = people[0]
    community = await world.community(people[1], members=people[:6])
    await world.visit(leaving, "2026-11-16")
    post = await world.post(leaving, community, moment=at("2026-11-16"), tags=["helm"])
    await world.comment(post, leaving, moment=at("2026-11-17"))
    await world.react(post, people[2], moment=at("2026-11-17"))
    await world.visit(people[2], "2026-11-17")
    await api.settled()
    before = values(await api.dashboard("/org/activity", **WEEK))
    own_before = values(await api.dashboard("/me/contributions", person=leaving, roles=(), **WEEK))

    await world.erase(leaving, moment=at("2026-11-25"))
    await api.settled()

    after = values(await api.dashboard("/org/activity", **WEEK))
    department = values(await api.dashboard("/org/activity", department="R&D", **WEEK))
    health = values(
        await api.dashboard(f"/communities/{community}/health", person=people[1], roles=(), **WEEK)
    )
    own_after = await api.get("/me/contributions", person=leaving, params=WEEK)
    assert before["active"] == [2]
    assert before["contributors"] == [2]
    assert own_before["posts"] == [1]
    assert after["registered"] == [6]
    assert after["active"] == [1]
    assert after["contributors"] == [1]
    assert after["posts"] == [1], "content keeps counting, anonymously"
    assert after["comments"] == [1]
    assert department["posts"] == [0], "nothing of theirs is left in any department"
    assert department["registered"] == [6]
    assert health["members"] == [5]
    assert health["posts"] == [1]
    assert health["active_members"] == [1]
    # Their own view is gone with their access (the service follows the person cards too).
    assert own_after.status_code == 401
    assert "no longer has access" in own_after.json()["detail"]

    documents = await api.documents()
    assert documents["entities"][person_entity(leaving)] == {
        "_id": person_entity(leaving),
        "_seq": documents["entities"][person_entity(leaving)]["_seq"],
        "pid": leaving,
        "v": 2,
        "cv": 2,
        "erased": True,
    }
    assert not [doc_id for doc_id in documents["buckets"] if escape(leaving) in doc_id]


async def test_events_after_the_erasure_count_only_as_anonymous_content(
    api: MetricsApi, world: World
) -> None:
    people = await world.people(6, "R&D")
    leaving = people[0]
    post = await world.post(people[1], None, moment=at("2026-11-16"))
    await world.erase(leaving, moment=at("2026-11-16", 9))
    await world.comment(post, leaving, moment=at("2026-11-17"))
    await world.visit(leaving, "2026-11-17")
    await api.settled()

    figures = values(await api.dashboard("/org/activity", **WEEK))

    assert figures["comments"] == [1]
    assert figures["contributors"] == [1]
    assert figures["active"] == [1]
    documents = await api.documents()
    assert documents["entities"][person_entity(leaving)]["erased"] is True
    assert not [doc_id for doc_id in documents["buckets"] if escape(leaving) in doc_id]
