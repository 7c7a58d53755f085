"""Elasticsearch documents, each built whole from one side-model record (pure functions).

An erased person, a hidden or a deleted post become *tombstones*: documents without any
content, kept (never deleted) so that their version refuses every older write a replay or a
redelivery could send (a deleted document's version is forgotten after ``gc_deletes``).
"""

from collections import defaultdict
from datetime import datetime
from typing import Any

from agora.search.sidemodel.records import (
    CommunityRecord,
    EvidenceItem,
    PersonRecord,
    PostRecord,
)
from agora.search.topics import topic_key

Document = dict[str, Any]
KIND_FIELDS = {"accepted": "accepted", "answer": "answers", "praise": "praise", "post": "posts"}
"""Evidence kinds and the counter each one adds to."""


def person_document(record: PersonRecord) -> Document:
    """A person as the expert finder and the suggestions search them."""
    if record.erased:
        return {"person_id": record.person_id, "erased": True, "active": False, "searchable": False}
    endorsers: defaultdict[str, int] = defaultdict(int)
    weights: defaultdict[str, float] = defaultdict(float)
    for endorsement in record.endorsements:
        endorsers[endorsement.skill] += 1
        weights[endorsement.skill] += endorsement.weight
    return {
        "person_id": record.person_id,
        "searchable": record.has_card and record.active,
        "erased": False,
        "active": record.active,
        "display_name": record.display_name,
        "job_title": record.job_title,
        "department": record.department,
        "location": record.location,
        "languages": record.languages,
        "photo_url": record.photo_url,
        "skills": [
            {
                "skill": skill.skill,
                "text": skill.skill,
                "level": skill.level,
                "endorsements": endorsers[skill.skill],
                "endorsement_weight": round(weights[skill.skill], 3),
            }
            for skill in record.skills
        ],
        "skill_keys": [skill.skill for skill in record.skills],
        "help_topics": record.help_topics,
        "help_keys": sorted({key for topic in record.help_topics if (key := topic_key(topic))}),
        "interests": sorted({key for topic in record.interests if (key := topic_key(topic))}),
        "communities": record.communities,
        "listed_communities": record.listed_communities,
        "evidence": evidence_buckets(
            [item for contribution in record.contributions for item in contribution.items]
        ),
    }


def evidence_buckets(items: list[EvidenceItem]) -> list[Document]:
    """Evidence counted per topic and community: each bucket has one visibility, so a query can
    keep exactly the buckets its searcher may see and add them up."""
    buckets: dict[tuple[str, str | None], Document] = {}
    for item in items:
        bucket = buckets.setdefault(
            (item.topic, item.community_id),
            {
                "topic": item.topic,
                "topic_text": item.topic,
                "community_id": item.community_id,
                "visibility": item.visibility,
                "accepted": 0,
                "answers": 0,
                "praise": 0,
                "posts": 0,
                "last_at": item.at,
            },
        )
        bucket[KIND_FIELDS[item.kind]] += 1
        bucket["last_at"] = max(bucket["last_at"], item.at)
    return [
        {**bucket, "last_at": _iso(bucket["last_at"])}
        for _, bucket in sorted(buckets.items(), key=lambda entry: (entry[0][0], entry[0][1] or ""))
    ]


def post_document(record: PostRecord) -> Document:
    """A post and its visible comments (a tombstone once hidden or deleted)."""
    document: Document = {
        "post_id": record.post_id,
        "state": record.state,
        "kind": record.kind,
        "author_id": record.author_id,
        "community_id": record.community_id,
        "visibility": record.visibility,
        "created_at": _iso(record.created_at),
    }
    if record.state != "visible":
        return document
    comments = [comment for comment in record.comments if comment.state == "visible"]
    answers = [
        comment
        for comment in comments
        if comment.parent_id is None and comment.author_id != record.author_id
    ]
    accepted = record.accepted_comment_id
    work_item = record.work_item
    document.update(
        {
            "text": record.text,
            "tags": record.tags,
            "work_item": (
                {
                    "system": work_item.system,
                    "item_id": work_item.item_id,
                    "url": work_item.url,
                    "title": work_item.title,
                }
                if work_item
                else None
            ),
            "edited_at": _iso(record.edited_at) if record.edited_at else None,
            "answered": any(comment.comment_id == accepted for comment in comments),
            "answer_count": len(answers) if record.kind == "question" else 0,
            "comment_count": len(comments),
            "comments": [
                {
                    "comment_id": comment.comment_id,
                    "author_id": comment.author_id,
                    "text": comment.text,
                    "created_at": _iso(comment.created_at),
                    "accepted": comment.comment_id == accepted,
                }
                for comment in comments
            ],
        }
    )
    return document


def community_document(record: CommunityRecord) -> Document:
    """A community as the community search finds it."""
    return {
        "community_id": record.community_id,
        "known": record.created,
        "name": record.name,
        "description": record.description,
        "tags": record.tags,
        "kind": record.kind,
        "visibility": record.visibility,
        "archived": record.archived,
        "member_count": len(record.members),
        "created_at": _iso(record.created_at) if record.created_at else None,
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat()
