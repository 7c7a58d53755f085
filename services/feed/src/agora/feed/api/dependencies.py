"""Route dependencies: the service, the command context and path parameters."""

from typing import Annotated

from fastapi import Depends, Path, Request

from agora.feed.api import examples
from agora.feed.api.schemas import ID_PATTERN, ITEM_ID_PATTERN, SYSTEM_PATTERN
from agora.feed.domain.commands import Actor
from agora.feed.service import CommandContext, FeedService, StaleVersionError
from agora.servicekit import commands
from agora.servicekit.commands import CurrentCommand, expected_version

etag = commands.etag
"""The ``ETag`` of a post at one version, which ``If-Match`` sends back."""


async def _service(request: Request) -> FeedService:
    service: FeedService = request.app.state.feed
    return service


async def _command_context(command: CurrentCommand) -> CommandContext:
    identity = command.identity
    return CommandContext(
        actor=Actor(person_id=identity.person_id, roles=identity.roles),
        idempotency_key=command.idempotency_key,
        fingerprint=command.fingerprint,
    )


_expected_version = expected_version(subject="post", stale=StaleVersionError)

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
