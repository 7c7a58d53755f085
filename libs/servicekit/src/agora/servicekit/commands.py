"""Route dependencies of commands: the idempotency key, the request's fingerprint and ``If-Match``.

A command carries an optional ``Idempotency-Key``; the service stores it with a fingerprint of
the request, so that a retry (same key, same request) answers the first outcome again and the
same key with another request is refused. ``If-Match`` names the version the caller last read.
"""

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from agora.eventsourcing.envelope import canonical_json
from agora.servicekit.identity import CurrentIdentity, Identity

IDEMPOTENCY_KEY_EXAMPLE = "6f1c2a9e-8d4b-4c3e-9a7f-2b5d1e0c3a48"

IdempotencyKey = Annotated[
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
                "value": IDEMPOTENCY_KEY_EXAMPLE,
            }
        },
    ),
]
"""Route parameter type of the optional ``Idempotency-Key`` header."""


@dataclass(frozen=True, slots=True)
class CommandRequest:
    """Who sends a command, the key that makes its retry safe, and the request's fingerprint."""

    identity: Identity
    idempotency_key: str | None
    fingerprint: str


async def request_fingerprint(request: Request) -> str:
    """The SHA-256 of the request's method, path and body: what a retry must send again."""
    raw = await request.body()
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode(errors="replace")  # the body validation refuses it anyway
    request_text = canonical_json(
        {"method": request.method, "path": request.url.path, "body": body}
    )
    return hashlib.sha256(request_text.encode()).hexdigest()


async def command_request(
    request: Request, identity: CurrentIdentity, idempotency_key: IdempotencyKey = None
) -> CommandRequest:
    """FastAPI dependency: the verified caller, the ``Idempotency-Key`` and the fingerprint."""
    return CommandRequest(
        identity=identity,
        idempotency_key=idempotency_key,
        fingerprint=await request_fingerprint(request),
    )


CurrentCommand = Annotated[CommandRequest, Depends(command_request)]
"""Route (or dependency) parameter type of the command being sent."""


def expected_version(
    *, subject: str, stale: Callable[[str], Exception]
) -> Callable[[str | None], Awaitable[int | None]]:
    """A FastAPI dependency: the version ``If-Match`` names of a ``subject``, if any.

    A tag that names no version raises ``stale(detail)`` (the service's 412 error). Async,
    though it awaits nothing: FastAPI runs a plain ``def`` dependency in a worker thread.
    """

    async def dependency(
        if_match: Annotated[
            str | None,
            Header(
                alias="If-Match",
                max_length=40,
                description=(
                    f"The {subject}'s `ETag` as last read: the change is refused with a 412 "
                    f"problem if the {subject} changed since (no lost updates). Optional."
                ),
                openapi_examples={"etag": {"summary": "Version 4 as read", "value": '"4"'}},
            ),
        ] = None,
    ) -> int | None:
        if if_match is None:
            return None
        tag = if_match.strip().removeprefix("W/").strip('"')
        if not tag.isdigit():
            raise stale(f"If-Match {if_match!r} names no version of this {subject}")
        return int(tag)

    return dependency


def etag(version: int) -> str:
    """The ``ETag`` of an aggregate at one version."""
    return f'"{version}"'
