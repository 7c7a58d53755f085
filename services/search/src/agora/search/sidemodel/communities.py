"""How a community's record follows its stream: one pure step per communities event.

Each step applies only an event newer than the record's ``version``. Members are a set, so the
member count is exact whatever the community service sends (blocking a non-member, say).
"""

from datetime import datetime

from agora.eventsourcing import EventEnvelope
from agora.search import upstream
from agora.search.sidemodel.records import CommunityRecord, stored_time


def evolve_community(
    record: CommunityRecord | None,
    community_id: str,
    envelope: EventEnvelope,
    event: upstream.UpstreamEvent,
) -> CommunityRecord:
    """The community's record after ``event``."""
    current = record or CommunityRecord(community_id=community_id)
    if current.version >= envelope.streamversion:
        return current
    changed = current.model_copy(deep=True, update={"version": envelope.streamversion})
    _apply(changed, envelope.type, event, envelope.time)
    return changed


def _apply(
    record: CommunityRecord, event_type: str, event: upstream.UpstreamEvent, at: datetime
) -> None:
    match event:
        case upstream.CommunityCreated():
            record.name = event.name
            record.description = event.description
            record.tags = sorted(set(event.tags))
            record.kind = event.kind
            record.visibility = event.visibility
            record.created = True
            record.created_at = stored_time(at)
            record.members = sorted({*record.members, event.creator_id})
        case upstream.CommunityEdited(description=description, tags=tags):
            record.description = description
            record.tags = sorted(set(tags))
        case upstream.CommunityRenamed(name=name):
            record.name = name
        case upstream.CommunityArchived():
            record.archived = True
        case upstream.CommunityUnarchived():
            record.archived = False
        case upstream.MembershipEvent(person_id=person_id):
            members = set(record.members)
            if event_type in upstream.MEMBERSHIP_STARTS:
                members.add(person_id)
            else:
                members.discard(person_id)
            record.members = sorted(members)
