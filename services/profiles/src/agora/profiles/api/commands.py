"""Running a command behind the API: idempotency keys, the acting person, the answer."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse

from agora.profiles.api.views import person_view
from agora.profiles.bootstrap import Runtime
from agora.profiles.idempotency import StoredAnswer, fingerprint
from agora.profiles.service import Actor, Changed
from agora.servicekit.identity import Identity

IDEMPOTENCY_KEY_MAX_LENGTH = 200


async def get_runtime(request: Request) -> Runtime:
    """The process's runtime, opened by the app's lifespan."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]

Command = Callable[[Actor], Awaitable[StoredAnswer]]


def etag(version: int) -> str:
    """The ETag of an aggregate version."""
    return f'"{version}"'


def json_answer(
    *, status_code: int, body: Any, version: int | None = None, subjects: tuple[str, ...] = ()
) -> StoredAnswer:
    """An answer with a JSON body showing ``subjects``, and an aggregate's version as ETag."""
    return StoredAnswer(
        status=status_code,
        body=body,
        etag=None if version is None else etag(version),
        subjects=subjects,
    )


def profile_answer(
    changed: Changed, actor: Actor, *, status_code: int = 200, with_etag: bool = True
) -> StoredAnswer:
    """The answer showing the profile a command changed, as its actor may see it.

    ``with_etag`` adds the profile's version (the caller may edit it with ``If-Match``).
    """
    view = person_view(changed.profile, viewer_id=actor.person_id)
    return json_answer(
        status_code=status_code,
        body=view.model_dump(mode="json"),
        version=changed.version if with_etag else None,
        subjects=(view.id,),
    )


def render(answer: StoredAnswer) -> Response:
    """The HTTP response of an answer."""
    headers = {"ETag": answer.etag} if answer.etag is not None else None
    if answer.body is None:
        return Response(status_code=answer.status, headers=headers)
    return JSONResponse(content=answer.body, status_code=answer.status, headers=headers)


async def run_command(
    *,
    request: Request,
    identity: Identity,
    runtime: Runtime,
    body: Any,
    command: Command,
) -> Response:
    """Run ``command``; with an ``Idempotency-Key`` a retry gets the first answer again."""
    key = request.headers.get("idempotency-key")
    if key is not None and not 0 < len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH:
        raise HTTPException(
            status_code=status.HTTP_400_BAD_REQUEST,
            detail=f"Idempotency-Key must have 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} characters",
        )
    command_fingerprint = fingerprint(method=request.method, path=request.url.path, body=body)
    actor = Actor(
        person_id=identity.person_id,
        roles=identity.roles,
        command_id=key,
        fingerprint=command_fingerprint,
    )
    if key is None:
        return render(await command(actor))
    earlier = await runtime.answers.recall(
        actor=actor.person_id, key=key, command_fingerprint=command_fingerprint
    )
    if earlier is not None:
        return render(earlier)
    answer = await command(actor)
    return render(
        await runtime.answers.remember(
            actor=actor.person_id, key=key, command_fingerprint=command_fingerprint, answer=answer
        )
    )
