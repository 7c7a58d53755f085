"""A community's state, folded from its events, and what each person may see and do."""

from datetime import date
from functools import singledispatch
from typing import Literal

from pydantic import BaseModel, ConfigDict

from agora.communities.domain.events import (
    CharterAccepted,
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
    Kind,
    MemberInvited,
    MemberJoined,
    MemberLeft,
    MemberRemoved,
    MemberRoleChanged,
    PersonBlocked,
    Role,
    Visibility,
)
from agora.eventsourcing import DomainEvent

RequestStatus = Literal["pending", "approved", "rejected"]
InvitationStatus = Literal["pending", "accepted", "declined"]
MANAGING_ROLES: frozenset[Role] = frozenset({"owner", "manager"})


class CommunityState(BaseModel):
    """Everything the rules of one community need."""

    model_config = ConfigDict(frozen=True)

    community_id: str | None = None
    name: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    kind: Kind = "interest"
    visibility: Visibility = "open"
    end_date: date | None = None
    archived: bool = False
    members: dict[str, Role] = {}
    requests: dict[str, RequestStatus] = {}
    invitations: dict[str, InvitationStatus] = {}
    blocked: frozenset[str] = frozenset()
    charter_version: int = 0
    charter_text: str = ""
    charter_acceptances: dict[str, int] = {}

    @property
    def exists(self) -> bool:
        """Whether the community was created."""
        return self.community_id is not None

    def role_of(self, person_id: str) -> Role | None:
        """The person's role, or ``None`` for a non-member."""
        return self.members.get(person_id)

    def is_invited(self, person_id: str) -> bool:
        """Whether the person holds a pending invitation."""
        return self.invitations.get(person_id) == "pending"

    def can_see(self, person_id: str) -> bool:
        """Secret communities exist only for their members and the people invited to them."""
        if not self.exists:
            return False
        if self.visibility != "secret":
            return True
        return person_id in self.members or self.is_invited(person_id)

    def manages(self, person_id: str) -> bool:
        """Whether the person is an owner or a manager."""
        return self.members.get(person_id) in MANAGING_ROLES

    def owner_count(self) -> int:
        """How many owners the community has."""
        return sum(1 for role in self.members.values() if role == "owner")

    def must_accept_charter(self, person_id: str) -> bool:
        """Whether the person has not accepted the current charter version."""
        if self.charter_version == 0:
            return False
        return self.charter_acceptances.get(person_id, 0) < self.charter_version

    def has_ended(self, today: date) -> bool:
        """Whether a project community is past its end date."""
        return self.kind == "project" and self.end_date is not None and today > self.end_date


class CommunityAggregate:
    """Folds a ``community-<id>`` stream into a ``CommunityState``."""

    kind = "community"
    state_type = CommunityState
    snapshot_schema = 1

    def initial_state(self) -> CommunityState:
        """The state before the community is created."""
        return CommunityState()

    def evolve(self, state: CommunityState, event: DomainEvent) -> CommunityState:
        """The state after ``event``."""
        return _apply(event, state)


@singledispatch
def _apply(event: DomainEvent, state: CommunityState) -> CommunityState:
    return state  # an event this state does not track


@_apply.register
def _created(event: CommunityCreated, state: CommunityState) -> CommunityState:
    return _with(
        state,
        community_id=event.community_id,
        name=event.name,
        description=event.description,
        tags=event.tags,
        kind=event.kind,
        visibility=event.visibility,
        end_date=event.end_date,
        members={event.creator_id: "owner"},
    )


@_apply.register
def _renamed(event: CommunityRenamed, state: CommunityState) -> CommunityState:
    return _with(state, name=event.name)


@_apply.register
def _edited(event: CommunityEdited, state: CommunityState) -> CommunityState:
    return _with(state, description=event.description, tags=event.tags, end_date=event.end_date)


@_apply.register
def _archived(event: CommunityArchived, state: CommunityState) -> CommunityState:
    return _with(state, archived=True)


@_apply.register
def _unarchived(event: CommunityUnarchived, state: CommunityState) -> CommunityState:
    return _with(state, archived=False)


@_apply.register
def _joined(event: MemberJoined, state: CommunityState) -> CommunityState:
    return _with_member(state, event.person_id, "member")


@_apply.register
def _requested(event: JoinRequested, state: CommunityState) -> CommunityState:
    return _with(state, requests={**state.requests, event.person_id: "pending"})


@_apply.register
def _approved(event: JoinRequestApproved, state: CommunityState) -> CommunityState:
    joined = _with_member(state, event.person_id, "member")
    return _with(joined, requests={**state.requests, event.person_id: "approved"})


@_apply.register
def _rejected(event: JoinRequestRejected, state: CommunityState) -> CommunityState:
    return _with(state, requests={**state.requests, event.person_id: "rejected"})


@_apply.register
def _invited(event: MemberInvited, state: CommunityState) -> CommunityState:
    return _with(state, invitations={**state.invitations, event.person_id: "pending"})


@_apply.register
def _accepted(event: InvitationAccepted, state: CommunityState) -> CommunityState:
    joined = _with_member(state, event.person_id, "member")
    return _with(joined, invitations={**state.invitations, event.person_id: "accepted"})


@_apply.register
def _declined(event: InvitationDeclined, state: CommunityState) -> CommunityState:
    return _with(state, invitations={**state.invitations, event.person_id: "declined"})


@_apply.register
def _left(event: MemberLeft, state: CommunityState) -> CommunityState:
    return _without_member(state, event.person_id)


@_apply.register
def _removed(event: MemberRemoved, state: CommunityState) -> CommunityState:
    return _without_member(state, event.person_id)


@_apply.register
def _blocked(event: PersonBlocked, state: CommunityState) -> CommunityState:
    person_id = event.person_id
    return _with(
        state,
        blocked=state.blocked | {person_id},
        requests={p: s for p, s in state.requests.items() if p != person_id},
        invitations={p: s for p, s in state.invitations.items() if p != person_id},
    )


@_apply.register
def _role_changed(event: MemberRoleChanged, state: CommunityState) -> CommunityState:
    return _with_member(state, event.person_id, event.role)


@_apply.register
def _charter_set(event: CharterSet, state: CommunityState) -> CommunityState:
    return _with(state, charter_version=event.version, charter_text=event.text)


@_apply.register
def _charter_accepted(event: CharterAccepted, state: CommunityState) -> CommunityState:
    acceptances = {**state.charter_acceptances, event.person_id: event.version}
    return _with(state, charter_acceptances=acceptances)


def _with(state: CommunityState, **changes: object) -> CommunityState:
    return state.model_copy(update=changes)


def _with_member(state: CommunityState, person_id: str, role: Role) -> CommunityState:
    return _with(state, members={**state.members, person_id: role})


def _without_member(state: CommunityState, person_id: str) -> CommunityState:
    return _with(state, members={p: r for p, r in state.members.items() if p != person_id})
