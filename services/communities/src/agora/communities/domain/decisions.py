"""Community commands as pure decisions: given the state, the events to append or a refusal."""

from collections.abc import Sequence
from datetime import date

from agora.communities.domain.errors import (
    CharterAcceptanceRequiredError,
    CommunityAlreadyExistsError,
    CommunityArchivedError,
    CommunityEndedError,
    CommunityNotFoundError,
    InvalidCommunityError,
    InvitationNotPendingError,
    LastOwnerError,
    MembershipConflictError,
    NoChangeError,
    NotAllowedError,
    PersonBlockedError,
    RequestNotPendingError,
)
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
from agora.communities.domain.state import CommunityState
from agora.eventsourcing import DomainEvent
from agora.eventsourcing.aggregate import Decide

Events = Sequence[DomainEvent]


def create_community(
    *,
    community_id: str,
    creator_id: str,
    name: str,
    description: str,
    tags: tuple[str, ...],
    kind: Kind,
    visibility: Visibility,
    end_date: date | None,
    today: date,
) -> Decide[CommunityState]:
    """Create a community whose creator becomes its first owner."""

    def decide(state: CommunityState) -> Events:
        if state.exists:
            raise CommunityAlreadyExistsError(f"community {community_id!r} already exists")
        _check_end_date(kind=kind, end_date=end_date, today=today)
        return [
            CommunityCreated(
                community_id=community_id,
                name=name,
                description=description,
                tags=tags,
                kind=kind,
                visibility=visibility,
                end_date=end_date,
                creator_id=creator_id,
            )
        ]

    return decide


def edit_community(
    *,
    community_id: str,
    actor: str,
    name: str | None,
    description: str | None,
    tags: tuple[str, ...] | None,
    end_date: date | None,
    today: date,
) -> Decide[CommunityState]:
    """Rename a community or change its details (owners only); unset fields are kept."""

    def decide(state: CommunityState) -> Events:
        _require_owner(state, community_id, actor)
        _require_open_for_changes(state)
        events: list[DomainEvent] = []
        if name is not None and name != state.name:
            events.append(CommunityRenamed(name=name))
        new_end_date = end_date if end_date is not None else state.end_date
        if end_date is not None:
            _check_end_date(kind=state.kind, end_date=end_date, today=today)
        edited = CommunityEdited(
            description=description if description is not None else state.description,
            tags=tags if tags is not None else state.tags,
            end_date=new_end_date,
        )
        if (edited.description, edited.tags, edited.end_date) != (
            state.description,
            state.tags,
            state.end_date,
        ):
            events.append(edited)
        if not events:
            raise NoChangeError("the community already has these details")
        return events

    return decide


def archive_community(*, community_id: str, actor: str) -> Decide[CommunityState]:
    """Archive a community (owners only)."""

    def decide(state: CommunityState) -> Events:
        _require_owner(state, community_id, actor)
        if state.archived:
            raise NoChangeError("the community is already archived")
        return [CommunityArchived(reason="owners_decided")]

    return decide


def unarchive_community(*, community_id: str, actor: str, today: date) -> Decide[CommunityState]:
    """Open an archived community again (owners only; not a project past its end date)."""

    def decide(state: CommunityState) -> Events:
        _require_owner(state, community_id, actor)
        if not state.archived:
            raise NoChangeError("the community is not archived")
        if state.has_ended(today):
            raise CommunityEndedError("move the project's end date first")
        return [CommunityUnarchived()]

    return decide


def archive_if_ended(*, today: date) -> Decide[CommunityState]:
    """Archive a project community whose end date has passed (the archiver's command)."""

    def decide(state: CommunityState) -> Events:
        if not state.exists or state.archived or not state.has_ended(today):
            return []
        return [CommunityArchived(reason="project_ended")]

    return decide


def join_community(
    *, community_id: str, person_id: str, accept_charter_version: int | None, today: date
) -> Decide[CommunityState]:
    """Join an open community, ask to join a closed one, or accept an invitation."""

    def decide(state: CommunityState) -> Events:
        _require_visible(state, community_id, person_id)
        _require_not_blocked(state, person_id)
        if person_id in state.members:
            raise MembershipConflictError("you are already a member")
        _require_open_for_members(state, today)
        acceptance = _charter_acceptance(state, person_id, accept_charter_version)
        if state.is_invited(person_id):
            return [*acceptance, InvitationAccepted(person_id=person_id)]
        if state.visibility == "open":
            return [*acceptance, MemberJoined(person_id=person_id)]
        if state.visibility == "closed":
            if state.requests.get(person_id) == "pending":
                raise MembershipConflictError("your join request is already pending")
            return [*acceptance, JoinRequested(person_id=person_id)]
        raise CommunityNotFoundError(community_id)

    return decide


def decide_request(
    *, community_id: str, actor: str, person_id: str, approve: bool, today: date
) -> Decide[CommunityState]:
    """Approve or reject a pending join request (managers and owners)."""

    def decide(state: CommunityState) -> Events:
        _require_manager(state, community_id, actor)
        status = state.requests.get(person_id)
        if status != "pending":
            outcome = f"was already {status}" if status else "does not exist"
            raise RequestNotPendingError(f"the join request of {person_id!r} {outcome}")
        if not approve:
            return [JoinRequestRejected(person_id=person_id)]
        _require_open_for_members(state, today)
        return [JoinRequestApproved(person_id=person_id)]

    return decide


def invite_person(
    *, community_id: str, actor: str, person_id: str, today: date
) -> Decide[CommunityState]:
    """Invite a person (managers and owners)."""

    def decide(state: CommunityState) -> Events:
        _require_manager(state, community_id, actor)
        _require_open_for_members(state, today)
        if person_id in state.members:
            raise MembershipConflictError(f"{person_id!r} is already a member")
        if person_id in state.blocked:
            raise MembershipConflictError(f"{person_id!r} is blocked from this community")
        if state.is_invited(person_id):
            raise MembershipConflictError(f"{person_id!r} is already invited")
        return [MemberInvited(person_id=person_id)]

    return decide


def decline_invitation(*, community_id: str, person_id: str) -> Decide[CommunityState]:
    """Decline a pending invitation."""

    def decide(state: CommunityState) -> Events:
        _require_visible(state, community_id, person_id)
        if not state.is_invited(person_id):
            raise InvitationNotPendingError("you have no pending invitation to this community")
        return [InvitationDeclined(person_id=person_id)]

    return decide


def accept_invitation(
    *, community_id: str, person_id: str, accept_charter_version: int | None, today: date
) -> Decide[CommunityState]:
    """Accept a pending invitation, becoming a member."""

    def decide(state: CommunityState) -> Events:
        _require_visible(state, community_id, person_id)
        if not state.is_invited(person_id):
            raise InvitationNotPendingError("you have no pending invitation to this community")
        return join_community(
            community_id=community_id,
            person_id=person_id,
            accept_charter_version=accept_charter_version,
            today=today,
        )(state)

    return decide


def leave_community(*, community_id: str, person_id: str) -> Decide[CommunityState]:
    """Leave a community; the last owner cannot."""

    def decide(state: CommunityState) -> Events:
        _require_member(state, community_id, person_id)
        _require_other_owner(state, person_id)
        return [MemberLeft(person_id=person_id)]

    return decide


def remove_member(*, community_id: str, actor: str, person_id: str) -> Decide[CommunityState]:
    """Remove a member (managers; only owners remove owners)."""

    def decide(state: CommunityState) -> Events:
        _require_authority_over(state, community_id, actor, person_id)
        if person_id not in state.members:
            raise MembershipConflictError(f"{person_id!r} is not a member")
        return [MemberRemoved(person_id=person_id)]

    return decide


def block_person(*, community_id: str, actor: str, person_id: str) -> Decide[CommunityState]:
    """Block a person, removing them if they are a member (managers; owners for owners)."""

    def decide(state: CommunityState) -> Events:
        _require_authority_over(state, community_id, actor, person_id)
        if person_id in state.blocked:
            raise MembershipConflictError(f"{person_id!r} is already blocked")
        removal = [MemberRemoved(person_id=person_id)] if person_id in state.members else []
        return [*removal, PersonBlocked(person_id=person_id)]

    return decide


def erase_person(*, person_id: str) -> Decide[CommunityState]:
    """Take an erased person out of the community: their membership ends, and their pending
    join request or invitation too. When they were its last owner, ownership passes first to
    its longest-standing manager, or else to its longest-standing member, so that no community
    is left without an owner while it has members. Nothing to do: no events (an erasure
    applied twice changes nothing)."""

    def decide(state: CommunityState) -> Events:
        events: list[DomainEvent] = []
        if state.role_of(person_id) == "owner" and state.owner_count() == 1:
            successor = _successor(state, leaving=person_id)
            if successor is not None:
                events.append(MemberRoleChanged(person_id=successor, role="owner"))
        if person_id in state.members:
            events.append(MemberRemoved(person_id=person_id))
        if state.requests.get(person_id) == "pending":
            events.append(JoinRequestRejected(person_id=person_id))
        if state.is_invited(person_id):
            events.append(InvitationDeclined(person_id=person_id))
        return events

    return decide


def _successor(state: CommunityState, *, leaving: str) -> str | None:
    """Who becomes owner when the last one leaves for good (members are kept in join order)."""
    others = [(person, role) for person, role in state.members.items() if person != leaving]
    managers = [person for person, role in others if role == "manager"]
    if managers:
        return managers[0]
    return others[0][0] if others else None


def change_role(
    *, community_id: str, actor: str, person_id: str, role: Role
) -> Decide[CommunityState]:
    """Promote or demote a member (owners only; the last owner stays an owner)."""

    def decide(state: CommunityState) -> Events:
        _require_owner(state, community_id, actor)
        current = state.role_of(person_id)
        if current is None:
            raise MembershipConflictError(f"{person_id!r} is not a member")
        if current == role:
            raise NoChangeError(f"{person_id!r} already has the role {role!r}")
        if current == "owner":
            _require_other_owner(state, person_id)
        return [MemberRoleChanged(person_id=person_id, role=role)]

    return decide


def set_charter(*, community_id: str, actor: str, text: str) -> Decide[CommunityState]:
    """Publish a new charter version (managers and owners); its author accepts it."""

    def decide(state: CommunityState) -> Events:
        _require_manager(state, community_id, actor)
        _require_open_for_changes(state)
        version = state.charter_version + 1
        return [
            CharterSet(version=version, text=text),
            CharterAccepted(person_id=actor, version=version),
        ]

    return decide


def accept_charter(*, community_id: str, person_id: str, version: int) -> Decide[CommunityState]:
    """Accept the current charter version (members)."""

    def decide(state: CommunityState) -> Events:
        _require_member(state, community_id, person_id)
        if version != state.charter_version or version == 0:
            raise MembershipConflictError(
                f"version {version} is not the current charter version ({state.charter_version})"
            )
        if not state.must_accept_charter(person_id):
            raise MembershipConflictError(f"you already accepted charter version {version}")
        return [CharterAccepted(person_id=person_id, version=version)]

    return decide


def _check_end_date(*, kind: Kind, end_date: date | None, today: date) -> None:
    if kind != "project":
        if end_date is not None:
            raise InvalidCommunityError("only project communities have an end date")
        return
    if end_date is None or end_date <= today:
        raise InvalidCommunityError("a project community needs an end date in the future")


def _require_visible(state: CommunityState, community_id: str, person_id: str) -> None:
    if not state.can_see(person_id):
        raise CommunityNotFoundError(community_id)


def _require_member(state: CommunityState, community_id: str, person_id: str) -> None:
    _require_visible(state, community_id, person_id)
    if person_id not in state.members:
        raise MembershipConflictError("you are not a member of this community")


def _require_manager(state: CommunityState, community_id: str, actor: str) -> None:
    _require_visible(state, community_id, actor)
    if not state.manages(actor):
        raise NotAllowedError("only the community's managers and owners may do this")


def _require_owner(state: CommunityState, community_id: str, actor: str) -> None:
    _require_visible(state, community_id, actor)
    if state.role_of(actor) != "owner":
        raise NotAllowedError("only the community's owners may do this")


def _require_authority_over(
    state: CommunityState, community_id: str, actor: str, person_id: str
) -> None:
    _require_manager(state, community_id, actor)
    if state.role_of(person_id) == "owner":
        if state.role_of(actor) != "owner":
            raise NotAllowedError("only owners may remove or block an owner")
        _require_other_owner(state, person_id)


def _require_other_owner(state: CommunityState, person_id: str) -> None:
    if state.role_of(person_id) == "owner" and state.owner_count() == 1:
        raise LastOwnerError("promote another owner first")


def _require_not_blocked(state: CommunityState, person_id: str) -> None:
    if person_id in state.blocked:
        raise PersonBlockedError("you were blocked from this community")


def _require_open_for_changes(state: CommunityState) -> None:
    if state.archived:
        raise CommunityArchivedError("unarchive the community first")


def _require_open_for_members(state: CommunityState, today: date) -> None:
    if state.has_ended(today):
        raise CommunityEndedError(f"the project ended on {state.end_date}; it takes no new members")
    if state.archived:
        raise CommunityArchivedError("an archived community takes no new members")


def _charter_acceptance(
    state: CommunityState, person_id: str, accept_charter_version: int | None
) -> list[DomainEvent]:
    if state.charter_version == 0:
        return []
    if accept_charter_version != state.charter_version:
        raise CharterAcceptanceRequiredError(
            f"accept charter version {state.charter_version} "
            "(accept_charter_version in the request body)"
        )
    if not state.must_accept_charter(person_id):
        return []
    return [CharterAccepted(person_id=person_id, version=state.charter_version)]
