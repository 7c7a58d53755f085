"""Routes that read communities; none reveals a secret community to a non-member."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from agora.communities.api.dependencies import CommunityId, PersonPath, Service, etag
from agora.communities.api.openapi import (
    COMMUNITY_NOT_FOUND,
    ETAG_HEADER,
    MEMBERSHIP_NOT_FOUND,
    NOT_ALLOWED,
    REQUEST_NOT_FOUND,
    VALIDATION_FAILED,
    problems,
)
from agora.communities.api.schemas import (
    CommunityList,
    CommunityPage,
    CommunityView,
    JoinRequestList,
    JoinRequestView,
    Member,
    MemberList,
    MyMembership,
)
from agora.communities.api.views import community_summary, community_view
from agora.communities.domain.errors import (
    CommunityNotFoundError,
    MembershipNotFoundError,
    NotAllowedError,
)
from agora.communities.domain.events import Kind
from agora.servicekit.identity import CurrentIdentity
from agora.servicekit.openapi import merge, success

router = APIRouter(tags=["communities"])


@router.get(
    "/communities",
    summary="Search the community directory",
    responses=problems(VALIDATION_FAILED),
)
async def list_communities(
    *,
    identity: CurrentIdentity,
    service: Service,
    q: Annotated[str | None, Query(max_length=200)] = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    kind: Kind | None = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> CommunityPage:
    """The directory: open and closed communities, and the caller's secret ones."""
    page = await service.queries.communities(
        viewer=identity.person_id,
        text=q,
        tag=tag.strip().lower() if tag else None,
        kind=kind,
        offset=offset,
        limit=limit,
    )
    return CommunityPage(
        items=[community_summary(doc) for doc in page.items],
        total=page.total,
        offset=offset,
        limit=limit,
    )


@router.get(
    "/communities/{community_id}",
    summary="Read a community",
    responses=merge(
        success(200, "The community as the caller sees it", headers=ETAG_HEADER),
        problems(VALIDATION_FAILED, COMMUNITY_NOT_FOUND),
    ),
)
async def get_community(
    *, community_id: CommunityId, identity: CurrentIdentity, service: Service, response: Response
) -> CommunityView:
    """A community's details (404 for a secret community the caller is not in)."""
    loaded = await service.load_visible(community_id=community_id, viewer=identity.person_id)
    response.headers["ETag"] = etag(loaded.version)
    return community_view(loaded.state, viewer=identity.person_id)


@router.get(
    "/communities/{community_id}/members",
    summary="List a community's members",
    responses=problems(VALIDATION_FAILED, COMMUNITY_NOT_FOUND),
)
async def list_members(
    *, community_id: CommunityId, identity: CurrentIdentity, service: Service
) -> MemberList:
    """The members and their roles (secret communities: members only)."""
    loaded = await service.load_visible(community_id=community_id, viewer=identity.person_id)
    if loaded.state.visibility == "secret" and loaded.state.role_of(identity.person_id) is None:
        raise CommunityNotFoundError(community_id)
    members = await service.queries.members(community_id=community_id)
    return MemberList(
        items=[Member(person_id=doc["person_id"], role=doc["role"]) for doc in members]
    )


@router.get(
    "/communities/{community_id}/members/me",
    summary="Read the caller's membership",
    responses=problems(VALIDATION_FAILED, COMMUNITY_NOT_FOUND, MEMBERSHIP_NOT_FOUND),
)
async def my_membership(
    *, community_id: CommunityId, identity: CurrentIdentity, service: Service
) -> MyMembership:
    """The caller's role and whether they must accept the current charter."""
    loaded = await service.load_visible(community_id=community_id, viewer=identity.person_id)
    state = loaded.state
    role = state.role_of(identity.person_id)
    if role is None:
        raise MembershipNotFoundError("you are not a member of this community")
    return MyMembership(
        community_id=community_id,
        role=role,
        charter_version=state.charter_version,
        accepted_charter_version=state.charter_acceptances.get(identity.person_id, 0),
        must_accept_charter=state.must_accept_charter(identity.person_id),
    )


@router.get(
    "/communities/{community_id}/requests",
    summary="List pending join requests",
    responses=problems(VALIDATION_FAILED, COMMUNITY_NOT_FOUND, NOT_ALLOWED),
)
async def pending_requests(
    *, community_id: CommunityId, identity: CurrentIdentity, service: Service
) -> JoinRequestList:
    """Pending join requests (managers and owners)."""
    loaded = await service.load_visible(community_id=community_id, viewer=identity.person_id)
    if not loaded.state.manages(identity.person_id):
        raise NotAllowedError("only the community's managers and owners see join requests")
    pending = sorted(p for p, s in loaded.state.requests.items() if s == "pending")
    return JoinRequestList(
        items=[JoinRequestView(person_id=person, status="pending") for person in pending]
    )


@router.get(
    "/communities/{community_id}/requests/me",
    summary="Read the caller's join request",
    responses=merge(
        success(
            200,
            "The caller's join request",
            {
                "pending": (
                    "Awaiting the managers",
                    {"person_id": "chloe.martin", "status": "pending"},
                ),
                "approved": (
                    "Approved: a member now",
                    {"person_id": "chloe.martin", "status": "approved"},
                ),
                "rejected": ("Rejected", {"person_id": "chloe.martin", "status": "rejected"}),
            },
        ),
        problems(VALIDATION_FAILED, COMMUNITY_NOT_FOUND, REQUEST_NOT_FOUND),
    ),
)
async def my_request(
    *, community_id: CommunityId, identity: CurrentIdentity, service: Service
) -> JoinRequestView:
    """The caller's join request and its outcome (pending, approved or rejected)."""
    loaded = await service.load_visible(community_id=community_id, viewer=identity.person_id)
    request_status = loaded.state.requests.get(identity.person_id)
    if request_status is None:
        raise MembershipNotFoundError("you have not asked to join this community")
    return JoinRequestView(person_id=identity.person_id, status=request_status)


@router.get("/me/communities", summary="List the caller's communities", responses=problems())
async def my_communities(*, identity: CurrentIdentity, service: Service) -> CommunityList:
    """The communities the caller belongs to."""
    documents = await service.queries.communities_of(
        person_id=identity.person_id, viewer=identity.person_id
    )
    return CommunityList(items=[community_summary(doc) for doc in documents])


@router.get(
    "/me/invitations", summary="List the caller's pending invitations", responses=problems()
)
async def my_invitations(*, identity: CurrentIdentity, service: Service) -> CommunityList:
    """The communities that invited the caller and await an answer."""
    documents = await service.queries.invitations_of(person_id=identity.person_id)
    return CommunityList(items=[community_summary(doc) for doc in documents])


@router.get(
    "/people/{person_id}/communities",
    summary="List a person's communities",
    responses=problems(VALIDATION_FAILED),
)
async def communities_of_person(
    *, person_id: PersonPath, identity: CurrentIdentity, service: Service
) -> CommunityList:
    """A person's communities as the caller may see them (never a secret one they are not in)."""
    documents = await service.queries.communities_of(person_id=person_id, viewer=identity.person_id)
    return CommunityList(items=[community_summary(doc) for doc in documents])
