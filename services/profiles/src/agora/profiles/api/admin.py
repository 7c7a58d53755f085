"""HR routes: provisioning people (one or many) and deactivating them."""

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Body, Path, Request, Response

from agora.profiles.api import examples
from agora.profiles.api.commands import RuntimeDep, json_answer, profile_answer, run_command
from agora.profiles.api.openapi import (
    COMMAND,
    IDEMPOTENT_COMMAND,
    INVALID_BULK_EMAIL,
    INVALID_EMAIL,
    INVALID_PERSON_ID,
    NO_SUCH_PERSON,
    NOT_HR,
    documented,
    success,
)
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

PersonId = Annotated[
    str,
    Path(
        pattern=PERSON_ID_PATTERN,
        description="The person's id.",
        examples=[examples.CHLOE_ID],
    ),
]


def provisioned(person: ProvisionIn) -> ProvisionedDetails:
    """The personal details provisioning ``person`` records."""
    return ProvisionedDetails(**person.model_dump(exclude={"registered_on"}))


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
    return await service.provision(
        actor=actor, details=provisioned(person), registered_on=person.registered_on
    )


def admin_router() -> APIRouter:
    """Routes for the HR (``platform-admin``) role."""
    router = APIRouter(tags=["provisioning"])

    @router.post(
        "/people",
        status_code=201,
        response_model=PersonOut,
        summary="Provision a person",
        responses=documented(
            success(201, "The person was created.", examples.PROVISIONED_PERSON, etag=True)
            | success(
                200,
                "A person with this email was already provisioned: here they are, unchanged.",
                examples.PROVISIONED_PERSON,
                etag=True,
                model=PersonOut,
            ),
            COMMAND,
            NOT_HR,
            INVALID_EMAIL,
        ),
        openapi_extra=IDEMPOTENT_COMMAND,
    )
    async def provision_person(
        body: Annotated[ProvisionIn, Body(openapi_examples=examples.PROVISION_EXAMPLES)],
        request: Request,
        identity: CurrentIdentity,
        runtime: RuntimeDep,
    ) -> Response:
        """Provision a person (HR only); an email already provisioned answers 200 with that person.

        The ETag is the version of the person's profile.
        """

        async def command(actor: Actor) -> StoredAnswer:
            changed = await _provision_one(runtime.service, actor, body)
            return profile_answer(changed, actor, status_code=201 if changed.created else 200)

        return await run_command(
            request=request,
            identity=identity,
            runtime=runtime,
            body=body.model_dump(mode="json"),
            command=command,
        )

    @router.post(
        "/people:bulk",
        response_model=BulkOut,
        summary="Provision many people at once",
        responses=documented(
            success(200, "Each person's result, in the order sent.", examples.BULK_RESULTS),
            COMMAND,
            NOT_HR,
            INVALID_BULK_EMAIL,
        ),
        openapi_extra=IDEMPOTENT_COMMAND,
    )
    async def provision_people(
        body: Annotated[BulkProvisionIn, Body(openapi_examples=examples.BULK_PROVISION_EXAMPLES)],
        request: Request,
        identity: CurrentIdentity,
        runtime: RuntimeDep,
    ) -> Response:
        """Provision up to 100 people (HR only).

        Each item of the answer says whether its person was created (201) or existed (200).
        """

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

    @router.post(
        "/people/{person_id}/deactivate",
        response_model=PersonOut,
        summary="Record that a person left the company",
        responses=documented(
            success(
                200,
                "The person, now marked as having left (again, if they already had).",
                examples.DEACTIVATED_PERSON,
                etag=True,
            ),
            COMMAND,
            NOT_HR,
            NO_SUCH_PERSON,
            INVALID_PERSON_ID,
        ),
        openapi_extra=IDEMPOTENT_COMMAND,
    )
    async def deactivate_person(
        person_id: PersonId, request: Request, identity: CurrentIdentity, runtime: RuntimeDep
    ) -> Response:
        """Record that a person left the company (HR only); their content stays.

        Deactivating someone who already left changes nothing.
        """

        async def command(actor: Actor) -> StoredAnswer:
            changed = await runtime.service.deactivate(actor=actor, person_id=person_id)
            return profile_answer(changed, actor)

        return await run_command(
            request=request, identity=identity, runtime=runtime, body=None, command=command
        )

    @router.delete(
        "/people/{person_id}/personal-data",
        status_code=204,
        summary="Erase a person's personal data",
        responses=documented(
            success(204, "The personal data is erased (erasing twice changes nothing)."),
            COMMAND,
            NOT_HR,
            NO_SUCH_PERSON,
            INVALID_PERSON_ID,
        ),
        openapi_extra=IDEMPOTENT_COMMAND,
    )
    async def erase_person(
        person_id: PersonId, request: Request, identity: CurrentIdentity, runtime: RuntimeDep
    ) -> Response:
        """Erase a person's personal data for good (HR, or the person themselves).

        Their encryption key and every copy of their details go (right to erasure).
        """

        async def command(actor: Actor) -> StoredAnswer:
            await runtime.service.erase(actor=actor, person_id=person_id)
            return json_answer(status_code=204, body=None)

        return await run_command(
            request=request, identity=identity, runtime=runtime, body=None, command=command
        )

    return router
