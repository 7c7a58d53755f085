"""The search box's autocomplete."""

from typing import Annotated

from fastapi import APIRouter, Query

from agora.search.api import schemas
from agora.search.api.dependencies import Backend, CurrentSearcher
from agora.search.api.openapi import read_problems
from agora.search.api.views import person_view
from agora.search.queries.autocomplete import autocomplete

router = APIRouter(tags=["autocomplete"])


@router.get(
    "/autocomplete",
    summary="Complete what is typed in the search box",
    responses=read_problems(),
)
async def complete(
    *,
    backend: Backend,
    searcher: CurrentSearcher,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=100,
            description="What was typed so far.",
            openapi_examples={"name": {"value": "chlo"}, "skill": {"value": "kube"}},
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=10, description="Proposals of each kind.")] = 5,
) -> schemas.Autocomplete:
    """People whose name starts with the words typed, declared skills, communities the caller
    may know of, and tags of posts the caller may read, starting with what was typed."""
    found = await autocomplete(backend, q, searcher, limit=limit)
    return schemas.Autocomplete(
        people=[person_view(p["person_id"], p) for p in found.people],
        skills=[schemas.SkillSuggestion(skill=s, people=n) for s, n in found.skills],
        communities=[
            schemas.CommunityRef(community_id=c["community_id"], name=c["name"])
            for c in found.communities
        ],
        tags=[schemas.TagSuggestion(tag=t, posts=n) for t, n in found.tags],
    )
