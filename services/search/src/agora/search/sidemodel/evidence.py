"""What a post proves about people's expertise: derived from the post's current record alone.

A person's record holds, per post, the evidence that post currently gives them; whenever the
post changes, its evidence is computed again and *replaces* the old one in every record
concerned. Replacing (never adding) makes redelivery and replay harmless: applying an event
twice computes the same evidence twice. Nothing counts from a hidden or deleted post or
comment, and nobody earns expertise from their own question.

- a plain post (not a share) tagged T: ``post`` on T for its author;
- a question tagged T: ``answer`` on T for each person who answered it (top-level comments,
  once per question), and ``accepted`` on T for the author of the accepted answer;
- a praise naming skill S: ``praise`` on S for each person praised.
"""

from datetime import datetime

from agora.search.sidemodel.records import EvidenceItem, EvidenceKind, PostRecord
from agora.search.topics import topic_key

Evidence = dict[str, list[EvidenceItem]]
"""Evidence by person id."""


def evidence_of(post: PostRecord) -> Evidence:
    """The evidence ``post`` gives each person now."""
    if post.state != "visible":
        return {}
    found: dict[str, dict[tuple[EvidenceKind, str], datetime]] = {}

    def prove(person_id: str, kind: EvidenceKind, topics: list[str], at: datetime) -> None:
        items = found.setdefault(person_id, {})
        for topic in topics:
            key = (kind, topic)
            items[key] = max(at, items.get(key, at))

    topics = sorted({key for tag in post.tags if (key := topic_key(tag))})
    if post.kind == "post" and post.shared_post_id is None:
        prove(post.author_id, "post", topics, post.created_at)
    elif post.kind == "question":
        for comment in post.comments:
            answers = comment.parent_id is None and comment.state == "visible"
            if answers and comment.author_id != post.author_id:
                prove(comment.author_id, "answer", topics, comment.created_at)
                if comment.comment_id == post.accepted_comment_id:
                    accepted_at = post.accepted_at or comment.created_at
                    prove(comment.author_id, "accepted", topics, accepted_at)
    elif post.kind == "praise" and post.praise_skill and (skill := topic_key(post.praise_skill)):
        for person_id in post.praised:
            if person_id != post.author_id:
                prove(person_id, "praise", [skill], post.created_at)
    return {
        person_id: [
            EvidenceItem(
                kind=kind,
                topic=topic,
                community_id=post.community_id,
                visibility=post.visibility,
                at=at,
            )
            for (kind, topic), at in sorted(items.items())
        ]
        for person_id, items in found.items()
        if items
    }
