"""Routes importing content of another network with its authors and original times.

A migration (from another enterprise network) is run by a platform administrator: each post
and comment is stored for its author, with the time it was first published, and reaches the
same timelines and notifications as if it had been published here then. The author must be
allowed to publish it now (a member of its community, posting on their own profile); only the
importer's role lets the time and the author differ from the request's.
"""

import uuid

from fastapi import APIRouter, Response, status

from agora.feed.api.commands import created_post, payloads, place_of, publish_command
from agora.feed.api.dependencies import Context, PostId, Service
from agora.feed.api.examples import COMMENT_ID
from agora.feed.api.openapi import (
    COMMAND_PROBLEMS,
    COMMENT_HIDDEN,
    COMMENT_NOT_FOUND,
    COMMUNITY_NOT_FOUND,
    ETAG_HEADER,
    IDEMPOTENCY_KEY_REUSED,
    INVALID_COMMENT,
    INVALID_POST,
    NOT_A_MEMBER,
    OTHER_PROFILE,
    PARTICIPATION_PROBLEMS,
    POST_HIDDEN,
    READ_ONLY,
    SHARE_RESTRICTED,
    VALIDATION_FAILED,
    Problem,
    created_success,
    feed_problem,
    merge,
    problems,
)
from agora.feed.api.schemas import Created, ImportedComment, ImportedPost, ImportedShare
from agora.feed.domain import decisions, errors
from agora.feed.domain.commands import Actor, AddComment, SharePost
from agora.feed.domain.events import CommentAdded

router = APIRouter(prefix="/imports", tags=["feed imports"])

NOT_AN_IMPORTER: Problem = feed_problem(
    errors.NotAllowedError,
    "only platform administrators import content",
    "Not a platform administrator",
    name="not-an-importer",
)
POST_EXISTS: Problem = feed_problem(
    errors.PostExistsError,
    "the conversation about this work item already exists",
    "The work item's conversation exists",
)


@router.post(
    "/posts",
    status_code=status.HTTP_201_CREATED,
    summary="Import a post with its author and time",
    responses=merge(
        created_success("The post was imported", headers=ETAG_HEADER),
        problems(
            VALIDATION_FAILED,
            IDEMPOTENCY_KEY_REUSED,
            NOT_AN_IMPORTER,
            COMMUNITY_NOT_FOUND,
            NOT_A_MEMBER,
            READ_ONLY,
            INVALID_POST,
            POST_EXISTS,
        ),
    ),
)
async def import_post(
    *, body: ImportedPost, service: Service, context: Context, response: Response
) -> Created:
    """Import a post of another network for ``author_id``, dated ``published_at`` (platform
    administrators only).

    The same rules as ``POST /posts`` apply to the author. A post about a work item in a
    community becomes THE conversation about that item (409 if it already has one). Send an
    ``Idempotency-Key`` per imported item so an interrupted import can be resumed.
    """
    author = Actor(person_id=body.author_id)
    post_id = uuid.uuid4().hex
    if body.work_item is not None and body.place.kind == "community" and body.place.id:
        post_id = decisions.work_item_post_id(
            body.place.id, body.work_item.system, body.work_item.item_id
        )
    outcome = await service.import_post(
        command=publish_command(body, author, post_id),
        author=author,
        published_at=body.published_at,
        context=context,
    )
    return created_post(outcome, response)


@router.post(
    "/posts/{post_id}/comments",
    status_code=status.HTTP_201_CREATED,
    summary="Import a comment with its author and time",
    responses=merge(
        created_success("The comment was imported", created_id=COMMENT_ID, version=5),
        problems(
            *PARTICIPATION_PROBLEMS,
            NOT_AN_IMPORTER,
            COMMENT_NOT_FOUND,
            COMMENT_HIDDEN,
            INVALID_COMMENT,
        ),
    ),
)
async def import_comment(
    *,
    post_id: PostId,
    body: ImportedComment,
    service: Service,
    context: Context,
    response: Response,
) -> Created:
    """Import a comment (or reply) of another network for ``author_id``, dated
    ``published_at`` (platform administrators only); not older than an imported post.

    The author must be allowed to comment on the post now, as for ``POST .../comments``.
    """
    author = Actor(person_id=body.author_id)
    command = AddComment(
        comment_id=uuid.uuid4().hex,
        text=body.text,
        mentions=tuple(body.mentions),
        parent_comment_id=body.parent_comment_id,
    )
    outcome = await service.on_post(
        post_id=post_id,
        decide=lambda state, community, now: decisions.decide_import_comment(
            state,
            community,
            importer=context.actor,
            author=author,
            command=command,
            published_at=body.published_at,
            now=now,
        ),
        context=context,
    )
    added = [e for e in payloads(outcome) if isinstance(e, CommentAdded)]
    comment_id = added[0].comment_id if added else command.comment_id
    response.headers["Location"] = f"/posts/{post_id}/comments/{comment_id}"
    return Created(id=comment_id, post_id=post_id, version=outcome.version)


@router.post(
    "/posts/{post_id}/shares",
    status_code=status.HTTP_201_CREATED,
    summary="Import a share with its author and time",
    responses=merge(
        created_success("The share was imported as a new post", headers=ETAG_HEADER),
        problems(
            *COMMAND_PROBLEMS,
            NOT_AN_IMPORTER,
            COMMUNITY_NOT_FOUND,
            SHARE_RESTRICTED,
            NOT_A_MEMBER,
            OTHER_PROFILE,
            READ_ONLY,
            POST_HIDDEN,
            INVALID_POST,
        ),
    ),
)
async def import_share(
    *, post_id: PostId, body: ImportedShare, service: Service, context: Context, response: Response
) -> Created:
    """Import a share of another network: ``author_id`` shared the post at ``published_at``
    (platform administrators only); not older than an imported post it shares.

    The author must be allowed to share it now, as for ``POST /posts/{post_id}/shares``.
    """
    author = Actor(person_id=body.author_id)
    outcome = await service.import_share(
        source_post_id=post_id,
        command=SharePost(
            post_id=uuid.uuid4().hex, place=place_of(body.place, author), text=body.text
        ),
        author=author,
        published_at=body.published_at,
        context=context,
    )
    return created_post(outcome, response)
