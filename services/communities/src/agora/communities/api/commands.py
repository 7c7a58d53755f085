"""Routes that change communities: each turns a request into one decision."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Response, status

from agora.communities.api.dependencies import (
    CommunityId,
    Context,
    ExpectedVersion,
    PersonPath,
    Service,
    etag,
)
from agora.communities.api.schemas import (
    CharterAcceptance,
    CommandResult,
    CommunityView,
    CreateCommunity,
    EditCommunity,
    JoinCommunity,
    NewCharter,
    PersonRef,
    RoleChange,
)
from agora.communities.api.views import command_result, community_view, last_event_name
from agora.communities.domain import decisions
from agora.communities.domain.events import registry
from agora.communities.domain.state import CommunityAggregate

router = APIRouter(tags=["communities"])

OptionalJoin = Annotated[JoinCommunity | None, Body()]
JOINED_OUTCOMES = frozenset({"member_joined", "invitation_accepted"})


@router.post("/communities", status_code=status.HTTP_201_CREATED)
async def create_community(
    *, body: CreateCommunity, service: Service, context: Context, response: Response
) -> CommunityView:
    """Create a community; the caller becomes its first owner."""
    community_id = uuid.uuid4().hex
    outcome = await service.execute(
        community_id=community_id,
        decide=decisions.create_community(
            community_id=community_id,
            creator_id=context.actor,
            name=body.name,
            description=body.description,
            tags=tuple(dict.fromkeys(body.tags)),
            kind=body.kind,
            visibility=body.visibility,
            end_date=body.end_date,
            today=service.today(),
        ),
        context=context,
    )
    # Folding only the stored creation events makes a retried request answer exactly the same.
    aggregate = CommunityAggregate()
    state = aggregate.initial_state()
    for envelope in outcome.events:
        state = aggregate.evolve(state, envelope.payload(registry))
    created_id = state.community_id or community_id
    response.headers["Location"] = f"/communities/{created_id}"
    response.headers["ETag"] = etag(outcome.events[-1].streamversion)
    return community_view(state, viewer=context.actor)


@router.patch("/communities/{community_id}")
async def edit_community(
    *,
    community_id: CommunityId,
    body: EditCommunity,
    service: Service,
    context: Context,
    expected_version: ExpectedVersion,
    response: Response,
) -> CommandResult:
    """Rename a community or change its details (owners; If-Match guards lost updates)."""
    outcome = await service.execute(
        community_id=community_id,
        decide=decisions.edit_community(
            community_id=community_id,
            actor=context.actor,
            name=body.name,
            description=body.description,
            tags=tuple(dict.fromkeys(body.tags)) if body.tags is not None else None,
            end_date=body.end_date,
            today=service.today(),
        ),
        context=context,
        expected_version=expected_version,
    )
    response.headers["ETag"] = etag(outcome.events[-1].streamversion)
    return command_result(community_id, outcome)


@router.post("/communities/{community_id}:archive")
async def archive_community(
    *, community_id: CommunityId, service: Service, context: Context
) -> CommandResult:
    """Archive a community (owners)."""
    decide = decisions.archive_community(community_id=community_id, actor=context.actor)
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)


@router.post("/communities/{community_id}:unarchive")
async def unarchive_community(
    *, community_id: CommunityId, service: Service, context: Context
) -> CommandResult:
    """Open an archived community again (owners)."""
    decide = decisions.unarchive_community(
        community_id=community_id, actor=context.actor, today=service.today()
    )
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)


@router.post(
    "/communities/{community_id}/members/me",
    status_code=status.HTTP_201_CREATED,
    responses={202: {"description": "A join request was created", "model": CommandResult}},
)
async def join_community(
    *,
    community_id: CommunityId,
    service: Service,
    context: Context,
    response: Response,
    body: OptionalJoin = None,
) -> CommandResult:
    """Join an open community (201), ask to join a closed one (202), or accept an invitation."""
    decide = decisions.join_community(
        community_id=community_id,
        person_id=context.actor,
        accept_charter_version=body.accept_charter_version if body else None,
        today=service.today(),
    )
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    if last_event_name(outcome) not in JOINED_OUTCOMES:
        response.status_code = status.HTTP_202_ACCEPTED
    return command_result(community_id, outcome)


@router.delete("/communities/{community_id}/members/me")
async def leave_community(
    *, community_id: CommunityId, service: Service, context: Context
) -> CommandResult:
    """Leave a community (the last owner cannot)."""
    decide = decisions.leave_community(community_id=community_id, person_id=context.actor)
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)


@router.delete("/communities/{community_id}/members/{person_id}")
async def remove_member(
    *, community_id: CommunityId, person_id: PersonPath, service: Service, context: Context
) -> CommandResult:
    """Remove a member (managers; only owners remove owners)."""
    decide = decisions.remove_member(
        community_id=community_id, actor=context.actor, person_id=person_id
    )
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)


@router.put("/communities/{community_id}/members/{person_id}/role")
async def change_role(
    *,
    community_id: CommunityId,
    person_id: PersonPath,
    body: RoleChange,
    service: Service,
    context: Context,
) -> CommandResult:
    """Promote or demote a member (owners; the last owner stays an owner)."""
    decide = decisions.change_role(
        community_id=community_id, actor=context.actor, person_id=person_id, role=body.role
    )
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)


@router.post("/communities/{community_id}/blocked-people", status_code=status.HTTP_201_CREATED)
async def block_person(
    *, community_id: CommunityId, body: PersonRef, service: Service, context: Context
) -> CommandResult:
    """Block a person from the community, removing them if they are a member (managers)."""
    decide = decisions.block_person(
        community_id=community_id, actor=context.actor, person_id=body.person_id
    )
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)


@router.post("/communities/{community_id}/requests/{person_id}:approve")
async def approve_request(
    *, community_id: CommunityId, person_id: PersonPath, service: Service, context: Context
) -> CommandResult:
    """Approve a pending join request (managers); a decided request is a 409 problem."""
    decide = decisions.decide_request(
        community_id=community_id,
        actor=context.actor,
        person_id=person_id,
        approve=True,
        today=service.today(),
    )
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)


@router.post("/communities/{community_id}/requests/{person_id}:reject")
async def reject_request(
    *, community_id: CommunityId, person_id: PersonPath, service: Service, context: Context
) -> CommandResult:
    """Reject a pending join request (managers); a decided request is a 409 problem."""
    decide = decisions.decide_request(
        community_id=community_id,
        actor=context.actor,
        person_id=person_id,
        approve=False,
        today=service.today(),
    )
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)


@router.post("/communities/{community_id}/invitations", status_code=status.HTTP_201_CREATED)
async def invite_person(
    *, community_id: CommunityId, body: PersonRef, service: Service, context: Context
) -> CommandResult:
    """Invite a person (managers)."""
    decide = decisions.invite_person(
        community_id=community_id,
        actor=context.actor,
        person_id=body.person_id,
        today=service.today(),
    )
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)


@router.post("/communities/{community_id}/invitations/me:accept")
async def accept_invitation(
    *, community_id: CommunityId, service: Service, context: Context, body: OptionalJoin = None
) -> CommandResult:
    """Accept the caller's pending invitation and become a member."""
    decide = decisions.accept_invitation(
        community_id=community_id,
        person_id=context.actor,
        accept_charter_version=body.accept_charter_version if body else None,
        today=service.today(),
    )
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)


@router.post("/communities/{community_id}/invitations/me:decline")
async def decline_invitation(
    *, community_id: CommunityId, service: Service, context: Context
) -> CommandResult:
    """Decline the caller's pending invitation."""
    decide = decisions.decline_invitation(community_id=community_id, person_id=context.actor)
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)


@router.put("/communities/{community_id}/charter")
async def set_charter(
    *, community_id: CommunityId, body: NewCharter, service: Service, context: Context
) -> CommandResult:
    """Publish a new charter version (managers); members are then asked to accept it."""
    decide = decisions.set_charter(community_id=community_id, actor=context.actor, text=body.text)
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)


@router.post("/communities/{community_id}/charter/acceptances", status_code=status.HTTP_201_CREATED)
async def accept_charter(
    *, community_id: CommunityId, body: CharterAcceptance, service: Service, context: Context
) -> CommandResult:
    """Accept the current charter version (members)."""
    decide = decisions.accept_charter(
        community_id=community_id, person_id=context.actor, version=body.version
    )
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)
