"""Route dependencies: the service, the command context and path parameters."""

import hashlib
import json
from typing import Annotated

from fastapi import Depends, Header, Path, Request

from agora.communities.api.schemas import COMMUNITY_ID_PATTERN, PERSON_ID_PATTERN
from agora.communities.service import CommandContext, CommunityService, StaleVersionError
from agora.eventsourcing.envelope import canonical_json
from agora.servicekit.identity import CurrentIdentity


def _service(request: Request) -> CommunityService:
    service: CommunityService = request.app.state.communities
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
                    "value": "6f1c2a9e-8d4b-4c3e-9a7f-2b5d1e0c3a48",
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
        actor=identity.person_id,
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
                "The community's `ETag` as last read: the change is refused with a 412 problem "
                "if the community changed since (no lost updates). Optional."
            ),
            openapi_examples={"etag": {"summary": "Version 4 as read", "value": '"4"'}},
        ),
    ] = None,
) -> int | None:
    if if_match is None:
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise StaleVersionError(f"If-Match {if_match!r} names no version of this community")
    return int(tag)


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


def etag(version: int) -> str:
    """The ETag of a community at one version."""
    return f'"{version}"'
