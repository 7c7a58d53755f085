"""The side model's pure steps: a post's record, its evidence, people's records, documents."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agora.eventsourcing import EventEnvelope
from agora.eventsourcing.envelope import dataschema_uri
from agora.search import upstream
from agora.search.indexing.documents import person_document, post_document
from agora.search.sidemodel import people
from agora.search.sidemodel.evidence import evidence_of
from agora.search.sidemodel.posts import evolve_post
from agora.search.sidemodel.records import (
    DeclaredSkill,
    Endorsement,
    PersonRecord,
    PostRecord,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
POST = "p1"


def envelope(
    event_type: str, version: int, data: dict[str, Any], at: datetime = NOW
) -> EventEnvelope:
    return EventEnvelope(
        id=f"e{version}",
        source="/agora/test",
        type=f"agora.feed.{event_type}",
        subject=f"post-{POST}",
        time=at,
        dataschema=dataschema_uri(f"agora.feed.{event_type}", 1),
        data=data,
        streamid=f"post-{POST}",
        streamversion=version,
        schemaversion=1,
    )


def run(*steps: EventEnvelope) -> PostRecord | None:
    record = None
    for step in steps:
        event = upstream.decode_upstream(step)
        assert event is not None
        record = evolve_post(record, step, event)
    return record


def question(**extra: Any) -> EventEnvelope:
    return envelope(
        "post_published",
        1,
        {
            "post_id": POST,
            "author_id": "asker",
            "place": {"kind": "community", "id": "c1", "visibility": "closed"},
            "kind": "question",
            "content": {"text": "How?"},
            "tags": ["Kubernetes", "k8s", "tls"],
            **extra,
        },
    )


def comment(version: int, comment_id: str, author: str, parent: str | None = None) -> EventEnvelope:
    return envelope(
        "comment_added",
        version,
        {
            "comment_id": comment_id,
            "author_id": author,
            "content": {"text": f"answer by {author}"},
            "parent_comment_id": parent,
        },
        at=NOW + timedelta(minutes=version),
    )


def test_answers_count_once_per_question_and_the_accepted_one_twice() -> None:
    record = run(
        question(),
        comment(2, "a1", "karim"),
        comment(3, "a2", "karim"),
        comment(4, "r1", "lea", parent="a1"),
        comment(5, "a3", "asker"),
        envelope(
            "answer_accepted",
            6,
            {"comment_id": "a2", "answer_author_id": "karim", "accepted_by": "asker"},
        ),
    )
    assert record is not None
    evidence = evidence_of(record)
    assert set(evidence) == {"karim"}  # replies and the asker's own answer prove nothing
    kinds = {(item.kind, item.topic) for item in evidence["karim"]}
    assert kinds == {
        ("accepted", "kubernetes"),
        ("accepted", "tls"),
        ("answer", "kubernetes"),
        ("answer", "tls"),
    }
    assert all(
        item.community_id == "c1" and item.visibility == "closed" for item in evidence["karim"]
    )


def test_an_event_applied_twice_or_late_changes_nothing() -> None:
    first = run(question(), comment(2, "a1", "karim"))
    assert first is not None
    assert run(question(), comment(2, "a1", "karim"), comment(2, "a1", "karim")) == first
    older = envelope("post_deleted", 1, {})
    assert evolve_post(first, older, upstream.PostStateChanged()) == first


def test_a_deleted_post_keeps_no_text_and_proves_nothing_even_if_restored() -> None:
    record = run(
        question(),
        comment(2, "a1", "karim"),
        envelope("post_deleted", 3, {}),
        envelope("post_restored", 4, {"moderator_id": "m"}),
    )
    assert record is not None
    assert record.state == "deleted"
    assert record.text == ""
    assert [c.text for c in record.comments] == [""]
    assert evidence_of(record) == {}
    assert post_document(record) == {
        "post_id": POST,
        "state": "deleted",
        "kind": "question",
        "author_id": "asker",
        "community_id": "c1",
        "visibility": "closed",
        "created_at": NOW.isoformat(),
    }


def test_praise_proves_the_named_skill_and_plain_posts_their_tags() -> None:
    praise = run(
        envelope(
            "post_published",
            1,
            {
                "post_id": POST,
                "author_id": "lea",
                "place": {"kind": "profile", "id": "lea"},
                "kind": "praise",
                "content": {"text": "Merci !"},
                "praise": {"person_ids": ["karim", "lea"], "skill": "K8s"},
            },
        )
    )
    assert praise is not None
    assert {
        p: [(i.kind, i.topic, i.visibility) for i in items]
        for p, items in evidence_of(praise).items()
    } == {"karim": [("praise", "kubernetes", "open")]}


def test_a_person_document_counts_evidence_per_topic_and_community() -> None:
    record = PersonRecord(
        person_id="karim",
        revision=3,
        has_card=True,
        display_name="Karim",
        skills=[DeclaredSkill(skill="kubernetes", level=3)],
        endorsements=[
            Endorsement(skill="kubernetes", endorser_id="a", weight=1.0),
            Endorsement(skill="kubernetes", endorser_id="b", weight=3.5),
        ],
    )
    post = run(question(), comment(2, "a1", "karim"))
    assert post is not None
    people.contribution(POST, evidence_of(post))(record)
    document = person_document(record)
    assert document["skills"] == [
        {
            "skill": "kubernetes",
            "text": "kubernetes",
            "level": 3,
            "endorsements": 2,
            "endorsement_weight": 4.5,
        }
    ]
    assert [(b["topic"], b["community_id"], b["answers"]) for b in document["evidence"]] == [
        ("kubernetes", "c1", 1),
        ("tls", "c1", 1),
    ]
    assert document["searchable"] is True


def test_an_endorsers_standing_grows_with_level_and_endorsements_up_to_a_cap() -> None:
    nobody = PersonRecord(person_id="n")
    expert = PersonRecord(
        person_id="e",
        skills=[DeclaredSkill(skill="go", level=4)],
        endorsements=[Endorsement(skill="go", endorser_id=str(n)) for n in range(12)],
    )
    assert people.standing(None, "go") == 1.0
    assert people.standing(nobody, "go") == 1.0
    assert people.standing(expert, "go") == 1.0 + 2.0 + 0.25 * people.MAX_STANDING_ENDORSERS
    assert people.standing(expert, "rust") == 1.0


def test_an_endorsement_and_its_withdrawal_apply_once_per_version() -> None:
    endorser = PersonRecord(person_id="e")
    people.record_endorsement_given("p", "Go", given=True, version=4)(endorser)
    people.record_endorsement_given("p", "go", given=False, version=5)(endorser)
    people.record_endorsement_given("p", "go", given=True, version=4)(endorser)  # replayed
    assert [(e.person_id, e.skill, e.active, e.version) for e in endorser.endorsed] == [
        ("p", "go", False, 5)
    ]


def test_erasure_keeps_only_a_tombstone() -> None:
    record = PersonRecord(person_id="x", display_name="X", has_card=True, communities=["c"])
    people.erase(record)
    assert person_document(record) == {
        "person_id": "x",
        "erased": True,
        "active": False,
        "searchable": False,
    }
    people.membership("c2", member=True, listed=True)(record)
    assert record.communities == []
