"""Route dependencies: the service, the command context and path parameters."""

from typing import Annotated

from fastapi import Depends, Path, Request

from agora.communities.api.schemas import COMMUNITY_ID_PATTERN, PERSON_ID_PATTERN
from agora.communities.service import CommandContext, CommunityService, StaleVersionError
from agora.servicekit import commands
from agora.servicekit.commands import CurrentCommand, expected_version

etag = commands.etag
"""The ``ETag`` of a community at one version, which ``If-Match`` sends back."""


async def _service(request: Request) -> CommunityService:
    service: CommunityService = request.app.state.communities
    return service


async def _command_context(command: CurrentCommand) -> CommandContext:
    return CommandContext(
        actor=command.identity.person_id,
        idempotency_key=command.idempotency_key,
        fingerprint=command.fingerprint,
    )


_expected_version = expected_version(subject="community", stale=StaleVersionError)

Service = Annotated[CommunityService, Depends(_service)]
Context = Annotated[CommandContext, Depends(_command_context)]
ExpectedVersion = Annotated[int | None, Depends(_expected_version)]
CommunityId = Annotated[
    str,
    Path(
        pattern=COMMUNITY_ID_PATTERN,
        description="The community's id, as answered by its creation.",
        openapi_examples={"community": {"value": "3f2b8c1e9d4a4f6b8e7c5a1d2b3c4e5f"}},
    ),
]
PersonPath = Annotated[
    str,
    Path(
        pattern=PERSON_ID_PATTERN,
        description="A person's id (the `sub` of their bearer token).",
        openapi_examples={"person": {"value": "chloe.martin"}},
    ),
]
