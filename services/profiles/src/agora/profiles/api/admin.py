"""HR routes: provisioning people (one or many) and deactivating them."""

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from agora.profiles.api.commands import RuntimeDep, json_answer, run_command
from agora.profiles.api.schemas import (
    PERSON_ID_PATTERN,
    BulkItemOut,
    BulkOut,
    BulkProvisionIn,
    PersonOut,
    ProvisionIn,
)
from agora.profiles.api.views import person_view
from agora.profiles.domain.sealing import ProvisionedDetails
from agora.profiles.idempotency import StoredAnswer
from agora.profiles.service import Actor, Changed, ProfilesService
from agora.servicekit.identity import CurrentIdentity

PersonId = Annotated[str, Path(pattern=PERSON_ID_PATTERN)]


def provisioned(person: ProvisionIn) -> ProvisionedDetails:
    """The personal details provisioning ``person`` records."""
    return ProvisionedDetails(**person.model_dump())


async def _provision_one(
    service: ProfilesService, actor: Actor, person: ProvisionIn, *, item: int | None = None
) -> Changed:
    if item is not None and actor.command_id is not None:
        # Each item of a bulk request is its own command, deduplicated on its own.
        actor = replace(
            actor,
            command_id=f"{actor.command_id}#{item}",
            fingerprint=f"{actor.fingerprint}#{item}",
        )
    return await service.provision(actor=actor, details=provisioned(person))


def admin_router() -> APIRouter:
    """Routes for the HR (``platform-admin``) role."""
    router = APIRouter(tags=["provisioning"])

    @router.post(
        "/people", status_code=201, response_model=PersonOut, responses={200: {"model": PersonOut}}
    )
    async def provision_person(
        body: ProvisionIn, request: Request, identity: CurrentIdentity, runtime: RuntimeDep
    ) -> Response:
        """Provision a person; an email already provisioned answers 200 with that person."""

        async def command(actor: Actor) -> StoredAnswer:
            changed = await _provision_one(runtime.service, actor, body)
            view = person_view(changed.profile, viewer_id=actor.person_id)
            return json_answer(
                status_code=201 if changed.created else 200,
                body=view.model_dump(mode="json"),
                version=changed.version,
                subjects=(view.id,),
            )

        return await run_command(
            request=request,
            identity=identity,
            runtime=runtime,
            body=body.model_dump(mode="json"),
            command=command,
        )

    @router.post("/people:bulk", response_model=BulkOut)
    async def provision_people(
        body: BulkProvisionIn, request: Request, identity: CurrentIdentity, runtime: RuntimeDep
    ) -> Response:
        """Provision many people; each item says whether it was created (201) or existed (200)."""

        async def command(actor: Actor) -> StoredAnswer:
            results = []
            for index, person in enumerate(body.people):
                changed = await _provision_one(runtime.service, actor, person, item=index)
                results.append(
                    BulkItemOut(
                        index=index,
                        status=201 if changed.created else 200,
                        person=person_view(changed.profile, viewer_id=actor.person_id),
                    )
                )
            return json_answer(
                status_code=200,
                body=BulkOut(results=results).model_dump(mode="json"),
                subjects=tuple(result.person.id for result in results),
            )

        return await run_command(
            request=request,
            identity=identity,
            runtime=runtime,
            body=body.model_dump(mode="json"),
            command=command,
        )

    @router.post("/people/{person_id}/deactivate", response_model=PersonOut)
    async def deactivate_person(
        person_id: PersonId, request: Request, identity: CurrentIdentity, runtime: RuntimeDep
    ) -> Response:
        """Record that a person left the company; their content stays."""

        async def command(actor: Actor) -> StoredAnswer:
            changed = await runtime.service.deactivate(actor=actor, person_id=person_id)
            view = person_view(changed.profile, viewer_id=actor.person_id)
            return json_answer(
                status_code=200,
                body=view.model_dump(mode="json"),
                version=changed.version,
                subjects=(person_id,),
            )

        return await run_command(
            request=request, identity=identity, runtime=runtime, body=None, command=command
        )

    @router.delete("/people/{person_id}/personal-data", status_code=204)
    async def erase_person(
        person_id: PersonId, request: Request, identity: CurrentIdentity, runtime: RuntimeDep
    ) -> Response:
        """Erase a person's personal data for good (HR, or the person themselves)."""

        async def command(actor: Actor) -> StoredAnswer:
            await runtime.service.erase(actor=actor, person_id=person_id)
            return json_answer(status_code=204, body=None)

        return await run_command(
            request=request, identity=identity, runtime=runtime, body=None, command=command
        )

    return router
