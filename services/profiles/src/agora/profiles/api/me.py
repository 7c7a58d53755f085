"""Routes for one's own profile: edits, skills, topics and visibility."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Request, Response

from agora.profiles.api import examples
from agora.profiles.api.commands import RuntimeDep, etag, profile_answer, run_command
from agora.profiles.api.openapi import (
    COMMAND,
    IDEMPOTENT_COMMAND,
    IF_MATCH_DESCRIPTION,
    IF_MATCH_MISSING,
    INVALID_LEVEL,
    INVALID_PHOTO_URL,
    INVALID_SKILL_NAME,
    LEFT_COMPANY,
    NO_SUCH_PERSON,
    READ,
    STALE_VERSION,
    TOO_MANY_TOPICS,
    UNKNOWN_AUDIENCE,
    documented,
    success,
)
from agora.profiles.api.problems import PreconditionRequiredError
from agora.profiles.api.schemas import (
    CompletenessOut,
    PersonalDataExport,
    PersonOut,
    ProfileEditIn,
    SkillLevelIn,
    TopicsIn,
)
from agora.profiles.api.views import completeness_out, person_view
from agora.profiles.bootstrap import Runtime
from agora.profiles.domain.errors import PersonNotFoundError
from agora.profiles.domain.events import VisibilitySettings
from agora.profiles.domain.sealing import EditedDetails
from agora.profiles.idempotency import StoredAnswer
from agora.profiles.queries import PersonRecord
from agora.profiles.service import Actor, Changed, StaleVersionError
from agora.profiles.skills import normalise_skill
from agora.servicekit.identity import CurrentIdentity, Identity

EXPORT_MAX_FOLLOWERS = 100_000
SkillName = Annotated[
    str,
    Path(
        min_length=1,
        max_length=80,
        pattern=r"\S",
        description="The skill's name, normalised before use (case, accents, aliases: k8s).",
        examples=["Python", "gestion de projet"],
    ),
]

_CHANGED = success(200, "One's profile after the change.", examples.MY_PROFILE, etag=True)
OWN_CHANGE = (*COMMAND, NO_SUCH_PERSON, LEFT_COMPANY)
"""The problems of the commands changing one's own profile."""


def expected_version(if_match: str | None) -> int:
    """The version an ``If-Match`` header names (``"3"``, ``W/"3"`` or ``3``)."""
    if if_match is None:
        raise PreconditionRequiredError("send If-Match with the ETag of the profile you edit")
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise StaleVersionError(f"If-Match {if_match!r} names no version of this profile")
    return int(value)


def skill_name(raw: str) -> str:
    """The normalised skill name of a path segment (itself if nothing survives folding)."""
    return normalise_skill(raw) or raw


async def person_record(runtime: Runtime, person_id: str) -> PersonRecord:
    """The person's profile as the read model has it, or ``PersonNotFoundError``."""
    record = await runtime.queries.person(person_id)
    if record is None:
        raise PersonNotFoundError(person_id)
    return record


async def read_profile(runtime: Runtime, person_id: str, *, viewer_id: str) -> Response:
    """The person's profile as ``viewer_id`` may see it, with its version as ETag."""
    record = await person_record(runtime, person_id)
    view = person_view(record.profile, viewer_id=viewer_id)
    return Response(
        content=view.model_dump_json(),
        media_type="application/json",
        headers={"ETag": etag(record.version)},
    )


async def change_own_profile(
    *,
    request: Request,
    identity: Identity,
    runtime: Runtime,
    body: Any,
    change: Callable[[Actor], Awaitable[Changed]],
) -> Response:
    """Run ``change`` of the caller's own profile as a command answering the owner's view."""

    async def command(actor: Actor) -> StoredAnswer:
        return profile_answer(await change(actor), actor)

    return await run_command(
        request=request, identity=identity, runtime=runtime, body=body, command=command
    )


def me_router() -> APIRouter:
    """Routes acting on the caller's own profile."""
    router = APIRouter(prefix="/people/me", tags=["my profile"])

    @router.get(
        "",
        response_model=PersonOut,
        summary="Read my profile",
        responses=documented(
            success(200, "One's whole profile.", examples.MY_PROFILE, etag=True),
            READ,
            NO_SUCH_PERSON,
        ),
    )
    async def read_my_profile(identity: CurrentIdentity, runtime: RuntimeDep) -> Response:
        """One's own profile, with everything, its visibility settings and its completeness.

        The ETag is the profile's version, for ``If-Match`` when editing it.
        """
        return await read_profile(runtime, identity.person_id, viewer_id=identity.person_id)

    @router.get(
        "/completeness",
        response_model=CompletenessOut,
        summary="Read my profile's completeness",
        responses=documented(
            success(200, "A score from 0 to 100 and what is missing.", examples.COMPLETENESS),
            READ,
            NO_SUCH_PERSON,
        ),
    )
    async def read_my_completeness(
        identity: CurrentIdentity, runtime: RuntimeDep
    ) -> CompletenessOut:
        """How complete one's profile is (0 to 100), and the items still missing."""
        record = await person_record(runtime, identity.person_id)
        return completeness_out(record.profile)

    @router.get(
        "/export",
        response_model=PersonalDataExport,
        summary="Export my personal data",
        responses=documented(
            success(200, "Everything held about the caller.", examples.PERSONAL_DATA_EXPORT),
            READ,
            NO_SUCH_PERSON,
        ),
    )
    async def export_my_data(identity: CurrentIdentity, runtime: RuntimeDep) -> PersonalDataExport:
        """Everything the service holds about the caller (right of access and portability).

        The whole profile, hidden fields included, its version and the caller's followers.
        """
        me = identity.person_id
        changed = await runtime.service.profile(person_id=me)
        followers = await runtime.queries.followers(me, offset=0, limit=EXPORT_MAX_FOLLOWERS)
        return PersonalDataExport(
            profile=changed.profile.model_dump(mode="json", exclude={"exists", "erased"}),
            version=changed.version,
            followers=followers.items,
        )

    @router.patch(
        "",
        response_model=PersonOut,
        summary="Edit my profile",
        responses=documented(
            _CHANGED, OWN_CHANGE, INVALID_PHOTO_URL, STALE_VERSION, IF_MATCH_MISSING
        ),
        openapi_extra=IDEMPOTENT_COMMAND,
    )
    async def edit_my_profile(
        body: Annotated[ProfileEditIn, Body(openapi_examples=examples.PROFILE_EDIT_EXAMPLES)],
        request: Request,
        identity: CurrentIdentity,
        runtime: RuntimeDep,
        if_match: Annotated[
            str | None,
            Header(alias="If-Match", description=IF_MATCH_DESCRIPTION, examples=['"12"']),
        ] = None,
    ) -> Response:
        """Change fields of one's profile; omitted fields stay as they are.

        ``If-Match`` must name the profile's current version (its ETag): without it the edit
        answers 428, and with an older one 412.
        """
        version = expected_version(if_match)
        edit = EditedDetails(**body.model_dump(mode="json", exclude_unset=True))
        return await change_own_profile(
            request=request,
            identity=identity,
            runtime=runtime,
            body={"if_match": version, "edit": body.model_dump(mode="json", exclude_unset=True)},
            change=lambda actor: runtime.service.edit(
                actor=actor, edit=edit, expected_version=version
            ),
        )

    @router.put(
        "/skills/{name}",
        response_model=PersonOut,
        summary="Declare one of my skills",
        responses=documented(_CHANGED, OWN_CHANGE, INVALID_SKILL_NAME, INVALID_LEVEL),
        openapi_extra=IDEMPOTENT_COMMAND,
    )
    async def put_my_skill(
        name: SkillName,
        body: Annotated[SkillLevelIn, Body(openapi_examples=examples.SKILL_LEVEL_EXAMPLES)],
        request: Request,
        identity: CurrentIdentity,
        runtime: RuntimeDep,
    ) -> Response:
        """Declare a skill (its name is normalised) at a level from 1 to 4, or change its level.

        Levels: 1 notions, 2 practice, 3 advanced, 4 expert.
        """
        return await change_own_profile(
            request=request,
            identity=identity,
            runtime=runtime,
            body=body.model_dump(mode="json"),
            change=lambda actor: runtime.service.put_skill(
                actor=actor, skill=skill_name(name), level=body.level
            ),
        )

    @router.delete(
        "/skills/{name}",
        response_model=PersonOut,
        summary="Remove one of my skills",
        responses=documented(_CHANGED, OWN_CHANGE, INVALID_SKILL_NAME),
        openapi_extra=IDEMPOTENT_COMMAND,
    )
    async def remove_my_skill(
        name: SkillName, request: Request, identity: CurrentIdentity, runtime: RuntimeDep
    ) -> Response:
        """Remove a declared skill and its endorsements.

        Removing a skill one has not declared changes nothing.
        """
        return await change_own_profile(
            request=request,
            identity=identity,
            runtime=runtime,
            body=None,
            change=lambda actor: runtime.service.remove_skill(actor=actor, skill=skill_name(name)),
        )

    @router.put(
        "/interests",
        response_model=PersonOut,
        summary="Replace my interests",
        responses=documented(_CHANGED, OWN_CHANGE, TOO_MANY_TOPICS),
        openapi_extra=IDEMPOTENT_COMMAND,
    )
    async def set_my_interests(
        body: Annotated[TopicsIn, Body(openapi_examples=examples.INTERESTS_EXAMPLES)],
        request: Request,
        identity: CurrentIdentity,
        runtime: RuntimeDep,
    ) -> Response:
        """Replace one's interests with the given topics (up to 50; none clears them)."""
        return await change_own_profile(
            request=request,
            identity=identity,
            runtime=runtime,
            body=body.model_dump(mode="json"),
            change=lambda actor: runtime.service.set_interests(
                actor=actor, topics=list(body.topics)
            ),
        )

    @router.put(
        "/help-topics",
        response_model=PersonOut,
        summary="Replace the topics I can help with",
        responses=documented(_CHANGED, OWN_CHANGE, TOO_MANY_TOPICS),
        openapi_extra=IDEMPOTENT_COMMAND,
    )
    async def set_my_help_topics(
        body: Annotated[TopicsIn, Body(openapi_examples=examples.HELP_TOPICS_EXAMPLES)],
        request: Request,
        identity: CurrentIdentity,
        runtime: RuntimeDep,
    ) -> Response:
        """Replace the topics one can help colleagues with (up to 50; none clears them)."""
        return await change_own_profile(
            request=request,
            identity=identity,
            runtime=runtime,
            body=body.model_dump(mode="json"),
            change=lambda actor: runtime.service.set_help_topics(
                actor=actor, topics=list(body.topics)
            ),
        )

    @router.put(
        "/visibility",
        response_model=PersonOut,
        summary="Choose who sees what of my profile",
        responses=documented(_CHANGED, OWN_CHANGE, UNKNOWN_AUDIENCE),
        openapi_extra=IDEMPOTENT_COMMAND,
    )
    async def set_my_visibility(
        body: Annotated[VisibilitySettings, Body(openapi_examples=examples.VISIBILITY_EXAMPLES)],
        request: Request,
        identity: CurrentIdentity,
        runtime: RuntimeDep,
    ) -> Response:
        """Choose, per field group, who sees it: everyone, the people one follows, or only me.

        The groups are email, location, languages, manager and start date; omitted groups
        are visible to everyone.
        """
        return await change_own_profile(
            request=request,
            identity=identity,
            runtime=runtime,
            body=body.model_dump(mode="json"),
            change=lambda actor: runtime.service.set_visibility(actor=actor, settings=body),
        )

    return router
