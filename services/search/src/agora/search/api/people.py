"""Routes about people: the expert finder and the colleagues to follow."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from pydantic import StringConstraints

from agora.search.api import schemas
from agora.search.api.dependencies import Backend, CurrentSearcher, Now, Offset, SearchText
from agora.search.api.openapi import read_problems
from agora.search.api.views import expert_page, person_suggestion
from agora.search.queries.experts import ExpertSearch, find_experts
from agora.search.queries.people import suggest_people

router = APIRouter(tags=["people"])

MAX_SKILLS = 10
SkillName = Annotated[str, StringConstraints(min_length=1, max_length=60)]


@router.get(
    "/experts",
    summary="Find who can help with a topic",
    responses=read_problems(),
)
async def experts(
    *,
    backend: Backend,
    searcher: CurrentSearcher,
    now: Now,
    q: SearchText = "",
    skills: Annotated[
        list[SkillName],
        Query(
            max_length=MAX_SKILLS,
            description="Skills the person should have (repeat the parameter, or separate "
            "them with commas); aliases such as `k8s` are understood.",
            openapi_examples={"one": {"value": ["kubernetes"]}, "two": {"value": ["go", "k8s"]}},
        ),
    ] = [],  # noqa: B006 - FastAPI copies the default for each request
    department: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Only people of this department (case and accents ignored).",
            openapi_examples={"platform": {"value": "Plateforme"}},
        ),
    ] = None,
    location: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Only people at this location (case and accents ignored); people who "
            "do not show their location to everyone are left out.",
            openapi_examples={"lyon": {"value": "Lyon"}},
        ),
    ] = None,
    language: Annotated[
        str | None,
        Query(
            max_length=80,
            description="Only people who speak this language; people who do not show their "
            "languages to everyone are left out.",
            openapi_examples={"french": {"value": "fr"}},
        ),
    ] = None,
    available: Annotated[
        bool | None,
        Query(description="Only people who declared topics they can help with."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=50, description="Results per page.")] = 10,
    offset: Offset = 0,
) -> schemas.ExpertPage:
    """People ranked by evidence of expertise on the topics of `q` and `skills`: declared
    level, endorsements (weighted by the endorsers' own standing in the skill), accepted
    answers and answers to questions on the topic, praise naming the skill, posts, and how
    recent they are. Each result says why it is ranked there. Evidence from closed and secret
    communities counts only when the caller is a member of them, in the ranking as in the
    reasons; people who left or were erased are never found. Location and languages come from
    the public card: only people who show them to everyone can be filtered on them."""
    names = [part.strip() for entry in skills for part in entry.split(",") if part.strip()]
    if not names and not q.strip():
        raise RequestValidationError(
            [{"type": "missing", "loc": ("query", "q"), "msg": "name a topic with q or skills"}]
        )
    search = ExpertSearch(
        text=q,
        skills=tuple(names[:MAX_SKILLS]),
        department=department,
        location=location,
        language=language,
        available=available,
        limit=limit,
        offset=offset,
    )
    page = await find_experts(backend, search, searcher, now=now)
    return expert_page(page, search.topics)


@router.get(
    "/suggestions/people",
    summary="Suggest colleagues to follow",
    responses=read_problems(),
)
async def people_suggestions(
    *,
    backend: Backend,
    searcher: CurrentSearcher,
    limit: Annotated[int, Query(ge=1, le=50, description="How many suggestions.")] = 10,
) -> schemas.PeopleSuggestions:
    """Colleagues the caller does not follow yet who share their communities, skills or
    interests, most in common first, each with what is shared."""
    found = await suggest_people(backend, searcher, limit=limit)
    return schemas.PeopleSuggestions(results=[person_suggestion(s) for s in found])
