"""The metrics are built from metadata only: no text of any post, comment or profile is read.

Structurally, the tolerant reader declares no text field at all (pydantic drops every field a
model does not declare, so text never reaches the projection's memory); behaviourally, after a
busy month no stored document (entities, buckets, the journal) holds any of the texts that
travelled in the events.
"""

import zlib
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from agora.metrics import upstream
from agora.metrics.pipeline import CONTROL
from tests.metrics.harness import MetricsApi, World, at

METADATA_FIELDS = {
    # who
    "person_id",
    "person_ids",
    "author_id",
    "creator_id",
    "answer_author_id",
    "accepted_by",
    # what kind, which ids
    "kind",
    "role",
    "post_id",
    "comment_id",
    "parent_comment_id",
    "shared_post_id",
    "community_id",
    "id",
    "place",
    "praise",
    "visibility",
    # when
    "published_at",
    "left_on",
    "registered_on",
    "day",
    # which tags, skills, department, location (public metadata: a card carries the location
    # only while the person shows it to everyone)
    "tags",
    "skill",
    "department",
    "location",
    # presence only: the value is never kept
    "has_job_title",
    "has_photo",
    "has_topics",
}
PRESENCE_ONLY = {"has_job_title", "has_photo", "has_topics"}


def models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    pending: list[type[BaseModel]] = list(upstream.UPSTREAM_EVENTS.values())
    while pending:
        model = pending.pop()
        if model in found:
            continue
        found.append(model)
        for field in model.model_fields.values():
            pending.extend(nested_models(field.annotation))
    return found


def nested_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in get_args(annotation) for model in nested_models(arg)]


@pytest.mark.unit
def test_the_tolerant_reader_declares_metadata_fields_only() -> None:
    declared = {name for model in models() for name in model.model_fields}

    assert declared <= METADATA_FIELDS, declared - METADATA_FIELDS
    for model in models():
        assert model.model_config.get("extra") == "ignore", model
        for name in PRESENCE_ONLY & set(model.model_fields):
            assert model.model_fields[name].annotation is bool, (model, name)


@pytest.mark.unit
def test_no_text_survives_decoding() -> None:
    post = upstream.PostPublished.model_validate(
        {
            "post_id": "p1",
            "author_id": "a",
            "place": {"kind": "community", "id": "c1", "visibility": "open", "name": "Secret"},
            "kind": "question",
            "content": {"text": "How do I fire Bob?", "mentions": ["bob"]},
            "tags": ["hr"],
            "work_item": {"system": "jira", "item_id": "HR-1", "title": "Bob"},
        }
    )
    card = upstream.PersonCardPublished.model_validate(
        {
            "person_id": "a",
            "display_name": "Alice Martin",
            "job_title": "Chief of Bob",
            "department": "HR",
            "photo_url": "https://photos/alice.jpg",
            "active": True,
        }
    )

    assert "Bob" not in repr(post.model_dump())
    assert "Alice" not in repr(card.model_dump())
    assert "Chief" not in repr(card.model_dump())
    assert card.has_job_title
    assert card.has_photo


@pytest.mark.integration
async def test_no_stored_document_holds_any_text(api: MetricsApi, world: World) -> None:
    world.text = "MOTS-SECRETS du commentaire 7f3a"
    people = await world.people(5, "R&D")
    community = await world.community(people[0], members=people[1:])
    question = await world.post(people[1], community, moment=at("2026-11-16"), kind="question")
    answer = await world.comment(question, people[2], moment=at("2026-11-16", 11))
    await world.accept(question, answer, people[2], by=people[1], moment=at("2026-11-16", 12))
    await world.post(people[3], None, moment=at("2026-11-17"), kind="praise", praise=[people[2]])
    await api.settled()

    documents = await api.documents()
    generation = await api.generation()
    control = api.database[f"{api.settings.projection_name}_{CONTROL}__g{generation}"]
    journal = [
        zlib.decompress(doc["ops"]).decode() if isinstance(doc.get("ops"), bytes) else repr(doc)
        async for doc in control.find({})
    ]
    stored = repr(documents) + "".join(journal)

    assert journal, "the journal is checked too"
    for text in (
        "MOTS-SECRETS",
        "Camille Dupont",  # display names
        "Engineer",  # job titles
        "photos.example.com",
        "Kubernetes",  # community names
        "Une description",
        "gAAAAA",  # sealed personal data
    ):
        assert text not in stored, text
