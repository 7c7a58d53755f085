"""Routes about communities: search and suggestions."""

from typing import Annotated

from fastapi import APIRouter, Query

from agora.search.api import schemas
from agora.search.api.dependencies import Backend, CurrentSearcher, Offset, SearchText
from agora.search.api.openapi import read_problems
from agora.search.api.views import community_suggestion, community_view
from agora.search.queries.communities import (
    CommunitySearch,
    search_communities,
    suggest_communities,
)

router = APIRouter(tags=["communities"])


@router.get(
    "/communities",
    summary="Search communities",
    responses=read_problems(),
)
async def communities(
    *,
    backend: Backend,
    searcher: CurrentSearcher,
    q: SearchText = "",
    kind: Annotated[
        str | None,
        Query(
            pattern=r"^[a-z]{1,20}$",
            description="Only communities of this kind (`interest`, `project`, `practice`).",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=50, description="Results per page.")] = 20,
    offset: Offset = 0,
) -> schemas.CommunityPage:
    """Open and closed communities, and the secret ones the caller belongs to, matching `q`
    in their name, description or tags (best first, then the largest)."""
    search = CommunitySearch(text=q, kind=kind, limit=limit, offset=offset)
    found = await search_communities(backend, search, searcher)
    return schemas.CommunityPage(
        total=found.total, results=[community_view(h.source, searcher) for h in found.communities]
    )


@router.get(
    "/suggestions/communities",
    summary="Suggest communities people like you joined",
    responses=read_problems(),
)
async def community_suggestions(
    *,
    backend: Backend,
    searcher: CurrentSearcher,
    limit: Annotated[int, Query(ge=1, le=50, description="How many suggestions.")] = 10,
) -> schemas.CommunitySuggestions:
    """Open and closed communities, not archived, that the colleagues most like the caller
    (sharing their communities, skills or interests) joined and the caller did not; never a
    secret community."""
    found = await suggest_communities(backend, searcher, limit=limit)
    return schemas.CommunitySuggestions(
        results=[community_suggestion(hit, searcher) for hit in found]
    )
