"""The events of a community's stream (``community-<id>``), all in the past tense."""

from datetime import date
from typing import Literal

from agora.eventsourcing import DomainEvent, EventRegistry

Kind = Literal["interest", "project", "practice"]
Visibility = Literal["open", "closed", "secret"]
Role = Literal["owner", "manager", "member"]
ArchiveReason = Literal["owners_decided", "project_ended"]

registry = EventRegistry()


@registry.register
class CommunityCreated(DomainEvent):
    """A community was created; its creator is its first owner."""

    event_type = "agora.communities.community_created"
    community_id: str
    name: str
    description: str
    tags: tuple[str, ...]
    kind: Kind
    visibility: Visibility
    end_date: date | None
    creator_id: str


@registry.register
class CommunityRenamed(DomainEvent):
    """A community got a new name (its id is kept)."""

    event_type = "agora.communities.community_renamed"
    name: str


@registry.register
class CommunityEdited(DomainEvent):
    """A community's description, tags or end date changed."""

    event_type = "agora.communities.community_edited"
    description: str
    tags: tuple[str, ...]
    end_date: date | None


@registry.register
class CommunityArchived(DomainEvent):
    """A community was archived: readable by its members, closed to new members."""

    event_type = "agora.communities.community_archived"
    reason: ArchiveReason


@registry.register
class CommunityUnarchived(DomainEvent):
    """An archived community was opened again by its owners."""

    event_type = "agora.communities.community_unarchived"


@registry.register
class MemberJoined(DomainEvent):
    """A person joined an open community."""

    event_type = "agora.communities.member_joined"
    person_id: str


@registry.register
class JoinRequested(DomainEvent):
    """A person asked to join a closed community."""

    event_type = "agora.communities.join_requested"
    person_id: str


@registry.register
class JoinRequestApproved(DomainEvent):
    """A manager approved a join request: the requester is now a member."""

    event_type = "agora.communities.join_request_approved"
    person_id: str


@registry.register
class JoinRequestRejected(DomainEvent):
    """A manager rejected a join request, or the requester was erased (``system:erasure``)."""

    event_type = "agora.communities.join_request_rejected"
    person_id: str


@registry.register
class MemberInvited(DomainEvent):
    """A manager invited a person."""

    event_type = "agora.communities.member_invited"
    person_id: str


@registry.register
class InvitationAccepted(DomainEvent):
    """An invited person accepted: they are now a member."""

    event_type = "agora.communities.invitation_accepted"
    person_id: str


@registry.register
class InvitationDeclined(DomainEvent):
    """An invited person declined, or was erased (actor ``system:erasure``)."""

    event_type = "agora.communities.invitation_declined"
    person_id: str


@registry.register
class MemberLeft(DomainEvent):
    """A member left the community."""

    event_type = "agora.communities.member_left"
    person_id: str


@registry.register
class MemberRemoved(DomainEvent):
    """A manager removed a member, or the member was erased (actor ``system:erasure``)."""

    event_type = "agora.communities.member_removed"
    person_id: str


@registry.register
class PersonBlocked(DomainEvent):
    """A person was blocked: they can no longer join, request or accept an invitation."""

    event_type = "agora.communities.person_blocked"
    person_id: str


@registry.register
class MemberRoleChanged(DomainEvent):
    """A member's role changed."""

    event_type = "agora.communities.member_role_changed"
    person_id: str
    role: Role


@registry.register
class CharterSet(DomainEvent):
    """A new version of the community's charter was published."""

    event_type = "agora.communities.charter_set"
    version: int
    text: str


@registry.register
class CharterAccepted(DomainEvent):
    """A person accepted one version of the charter."""

    event_type = "agora.communities.charter_accepted"
    person_id: str
    version: int
