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
from agora.communities.api.openapi import (
    ALREADY_BLOCKED,
    ALREADY_INVITED,
    ARCHIVED,
    CALLER_NOT_MEMBER,
    CHARTER_REQUIRED,
    COMMAND_PROBLEMS,
    ENDED,
    ETAG_HEADER,
    IDEMPOTENCY_KEY_REUSED,
    INVALID_COMMUNITY,
    INVITATION_NOT_PENDING,
    LAST_OWNER,
    MEMBERSHIP_CONFLICT,
    NO_CHANGE,
    NOT_A_MEMBER,
    NOT_ALLOWED,
    NOT_CURRENT_CHARTER,
    OWNERS_ONLY,
    PERSON_BLOCKED,
    REQUEST_NOT_PENDING,
    STALE_VERSION,
    VALIDATION_FAILED,
    command_success,
    problems,
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
from agora.servicekit.openapi import merge, success

router = APIRouter(tags=["communities"])

OptionalJoin = Annotated[
    JoinCommunity | None,
    Body(
        description="Optional; needed when the community has a charter, to accept its version.",
        openapi_examples={
            "accept_charter": {
                "summary": "Accept charter version 2 while joining",
                "value": {"accept_charter_version": 2},
            },
            "no_charter": {"summary": "The community has no charter", "value": {}},
        },
    ),
]
JOINED_OUTCOMES = frozenset({"member_joined", "invitation_accepted"})


@router.post(
    "/communities",
    status_code=status.HTTP_201_CREATED,
    summary="Create a community",
    responses=merge(
        success(
            201,
            "The community was created; the caller is its owner",
            headers={
                "Location": "The new community's URL, e.g. `/communities/3f2b8c1e…`",
                **ETAG_HEADER,
            },
        ),
        problems(VALIDATION_FAILED, INVALID_COMMUNITY, IDEMPOTENCY_KEY_REUSED),
    ),
)
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


@router.patch(
    "/communities/{community_id}",
    summary="Edit a community's details",
    responses=merge(
        command_success("community_edited", "The details were changed", headers=ETAG_HEADER),
        problems(
            *COMMAND_PROBLEMS, OWNERS_ONLY, NO_CHANGE, ARCHIVED, STALE_VERSION, INVALID_COMMUNITY
        ),
    ),
)
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


@router.post(
    "/communities/{community_id}:archive",
    summary="Archive a community",
    responses=merge(
        command_success("community_archived", "The community is archived"),
        problems(*COMMAND_PROBLEMS, OWNERS_ONLY, NO_CHANGE),
    ),
)
async def archive_community(
    *, community_id: CommunityId, service: Service, context: Context
) -> CommandResult:
    """Archive a community (owners)."""
    decide = decisions.archive_community(community_id=community_id, actor=context.actor)
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)


@router.post(
    "/communities/{community_id}:unarchive",
    summary="Unarchive a community",
    responses=merge(
        command_success("community_unarchived", "The community is open again"),
        problems(*COMMAND_PROBLEMS, OWNERS_ONLY, NO_CHANGE, ENDED),
    ),
)
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
    summary="Join a community (or ask to)",
    responses=merge(
        command_success("member_joined", "The caller is a member", status=201),
        {202: {"description": "A join request was created", "model": CommandResult}},
        command_success("join_requested", "A join request awaits the managers", status=202),
        problems(
            *COMMAND_PROBLEMS,
            PERSON_BLOCKED,
            MEMBERSHIP_CONFLICT,
            ARCHIVED,
            ENDED,
            CHARTER_REQUIRED,
        ),
    ),
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


@router.delete(
    "/communities/{community_id}/members/me",
    summary="Leave a community",
    responses=merge(
        command_success("member_left", "The caller left the community"),
        problems(*COMMAND_PROBLEMS, CALLER_NOT_MEMBER, LAST_OWNER),
    ),
)
async def leave_community(
    *, community_id: CommunityId, service: Service, context: Context
) -> CommandResult:
    """Leave a community (the last owner cannot)."""
    decide = decisions.leave_community(community_id=community_id, person_id=context.actor)
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)


@router.delete(
    "/communities/{community_id}/members/{person_id}",
    summary="Remove a member",
    responses=merge(
        command_success("member_removed", "The member was removed"),
        problems(*COMMAND_PROBLEMS, NOT_ALLOWED, NOT_A_MEMBER, LAST_OWNER),
    ),
)
async def remove_member(
    *, community_id: CommunityId, person_id: PersonPath, service: Service, context: Context
) -> CommandResult:
    """Remove a member (managers; only owners remove owners)."""
    decide = decisions.remove_member(
        community_id=community_id, actor=context.actor, person_id=person_id
    )
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)


@router.put(
    "/communities/{community_id}/members/{person_id}/role",
    summary="Change a member's role",
    responses=merge(
        command_success("member_role_changed", "The member has the new role"),
        problems(*COMMAND_PROBLEMS, OWNERS_ONLY, NOT_A_MEMBER, NO_CHANGE, LAST_OWNER),
    ),
)
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


@router.post(
    "/communities/{community_id}/blocked-people",
    status_code=status.HTTP_201_CREATED,
    summary="Block a person",
    responses=merge(
        command_success("person_blocked", "The person is blocked", status=201),
        problems(*COMMAND_PROBLEMS, NOT_ALLOWED, ALREADY_BLOCKED, LAST_OWNER),
    ),
)
async def block_person(
    *, community_id: CommunityId, body: PersonRef, service: Service, context: Context
) -> CommandResult:
    """Block a person from the community, removing them if they are a member (managers)."""
    decide = decisions.block_person(
        community_id=community_id, actor=context.actor, person_id=body.person_id
    )
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)


@router.post(
    "/communities/{community_id}/requests/{person_id}:approve",
    summary="Approve a join request",
    responses=merge(
        command_success("join_request_approved", "The person is a member"),
        problems(*COMMAND_PROBLEMS, NOT_ALLOWED, REQUEST_NOT_PENDING, ARCHIVED, ENDED),
    ),
)
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


@router.post(
    "/communities/{community_id}/requests/{person_id}:reject",
    summary="Reject a join request",
    responses=merge(
        command_success("join_request_rejected", "The request was rejected"),
        problems(*COMMAND_PROBLEMS, NOT_ALLOWED, REQUEST_NOT_PENDING),
    ),
)
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


@router.post(
    "/communities/{community_id}/invitations",
    status_code=status.HTTP_201_CREATED,
    summary="Invite a person",
    responses=merge(
        command_success("member_invited", "The person is invited", status=201),
        problems(*COMMAND_PROBLEMS, NOT_ALLOWED, ALREADY_INVITED, ARCHIVED, ENDED),
    ),
)
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


@router.post(
    "/communities/{community_id}/invitations/me:accept",
    summary="Accept an invitation",
    responses=merge(
        command_success("invitation_accepted", "The caller is a member"),
        problems(
            *COMMAND_PROBLEMS,
            INVITATION_NOT_PENDING,
            PERSON_BLOCKED,
            MEMBERSHIP_CONFLICT,
            ARCHIVED,
            ENDED,
            CHARTER_REQUIRED,
        ),
    ),
)
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


@router.post(
    "/communities/{community_id}/invitations/me:decline",
    summary="Decline an invitation",
    responses=merge(
        command_success("invitation_declined", "The invitation was declined"),
        problems(*COMMAND_PROBLEMS, INVITATION_NOT_PENDING),
    ),
)
async def decline_invitation(
    *, community_id: CommunityId, service: Service, context: Context
) -> CommandResult:
    """Decline the caller's pending invitation."""
    decide = decisions.decline_invitation(community_id=community_id, person_id=context.actor)
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)


@router.put(
    "/communities/{community_id}/charter",
    summary="Publish a new charter version",
    responses=merge(
        command_success(
            "charter_accepted", "The new version is published (and its author accepted it)"
        ),
        problems(*COMMAND_PROBLEMS, NOT_ALLOWED, ARCHIVED),
    ),
)
async def set_charter(
    *, community_id: CommunityId, body: NewCharter, service: Service, context: Context
) -> CommandResult:
    """Publish a new charter version (managers); members are then asked to accept it."""
    decide = decisions.set_charter(community_id=community_id, actor=context.actor, text=body.text)
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)


@router.post(
    "/communities/{community_id}/charter/acceptances",
    status_code=status.HTTP_201_CREATED,
    summary="Accept the current charter",
    responses=merge(
        command_success("charter_accepted", "The caller accepted the charter", status=201),
        problems(*COMMAND_PROBLEMS, CALLER_NOT_MEMBER, NOT_CURRENT_CHARTER),
    ),
)
async def accept_charter(
    *, community_id: CommunityId, body: CharterAcceptance, service: Service, context: Context
) -> CommandResult:
    """Accept the current charter version (members)."""
    decide = decisions.accept_charter(
        community_id=community_id, person_id=context.actor, version=body.version
    )
    outcome = await service.execute(community_id=community_id, decide=decide, context=context)
    return command_result(community_id, outcome)
