"""Route dependencies: the service, the command context and path parameters."""

import hashlib
import json
from typing import Annotated

from fastapi import Depends, Header, Path, Request

from agora.eventsourcing.envelope import canonical_json
from agora.feed.api import examples
from agora.feed.api.schemas import ID_PATTERN, ITEM_ID_PATTERN, SYSTEM_PATTERN
from agora.feed.domain.commands import Actor
from agora.feed.service import CommandContext, FeedService, StaleVersionError
from agora.servicekit.identity import CurrentIdentity


def _service(request: Request) -> FeedService:
    service: FeedService = request.app.state.feed
    return service


async def _command_context(
    request: Request,
    identity: CurrentIdentity,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            pattern=r"^[ -~]+$",
            description=(
                "Makes a retry safe: the same key with the same request answers the first "
                "outcome again without a second change; the same key with another request is "
                "a 422 problem."
            ),
            openapi_examples={
                "uuid": {
                    "summary": "A fresh key per intended change",
                    "value": examples.IDEMPOTENCY_KEY,
                }
            },
        ),
    ] = None,
) -> CommandContext:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode(errors="replace")  # the body validation refuses it anyway
    request_text = canonical_json(
        {"method": request.method, "path": request.url.path, "body": body}
    )
    return CommandContext(
        actor=Actor(person_id=identity.person_id, roles=identity.roles),
        idempotency_key=idempotency_key,
        fingerprint=hashlib.sha256(request_text.encode()).hexdigest(),
    )


def _expected_version(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            max_length=40,
            description=(
                "The post's `ETag` as last read: the change is refused with a 412 problem if "
                "the post changed since (no lost updates). Optional."
            ),
            openapi_examples={"etag": {"summary": "Version 4 as read", "value": '"4"'}},
        ),
    ] = None,
) -> int | None:
    if if_match is None:
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise StaleVersionError(f"If-Match {if_match!r} names no version of this post")
    return int(tag)


Service = Annotated[FeedService, Depends(_service)]
Context = Annotated[CommandContext, Depends(_command_context)]
ExpectedVersion = Annotated[int | None, Depends(_expected_version)]
PostId = Annotated[
    str,
    Path(
        pattern=ID_PATTERN,
        description="The post's id, as answered by its creation.",
        openapi_examples={"post": {"value": examples.POST_ID}},
    ),
]
CommentId = Annotated[
    str,
    Path(
        pattern=ID_PATTERN,
        description="The comment's id, as answered by its creation.",
        openapi_examples={"comment": {"value": examples.COMMENT_ID}},
    ),
]
CommunityId = Annotated[
    str,
    Path(
        pattern=ID_PATTERN,
        description="The community's id.",
        openapi_examples={"community": {"value": examples.COMMUNITY_ID}},
    ),
]
WorkItemSystem = Annotated[
    str,
    Path(
        pattern=SYSTEM_PATTERN,
        description="The business tool, in lower case (`jira`, `github`, `salesforce`...).",
        openapi_examples={"jira": {"value": "jira"}},
    ),
]
WorkItemId = Annotated[
    str,
    Path(
        pattern=ITEM_ID_PATTERN,
        description="The item's id in that tool (may contain `/`; up to 200 characters).",
        openapi_examples={
            "jira": {"value": "OPS-1234"},
            "github": {"value": "agora/feed#42"},
        },
    ),
]


def etag(version: int) -> str:
    """The ETag of a post at one version."""
    return f'"{version}"'
