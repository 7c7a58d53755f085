"""The directory read model: one document per community and one per (community, person)."""

from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, IndexModel

from agora.communities.domain.events import (
    CharterSet,
    CommunityArchived,
    CommunityCreated,
    CommunityEdited,
    CommunityRenamed,
    CommunityUnarchived,
    InvitationAccepted,
    InvitationDeclined,
    JoinRequestApproved,
    JoinRequested,
    JoinRequestRejected,
    MemberInvited,
    MemberJoined,
    MemberLeft,
    MemberRemoved,
    MemberRoleChanged,
    PersonBlocked,
    registry,
)
from agora.eventsourcing import ApplyOrder, DomainEvent, EventEnvelope, ReadModel, apply_once
from agora.eventsourcing.mongo_indexes import ensure_indexes

Document = dict[str, Any]
COMMUNITIES_PART = ""
MEMBERSHIPS_PART = "memberships"
STREAM_PREFIX = "community-"

_JOINED = (MemberJoined, JoinRequestApproved, InvitationAccepted)
_DEPARTED: dict[type[DomainEvent], str] = {MemberLeft: "left", MemberRemoved: "removed"}
_MEMBERSHIP_STATUS: dict[type[DomainEvent], str] = {
    JoinRequested: "requested",
    JoinRequestRejected: "rejected",
    MemberInvited: "invited",
    InvitationDeclined: "declined",
    PersonBlocked: "blocked",
}


def membership_id(community_id: str, person_id: str) -> str:
    """The id of the membership document of one person in one community."""
    return f"{community_id}/{person_id}"


class CommunityDirectoryProjection:
    """Builds the communities and memberships collections from the community events."""

    # A community's document and its memberships are written by its own stream only.
    order = ApplyOrder.STREAM

    def __init__(self, *, name: str, topic: str) -> None:
        self.name = name
        self.topics: Sequence[str] = (topic,)

    async def setup(self, read_model: ReadModel) -> None:
        """Index memberships by person and by community, communities by kind."""
        await ensure_indexes(
            read_model.collection(MEMBERSHIPS_PART),
            [
                IndexModel([("person_id", ASCENDING), ("status", ASCENDING)], name="by_person"),
                IndexModel(
                    [("community_id", ASCENDING), ("status", ASCENDING)], name="by_community"
                ),
            ],
        )
        await ensure_indexes(
            read_model.collection(COMMUNITIES_PART),
            [IndexModel([("kind", ASCENDING), ("archived", ASCENDING)], name="by_kind")],
        )

    async def apply(self, envelope: EventEnvelope, read_model: ReadModel) -> None:
        """Apply one community event (others are ignored)."""
        if envelope.type not in registry or not envelope.streamid.startswith(STREAM_PREFIX):
            return
        community_id = envelope.streamid.removeprefix(STREAM_PREFIX)
        event = envelope.payload(registry)
        community_update = _community_update(event)
        if community_update is not None:
            await apply_once(
                read_model.collection(COMMUNITIES_PART),
                document_id=community_id,
                envelope=envelope,
                update=community_update,
            )
        membership = _membership_update(event, community_id)
        if membership is not None:
            person_id, update = membership
            await apply_once(
                read_model.collection(MEMBERSHIPS_PART),
                document_id=membership_id(community_id, person_id),
                envelope=envelope,
                update=update,
            )


def _community_update(event: DomainEvent) -> Document | None:  # noqa: PLR0911
    if isinstance(event, CommunityCreated):
        return {
            "$set": {
                "name": event.name,
                "name_folded": event.name.casefold(),
                "description": event.description,
                "tags": list(event.tags),
                "kind": event.kind,
                "visibility": event.visibility,
                "end_date": event.end_date.isoformat() if event.end_date else None,
                "archived": False,
                "charter_version": 0,
            },
            "$inc": {"member_count": 1},
        }
    if isinstance(event, CommunityRenamed):
        return {"$set": {"name": event.name, "name_folded": event.name.casefold()}}
    if isinstance(event, CommunityEdited):
        end_date = event.end_date.isoformat() if event.end_date else None
        fields = {"description": event.description, "tags": list(event.tags), "end_date": end_date}
        return {"$set": fields}
    if isinstance(event, CommunityArchived | CommunityUnarchived):
        return {"$set": {"archived": isinstance(event, CommunityArchived)}}
    if isinstance(event, CharterSet):
        return {"$set": {"charter_version": event.version}}
    if isinstance(event, _JOINED):
        return {"$inc": {"member_count": 1}}
    if type(event) in _DEPARTED:
        return {"$inc": {"member_count": -1}}
    return None


def _membership_update(event: DomainEvent, community_id: str) -> tuple[str, Document] | None:
    base = {"community_id": community_id}
    if isinstance(event, CommunityCreated):
        fields = {**base, "person_id": event.creator_id, "status": "member", "role": "owner"}
        return event.creator_id, {"$set": fields}
    person_id = getattr(event, "person_id", None)
    if not isinstance(person_id, str):
        return None
    extra: Document = {}
    if isinstance(event, _JOINED):
        status, extra = "member", {"role": "member"}
    elif isinstance(event, MemberRoleChanged):
        status, extra = "member", {"role": event.role}
    elif type(event) in _DEPARTED:
        status, extra = _DEPARTED[type(event)], {"role": None}
    elif type(event) in _MEMBERSHIP_STATUS:
        status = _MEMBERSHIP_STATUS[type(event)]
    else:
        return None
    return person_id, {"$set": {**base, "person_id": person_id, "status": status, **extra}}
