"""Routes about content: full-text search over posts and comments."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError

from agora.search.api import schemas
from agora.search.api.dependencies import (
    ID_PATTERN,
    PERSON_ID_PATTERN,
    SYSTEM_PATTERN,
    Backend,
    CurrentSearcher,
    Offset,
    SearchText,
)
from agora.search.api.openapi import read_problems
from agora.search.api.views import post_page
from agora.search.queries.posts import PostSearch, Sort, search_posts

router = APIRouter(tags=["content"])


@router.get(
    "/posts",
    summary="Search posts and comments",
    responses=read_problems(),
)
async def posts(
    *,
    backend: Backend,
    searcher: CurrentSearcher,
    q: SearchText = "",
    community: Annotated[
        str | None,
        Query(pattern=ID_PATTERN, description="Only posts of this community."),
    ] = None,
    author: Annotated[
        str | None,
        Query(pattern=PERSON_ID_PATTERN, description="Only posts by this person."),
    ] = None,
    tag: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=60,
            description="Only posts with this tag (with or without `#`).",
            openapi_examples={"tag": {"value": "kubernetes"}},
        ),
    ] = None,
    since: Annotated[
        datetime | None,
        Query(alias="from", description="Only posts published at or after this time."),
    ] = None,
    until: Annotated[
        datetime | None,
        Query(alias="to", description="Only posts published at or before this time."),
    ] = None,
    questions: Annotated[bool, Query(description="Only questions.")] = False,
    unanswered: Annotated[
        bool, Query(description="Only questions without an accepted answer.")
    ] = False,
    work_item_system: Annotated[
        str | None,
        Query(
            pattern=SYSTEM_PATTERN,
            description="Only conversations about an item of this tool (`jira`, `github`...).",
        ),
    ] = None,
    sort: Annotated[
        Sort, Query(description="`relevance` (the default with `q`) or `date` (newest first).")
    ] = "relevance",
    limit: Annotated[int, Query(ge=1, le=50, description="Results per page.")] = 20,
    offset: Offset = 0,
) -> schemas.PostPage:
    """Posts and comments the caller may read (open communities, profiles, and the closed and
    secret communities they belong to) matching `q` in French or English, with highlighted
    fragments, narrowed by the filters; the total and the facets count only those posts.
    Hidden and deleted posts and comments are never found."""
    if since and until and since > until:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", "from"), "msg": "`from` is after `to`"}]
        )
    search = PostSearch(
        text=q,
        community_id=community,
        author_id=author,
        tag=tag.strip().removeprefix("#").lower() if tag else None,
        since=since,
        until=until,
        questions=questions,
        unanswered=unanswered,
        work_item_system=work_item_system,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return await post_page(backend, await search_posts(backend, search, searcher))
