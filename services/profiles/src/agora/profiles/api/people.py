"""Routes about other people: reading profiles, listing, endorsing and following."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from agora.profiles.api import examples
from agora.profiles.api.admin import PersonId
from agora.profiles.api.commands import RuntimeDep, json_answer, profile_answer, run_command
from agora.profiles.api.me import SkillName, read_profile, skill_name
from agora.profiles.api.openapi import (
    COMMAND,
    IDEMPOTENT_COMMAND,
    INVALID_LIMIT,
    INVALID_PERSON_ID,
    LEFT_COMPANY,
    NO_SUCH_PERSON,
    READ,
    SELF_ENDORSEMENT,
    SELF_FOLLOW,
    SKILL_NOT_DECLARED,
    documented,
    success,
)
from agora.profiles.api.schemas import PeoplePageOut, PersonIdsPageOut, PersonOut
from agora.profiles.api.views import person_view
from agora.profiles.idempotency import StoredAnswer
from agora.profiles.queries import Page
from agora.profiles.service import Actor
from agora.servicekit.identity import CurrentIdentity

Offset = Annotated[
    int, Query(ge=0, le=100_000, description="How many items to skip (a page's `next_offset`).")
]
Limit = Annotated[int, Query(ge=1, le=100, description="The most items to answer.")]
Filter = Annotated[str | None, Query(min_length=1, max_length=200)]


def _next_offset(page: Page, offset: int) -> int | None:
    return offset + len(page.items) if page.has_more else None


def people_router() -> APIRouter:
    """Routes reading other people's profiles and relating to them."""
    router = APIRouter(prefix="/people", tags=["people"])

    @router.get(
        "",
        response_model=PeoplePageOut,
        summary="Find people",
        responses=documented(
            success(200, "A page of people, as the caller may see them.", examples.PEOPLE_PAGE),
            READ,
            INVALID_LIMIT,
        ),
    )
    async def list_people(
        *,
        identity: CurrentIdentity,
        runtime: RuntimeDep,
        department: Annotated[Filter, Query(examples=["R&D"])] = None,
        location: Annotated[Filter, Query(examples=["Lyon"])] = None,
        skill: Annotated[Filter, Query(examples=["python"])] = None,
        offset: Offset = 0,
        limit: Limit = 20,
    ) -> PeoplePageOut:
        """People matching every given filter (equality on normalised values), by id.

        Each person is shown as the caller may see them: hidden fields are ``null``.
        """
        page = await runtime.queries.people(
            department=department, location=location, skill=skill, offset=offset, limit=limit
        )
        return PeoplePageOut(
            items=[
                person_view(record.profile, viewer_id=identity.person_id) for record in page.items
            ],
            next_offset=_next_offset(page, offset),
        )

    @router.get(
        "/{person_id}",
        response_model=PersonOut,
        summary="Read a person's profile",
        responses=documented(
            success(
                200,
                "The profile as the caller may see it.",
                examples.COLLEAGUE_PROFILE,
                etag=True,
            ),
            READ,
            NO_SUCH_PERSON,
            INVALID_PERSON_ID,
        ),
    )
    async def read_person(
        person_id: PersonId, identity: CurrentIdentity, runtime: RuntimeDep
    ) -> Response:
        """A person's profile as the caller may see it; the ETag is its version.

        Fields the person hides from the caller are ``null``.
        """
        return await read_profile(runtime, person_id, viewer_id=identity.person_id)

    @router.get(
        "/{person_id}/followers",
        response_model=PersonIdsPageOut,
        summary="List a person's followers",
        responses=documented(
            success(200, "A page of follower ids.", examples.PERSON_IDS_PAGE),
            READ,
            INVALID_PERSON_ID,
            INVALID_LIMIT,
        ),
    )
    async def list_followers(
        person_id: PersonId,
        identity: CurrentIdentity,
        runtime: RuntimeDep,
        offset: Offset = 0,
        limit: Limit = 50,
    ) -> PersonIdsPageOut:
        """The ids of the people following a person, by id (none for an unknown person)."""
        page = await runtime.queries.followers(person_id, offset=offset, limit=limit)
        return PersonIdsPageOut(items=page.items, next_offset=_next_offset(page, offset))

    @router.get(
        "/{person_id}/following",
        response_model=PersonIdsPageOut,
        summary="List the people a person follows",
        responses=documented(
            success(200, "A page of followee ids.", examples.PERSON_IDS_PAGE),
            READ,
            INVALID_PERSON_ID,
            INVALID_LIMIT,
        ),
    )
    async def list_following(
        person_id: PersonId,
        identity: CurrentIdentity,
        runtime: RuntimeDep,
        offset: Offset = 0,
        limit: Limit = 50,
    ) -> PersonIdsPageOut:
        """The ids of the people a person follows, by id (none for an unknown person)."""
        page = await runtime.queries.following(person_id, offset=offset, limit=limit)
        return PersonIdsPageOut(items=page.items, next_offset=_next_offset(page, offset))

    @router.put(
        "/{person_id}/skills/{name}/endorsements/me",
        response_model=PersonOut,
        summary="Endorse a person's skill",
        responses=documented(
            success(200, "The person's profile, endorsed.", examples.COLLEAGUE_PROFILE),
            COMMAND,
            NO_SUCH_PERSON,
            INVALID_PERSON_ID,
            LEFT_COMPANY,
            SKILL_NOT_DECLARED,
            SELF_ENDORSEMENT,
        ),
        openapi_extra=IDEMPOTENT_COMMAND,
    )
    async def endorse_skill(
        person_id: PersonId,
        name: SkillName,
        request: Request,
        identity: CurrentIdentity,
        runtime: RuntimeDep,
    ) -> Response:
        """Endorse a skill someone else declared (once; endorsing again changes nothing).

        Nobody can endorse their own skills, nor those of someone who left the company.
        """

        async def command(actor: Actor) -> StoredAnswer:
            changed = await runtime.service.endorse(
                actor=actor, person_id=person_id, skill=skill_name(name)
            )
            return profile_answer(changed, actor, with_etag=False)

        return await run_command(
            request=request, identity=identity, runtime=runtime, body=None, command=command
        )

    @router.delete(
        "/{person_id}/skills/{name}/endorsements/me",
        response_model=PersonOut,
        summary="Withdraw my endorsement of a skill",
        responses=documented(
            success(
                200, "The person's profile, without the endorsement.", examples.COLLEAGUE_PROFILE
            ),
            COMMAND,
            NO_SUCH_PERSON,
            INVALID_PERSON_ID,
        ),
        openapi_extra=IDEMPOTENT_COMMAND,
    )
    async def withdraw_endorsement(
        person_id: PersonId,
        name: SkillName,
        request: Request,
        identity: CurrentIdentity,
        runtime: RuntimeDep,
    ) -> Response:
        """Withdraw one's endorsement of a skill; withdrawing one never given changes nothing."""

        async def command(actor: Actor) -> StoredAnswer:
            changed = await runtime.service.withdraw_endorsement(
                actor=actor, person_id=person_id, skill=skill_name(name)
            )
            return profile_answer(changed, actor, with_etag=False)

        return await run_command(
            request=request, identity=identity, runtime=runtime, body=None, command=command
        )

    @router.put(
        "/{person_id}/followers/me",
        status_code=204,
        summary="Follow a person",
        responses=documented(
            success(204, "The caller follows the person."),
            COMMAND,
            NO_SUCH_PERSON,
            INVALID_PERSON_ID,
            LEFT_COMPANY,
            SELF_FOLLOW,
        ),
        openapi_extra=IDEMPOTENT_COMMAND,
    )
    async def follow_person(
        person_id: PersonId, request: Request, identity: CurrentIdentity, runtime: RuntimeDep
    ) -> Response:
        """Follow a person (following twice changes nothing).

        Answers 404 if the person does not exist, and 409 if the caller left the company.
        """

        async def command(actor: Actor) -> StoredAnswer:
            await runtime.service.follow(actor=actor, followee_id=person_id)
            return json_answer(status_code=204, body=None)

        return await run_command(
            request=request, identity=identity, runtime=runtime, body=None, command=command
        )

    @router.delete(
        "/{person_id}/followers/me",
        status_code=204,
        summary="Stop following a person",
        responses=documented(
            success(204, "The caller no longer follows the person."),
            COMMAND,
            NO_SUCH_PERSON,
            INVALID_PERSON_ID,
        ),
        openapi_extra=IDEMPOTENT_COMMAND,
    )
    async def unfollow_person(
        person_id: PersonId, request: Request, identity: CurrentIdentity, runtime: RuntimeDep
    ) -> Response:
        """Stop following a person; unfollowing someone not followed changes nothing."""

        async def command(actor: Actor) -> StoredAnswer:
            await runtime.service.unfollow(actor=actor, followee_id=person_id)
            return json_answer(status_code=204, body=None)

        return await run_command(
            request=request, identity=identity, runtime=runtime, body=None, command=command
        )

    return router
