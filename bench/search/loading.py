"""Loading the generated organisation: the side model in MongoDB and the documents in
Elasticsearch, built with the service's own pure functions (evidence, documents, standing), as
the indexer would build them from the same events, but written in bulk.

Replaying a million posts through the indexer here would take hours on FerretDB (a few
single-document writes per event); the indexer's own rate is measured apart (freshness).
"""

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from agora.eventsourcing import ProjectionCatalog, ReadModel
from agora.search.indexing.bulk import IndexAction, bulk_index
from agora.search.indexing.documents import community_document, person_document, post_document
from agora.search.indexing.indices import KINDS, SearchIndices
from agora.search.sidemodel import people as people_steps
from agora.search.sidemodel.evidence import evidence_of
from agora.search.sidemodel.records import (
    Contribution,
    DeclaredSkill,
    Endorsement,
    GivenEndorsement,
    PersonRecord,
)
from bench.search.generator import Organisation, posts

GENERATION = 1
BULK_ACTIONS = 2000
MONGO_BATCH = 50
"""FerretDB hangs on bulk writes of 100 statements or more."""


@dataclass
class LoadResult:
    """What was loaded, and how fast."""

    people: int
    communities: int
    posts: int
    comments: int
    evidence_items: int
    seconds: float
    mongo_seconds: float


def person_records(organisation: Organisation) -> dict[str, PersonRecord]:
    """People's records before their contributions: card, skills, weighted endorsements."""
    records: dict[str, PersonRecord] = {}
    listed = {c.community_id for c in organisation.communities if c.visibility != "secret"}
    for person in organisation.people:
        records[person.person_id] = PersonRecord(
            person_id=person.person_id,
            revision=1,
            card_version=1,
            profile_version=1,
            display_name=person.display_name,
            job_title="Collaborateur",
            department=person.department,
            has_card=True,
            skills=[DeclaredSkill(skill=s, level=lv) for s, lv in sorted(person.declared.items())],
            help_topics=person.help_topics,
            communities=sorted(person.communities),
            listed_communities=sorted(set(person.communities) & listed),
        )
    for person in organisation.people:
        for skill, endorsers in person.endorsers.items():
            for endorser in endorsers:
                records[person.person_id].endorsements.append(
                    Endorsement(skill=skill, endorser_id=endorser)
                )
                records[endorser].endorsed.append(
                    GivenEndorsement(person_id=person.person_id, skill=skill, version=1)
                )
    for record in records.values():
        for endorsement in record.endorsements:
            endorsement.weight = people_steps.standing(
                records[endorsement.endorser_id], endorsement.skill
            )
    return records


async def load(
    *,
    organisation: Organisation,
    post_count: int,
    seed: int,
    indices: SearchIndices,
    database: AsyncDatabase[dict[str, Any]],
    projection_name: str,
    progress: Any,
) -> LoadResult:
    """Create generation 1, load every document and the side model, point the aliases."""
    started = time.monotonic()
    await indices.create_generation(GENERATION)
    names = indices.names
    for kind in KINDS:
        await indices.client.indices.put_settings(
            index=names.index(kind, GENERATION), body={"index": {"refresh_interval": "-1"}}
        )
    records = person_records(organisation)
    comments = evidence_items = 0
    pending: list[IndexAction] = []
    writes: list[asyncio.Task[Any]] = []
    for number, post in enumerate(posts(organisation, count=post_count, seed=seed), start=1):
        evidence = evidence_of(post)
        for person_id, items in evidence.items():
            records[person_id].contributions.append(Contribution(post_id=post.post_id, items=items))
            evidence_items += len(items)
        comments += len(post.comments)
        pending.append(
            IndexAction(
                "posts",
                names.index("posts", GENERATION),
                post.post_id,
                post.version,
                post_document(post),
            )
        )
        if len(pending) >= BULK_ACTIONS:
            writes.append(asyncio.create_task(bulk_index(indices.client, pending)))
            pending = []
            if len(writes) >= 2:
                await writes.pop(0)
        if number % 50_000 == 0:
            progress(f"{number} posts generated and sent")
    pending += [
        IndexAction(
            "people", names.index("people", GENERATION), r.person_id, r.revision, person_document(r)
        )
        for r in records.values()
    ]
    pending += [
        IndexAction(
            "communities",
            names.index("communities", GENERATION),
            c.community_id,
            c.version,
            community_document(c),
        )
        for c in organisation.communities
    ]
    for start in range(0, len(pending), BULK_ACTIONS):
        writes.append(
            asyncio.create_task(bulk_index(indices.client, pending[start : start + BULK_ACTIONS]))
        )
    for write in writes:
        outcome = await write
        if outcome.rejected:
            raise RuntimeError(f"{len(outcome.rejected)} documents rejected")
    for kind in KINDS:
        await indices.client.indices.put_settings(
            index=names.index(kind, GENERATION), body={"index": {"refresh_interval": "1s"}}
        )
    await indices.client.indices.refresh(index=f"{names.prefix}-*")
    await indices.point_aliases(GENERATION)
    indexed = time.monotonic()
    progress("side model: people and communities into MongoDB")
    await _side_model(database, projection_name, records, organisation)
    return LoadResult(
        people=len(records),
        communities=len(organisation.communities),
        posts=post_count,
        comments=comments,
        evidence_items=evidence_items,
        seconds=indexed - started,
        mongo_seconds=time.monotonic() - indexed,
    )


async def _side_model(
    database: AsyncDatabase[dict[str, Any]],
    projection_name: str,
    records: dict[str, PersonRecord],
    organisation: Organisation,
) -> None:
    """The records the live indexer continues from (posts are not needed: the freshness
    phase only publishes new ones)."""
    catalog = ProjectionCatalog(database=database)
    assert await catalog.active_generation(projection_name) == GENERATION
    read_model = ReadModel(catalog=catalog, name=projection_name, generation=GENERATION)
    people = read_model.collection("people")
    for batch in _batches([r.model_dump(by_alias=True) for r in records.values()]):
        await people.insert_many(batch, ordered=False)
    communities = read_model.collection("communities")
    documents = [c.model_dump(by_alias=True) for c in organisation.communities]
    for batch in _batches(documents):
        await communities.insert_many(batch, ordered=False)


def _batches(documents: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(documents), MONGO_BATCH):
        yield documents[start : start + MONGO_BATCH]
