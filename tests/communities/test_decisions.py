"""The community rules, decided on folded states without any infrastructure."""

from collections.abc import Sequence
from datetime import date

import pytest

from agora.communities.domain import decisions
from agora.communities.domain.errors import (
    CharterAcceptanceRequiredError,
    CommunityEndedError,
    CommunityNotFoundError,
    InvalidCommunityError,
    LastOwnerError,
    NotAllowedError,
    PersonBlockedError,
    RequestNotPendingError,
)
from agora.communities.domain.events import (
    CharterAccepted,
    CommunityArchived,
    InvitationDeclined,
    JoinRequested,
    JoinRequestRejected,
    MemberJoined,
    MemberRemoved,
    MemberRoleChanged,
    PersonBlocked,
    Role,
    Visibility,
)
from agora.communities.domain.state import CommunityAggregate, CommunityState
from agora.eventsourcing import DomainEvent
from agora.eventsourcing.aggregate import Decide

pytestmark = pytest.mark.unit

TODAY = date(2026, 6, 1)
AGGREGATE = CommunityAggregate()


def run(state: CommunityState, decide: Decide[CommunityState]) -> CommunityState:
    for event in decide(state):
        state = AGGREGATE.evolve(state, event)
    return state


def created(visibility: Visibility = "open", *, end_date: date | None = None) -> CommunityState:
    return run(
        AGGREGATE.initial_state(),
        decisions.create_community(
            community_id="c1",
            creator_id="owner",
            name="C",
            description="",
            tags=(),
            kind="project" if end_date else "interest",
            visibility=visibility,
            end_date=end_date,
            today=TODAY,
        ),
    )


def join(person_id: str, version: int | None = None) -> Decide[CommunityState]:
    return decisions.join_community(
        community_id="c1", person_id=person_id, accept_charter_version=version, today=TODAY
    )


def types(events: Sequence[DomainEvent]) -> list[type[DomainEvent]]:
    return [type(event) for event in events]


def test_the_creator_is_the_first_owner() -> None:
    assert created().members == {"owner": "owner"}


def test_joining_an_open_community_is_immediate_and_a_closed_one_is_a_request() -> None:
    assert types(join("p")(created("open"))) == [MemberJoined]
    assert types(join("p")(created("closed"))) == [JoinRequested]


def test_a_secret_community_is_not_found_for_a_person_without_an_invitation() -> None:
    with pytest.raises(CommunityNotFoundError):
        join("p")(created("secret"))


def test_a_project_needs_an_end_date_after_today() -> None:
    with pytest.raises(InvalidCommunityError):
        created(end_date=TODAY)


def test_joining_a_project_after_its_end_date_is_refused() -> None:
    state = created(end_date=date(2026, 6, 2))
    late = decisions.join_community(
        community_id="c1", person_id="p", accept_charter_version=None, today=date(2026, 6, 3)
    )

    with pytest.raises(CommunityEndedError):
        late(state)


def test_the_archiver_archives_only_ended_projects() -> None:
    state = created(end_date=date(2026, 6, 2))

    assert decisions.archive_if_ended(today=date(2026, 6, 2))(state) == []
    assert types(decisions.archive_if_ended(today=date(2026, 6, 3))(state)) == [CommunityArchived]


def test_a_second_approval_of_one_request_is_refused() -> None:
    state = run(created("closed"), join("p"))
    approve = decisions.decide_request(
        community_id="c1", actor="owner", person_id="p", approve=True, today=TODAY
    )
    state = run(state, approve)

    with pytest.raises(RequestNotPendingError, match="already approved"):
        approve(state)


def test_blocking_a_member_removes_them_and_they_cannot_ask_again() -> None:
    state = run(created("closed"), join("p"))
    block = decisions.block_person(community_id="c1", actor="owner", person_id="p")

    assert types(block(state)) == [PersonBlocked]
    with pytest.raises(PersonBlockedError):
        join("p")(run(state, block))


def test_blocking_a_joined_member_removes_them_first() -> None:
    state = run(created("open"), join("p"))

    events = decisions.block_person(community_id="c1", actor="owner", person_id="p")(state)

    assert types(events) == [MemberRemoved, PersonBlocked]


def test_the_last_owner_cannot_be_demoted_or_leave() -> None:
    state = created()

    with pytest.raises(LastOwnerError):
        decisions.change_role(community_id="c1", actor="owner", person_id="owner", role="member")(
            state
        )
    with pytest.raises(LastOwnerError):
        decisions.leave_community(community_id="c1", person_id="owner")(state)


def test_a_member_may_not_set_the_charter() -> None:
    state = run(created(), join("p"))

    with pytest.raises(NotAllowedError):
        decisions.set_charter(community_id="c1", actor="p", text="mine")(state)


def test_joining_needs_the_current_charter_version_and_records_the_acceptance() -> None:
    state = run(created(), decisions.set_charter(community_id="c1", actor="owner", text="v1"))

    with pytest.raises(CharterAcceptanceRequiredError):
        join("p")(state)
    assert types(join("p", 1)(state)) == [CharterAccepted, MemberJoined]


# --- erasure -----------------------------------------------------------------------------------


def with_members(*members: tuple[str, Role]) -> CommunityState:
    """An open community created by ``owner``, joined by ``members`` in order (with roles)."""
    state = created("open")
    for person_id, role in members:
        state = run(state, join(person_id))
        if role != "member":
            change = decisions.change_role(
                community_id="c1", actor="owner", person_id=person_id, role=role
            )
            state = run(state, change)
    return state


def erase(state: CommunityState, person_id: str) -> list[DomainEvent]:
    return list(decisions.erase_person(person_id=person_id)(state))


def test_an_erased_member_is_removed() -> None:
    state = with_members(("ana", "member"))

    assert erase(state, "ana") == [MemberRemoved(person_id="ana")]
    assert "ana" not in run(state, decisions.erase_person(person_id="ana")).members


def test_an_erased_last_owner_hands_ownership_to_the_longest_standing_manager() -> None:
    state = with_members(("ana", "member"), ("ben", "manager"), ("chloe", "manager"))

    events = erase(state, "owner")

    assert events == [
        MemberRoleChanged(person_id="ben", role="owner"),
        MemberRemoved(person_id="owner"),
    ]
    after = run(state, decisions.erase_person(person_id="owner"))
    assert after.members == {"ana": "member", "ben": "owner", "chloe": "manager"}


def test_without_managers_the_longest_standing_member_becomes_owner() -> None:
    state = with_members(("ana", "member"), ("ben", "member"))

    assert erase(state, "owner")[0] == MemberRoleChanged(person_id="ana", role="owner")


def test_an_erased_owner_among_several_or_alone_hands_nothing_on() -> None:
    assert erase(with_members(("ana", "owner")), "owner") == [MemberRemoved(person_id="owner")]
    assert erase(created(), "owner") == [MemberRemoved(person_id="owner")]


def test_an_erased_persons_pending_request_and_invitation_are_closed() -> None:
    requested = run(created("closed"), join("ana"))
    invited = run(
        created("closed"),
        decisions.invite_person(community_id="c1", actor="owner", person_id="ana", today=TODAY),
    )

    assert erase(requested, "ana") == [JoinRequestRejected(person_id="ana")]
    assert erase(invited, "ana") == [InvitationDeclined(person_id="ana")]


def test_erasing_someone_the_community_does_not_know_or_twice_decides_nothing() -> None:
    state = with_members(("ana", "member"))

    assert erase(state, "stranger") == []
    assert erase(run(state, decisions.erase_person(person_id="ana")), "ana") == []
