"""Routes that read posts and timelines; each answers only what its caller may read now.

Posts of closed and secret communities reach their current members only; a post, community or
work item the caller may not read is answered exactly like a missing one (404). Timelines are
newest first, 30 items a page by default (at most 100), with an opaque ``cursor``.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError

from agora.feed.api import examples
from agora.feed.api.dependencies import CommunityId, PostId, WorkItemId, WorkItemSystem, etag
from agora.feed.api.openapi import (
    COMMUNITY_NOT_FOUND,
    ETAG_HEADER,
    POST_NOT_FOUND,
    VALIDATION_FAILED,
    problems,
)
from agora.feed.api.read_schemas import PostDetail, PostPage
from agora.feed.api.read_views import post_detail, post_page
from agora.feed.api.schemas import PERSON_ID_PATTERN
from agora.feed.content import is_valid_tag, normalise_tag
from agora.feed.domain.commands import Actor
from agora.feed.readside.timelines import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    InvalidCursorError,
    PostsPage,
    TimelineQueries,
)
from agora.servicekit.identity import CurrentIdentity
from agora.servicekit.openapi import merge, success

router = APIRouter(tags=["feed reads"])


async def _queries(request: Request) -> TimelineQueries:
    queries: TimelineQueries = request.app.state.timelines
    return queries


async def _actor(identity: CurrentIdentity) -> Actor:
    return Actor(person_id=identity.person_id, roles=identity.roles)


Queries = Annotated[TimelineQueries, Depends(_queries)]
Reader = Annotated[Actor, Depends(_actor)]
PageCursor = Annotated[
    str | None,
    Query(
        max_length=8192,
        description="The `next_cursor` of the previous page; omit it for the newest posts.",
    ),
]
PageSize = Annotated[
    int, Query(ge=1, le=MAX_PAGE_SIZE, description="How many posts a page holds at most.")
]
PersonPath = Annotated[
    str,
    Path(
        pattern=PERSON_ID_PATTERN,
        description="A person's id (the `sub` of their bearer token).",
        openapi_examples={"person": {"value": examples.OTHER_PERSON_ID}},
    ),
]
TagPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=60,
        description="A tag, with or without its `#` (matched in lower case).",
        openapi_examples={"tag": {"value": "kubernetes"}},
    ),
]
TIMELINE_PROBLEMS = (VALIDATION_FAILED,)


async def _paged(
    read: Callable[[str | None], Awaitable[PostsPage]], cursor: str | None
) -> PostPage:
    try:
        page = await read(cursor)
    except InvalidCursorError as error:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", "cursor"), "msg": str(error)}]
        ) from error
    return post_page(page)


@router.get(
    "/me/timeline",
    summary="Read the caller's home timeline",
    responses=problems(*TIMELINE_PROBLEMS),
)
async def home_timeline(
    *,
    reader: Reader,
    queries: Queries,
    cursor: PageCursor = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
) -> PostPage:
    """Posts of the people the caller follows and of their communities, their own posts, and
    posts that mention them, newest first."""
    return await _paged(lambda c: queries.home(reader, cursor=c, limit=limit), cursor)


@router.get(
    "/communities/{community_id}/posts",
    summary="Read a community's timeline",
    responses=problems(*TIMELINE_PROBLEMS, COMMUNITY_NOT_FOUND),
)
async def community_timeline(
    *,
    community_id: CommunityId,
    reader: Reader,
    queries: Queries,
    cursor: PageCursor = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
) -> PostPage:
    """A community's posts: open communities for everyone, closed and secret ones for their
    members (404 otherwise); an archived community stays readable."""
    return await _paged(
        lambda c: queries.community(reader, community_id, cursor=c, limit=limit), cursor
    )


@router.get(
    "/people/{person_id}/posts",
    summary="Read a person's posts",
    responses=problems(*TIMELINE_PROBLEMS),
)
async def profile_timeline(
    *,
    person_id: PersonPath,
    reader: Reader,
    queries: Queries,
    cursor: PageCursor = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
) -> PostPage:
    """What a person wrote, on their profile and in communities, that the caller may read."""
    return await _paged(lambda c: queries.profile(reader, person_id, cursor=c, limit=limit), cursor)


@router.get(
    "/people/{person_id}/praise",
    summary="Read the praise a person received",
    responses=problems(*TIMELINE_PROBLEMS),
)
async def praise_received(
    *,
    person_id: PersonPath,
    reader: Reader,
    queries: Queries,
    cursor: PageCursor = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
) -> PostPage:
    """Praise posts thanking the person that the caller may read, newest first: their
    recognition."""
    return await _paged(lambda c: queries.praise(reader, person_id, cursor=c, limit=limit), cursor)


@router.get(
    "/tags/{tag}/posts",
    summary="Read the posts with a tag",
    responses=problems(*TIMELINE_PROBLEMS),
)
async def tag_timeline(
    *,
    tag: TagPath,
    reader: Reader,
    queries: Queries,
    cursor: PageCursor = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
) -> PostPage:
    """The posts carrying the tag that the caller may read, newest first."""
    normalised = normalise_tag(tag)
    if not is_valid_tag(normalised):
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("path", "tag"),
                    "msg": "a tag is 1 to 50 of a-z, 0-9, '_' and '-'",
                }
            ]
        )
    return await _paged(lambda c: queries.tag(reader, normalised, cursor=c, limit=limit), cursor)


@router.get(
    "/me/questions",
    summary="Read the open questions the caller could answer",
    responses=problems(*TIMELINE_PROBLEMS),
)
async def questions_for_me(
    *,
    reader: Reader,
    queries: Queries,
    cursor: PageCursor = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
) -> PostPage:
    """Unanswered questions whose tags or text name one of the caller's skills or "I can help
    with" topics, in places the caller may read, newest first (not the caller's own)."""
    return await _paged(lambda c: queries.questions_for(reader, cursor=c, limit=limit), cursor)


@router.get(
    "/posts/{post_id}",
    summary="Read a post and its conversation",
    responses=merge(
        success(200, "The post as the caller may see it", headers=ETAG_HEADER),
        problems(VALIDATION_FAILED, POST_NOT_FOUND),
    ),
)
async def read_post(
    *, post_id: PostId, reader: Reader, queries: Queries, response: Response
) -> PostDetail:
    """The post with its comments and replies, its earlier versions, and (for moderators) its
    reports. Comments hidden by a moderator show a notice instead of their text to others."""
    page = await queries.post(reader, post_id)
    response.headers["ETag"] = etag(page.posts[0].version)
    return post_detail(page)


@router.get(
    "/communities/{community_id}/work-items/{system}/{item_id:path}",
    summary="Find a work item's conversation",
    responses=merge(
        success(200, "The work item's conversation", headers=ETAG_HEADER),
        problems(VALIDATION_FAILED, COMMUNITY_NOT_FOUND, POST_NOT_FOUND),
    ),
)
async def work_item_thread(
    *,
    community_id: CommunityId,
    system: WorkItemSystem,
    item_id: WorkItemId,
    reader: Reader,
    queries: Queries,
    response: Response,
) -> PostDetail:
    """THE conversation about a work item in a community, as ``GET /posts/{id}`` shows it
    (404 when the community is not readable or nobody opened it yet)."""
    page = await queries.work_item_thread(reader, community_id, system, item_id)
    response.headers["ETag"] = etag(page.posts[0].version)
    return post_detail(page)
