"""Example bodies for the OpenAPI document, built with the real models so they cannot drift."""

from datetime import date
from typing import Any

from agora.profiles.api.schemas import (
    BulkItemOut,
    BulkOut,
    BulkProvisionIn,
    PeoplePageOut,
    PersonalDataExport,
    PersonIdsPageOut,
    ProfileEditIn,
    ProvisionIn,
    SkillLevelIn,
    TopicsIn,
)
from agora.profiles.api.views import completeness_out, person_view
from agora.profiles.domain.events import Audience, VisibilitySettings
from agora.profiles.domain.state import Profile, Skill

ELODIE_ID = "6f1c2a9e-3b4d-4c1e-9a7f-2d8e5b0c4a11"
JAMES_ID = "b2e4d6f8-1a3c-4e5f-8b7d-9c0a1e2f3d44"
CHLOE_ID = "0d9c8b7a-6e5f-4d3c-2b1a-0f9e8d7c6b55"
MANAGER_ID = "8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c66"
HR_ID = "hr-import"

ELODIE = ProvisionIn(
    display_name="Élodie Martin",
    email="elodie.martin@agora.example",
    job_title="Ingénieure logicielle",
    department="R&D",
    location="Lyon",
    manager_id=MANAGER_ID,
    languages=["français", "English"],
    start_date=date(2024, 9, 2),
)
JAMES = ProvisionIn(display_name="James O'Connor", email="james.oconnor@agora.example")
CHLOE = ProvisionIn(
    display_name="Chloé Dubois",
    email="chloe.dubois@agora.example",
    job_title="Product designer",
    department="Design",
    location="Paris",
)


def _profile(person_id: str, person: ProvisionIn, **more: Any) -> Profile:
    return Profile(exists=True, person_id=person_id, **person.model_dump(), **more)


ELODIE_PROFILE = _profile(
    ELODIE_ID,
    ELODIE,
    bio="Passionnée de systèmes distribués, de randonnée et de bon café.",
    photo_url="https://photos.agora.example/elodie-martin.jpg",
    skills=[
        Skill(name="python", level=4, endorsers=[CHLOE_ID, JAMES_ID]),
        Skill(name="kubernetes", level=3, endorsers=[CHLOE_ID]),
        Skill(name="gestion de projet", level=2),
    ],
    interests=["randonnée", "photographie"],
    help_topics=["Python", "revue de code"],
    following=[CHLOE_ID],
    visibility=VisibilitySettings(email=Audience.FOLLOWED, start_date=Audience.ONLY_ME),
)
CHLOE_PROFILE = _profile(
    CHLOE_ID,
    CHLOE,
    bio="Je conçois des interfaces accessibles.",
    skills=[
        Skill(name="figma", level=4, endorsers=[ELODIE_ID]),
        Skill(name="ux research", level=3),
    ],
    interests=["typographie"],
    help_topics=["accessibilité numérique"],
    visibility=VisibilitySettings(location=Audience.ONLY_ME),
)


def _json(model: Any) -> Any:
    return model.model_dump(mode="json", exclude_unset=True)


def _named(summary: str, value: Any) -> dict[str, Any]:
    return {"summary": summary, "value": value}


# Request bodies, as named examples for `Body(openapi_examples=...)`.

PROVISION_EXAMPLES = {
    "complete": _named("A new colleague with every detail HR knows", _json(ELODIE)),
    "minimal": _named("Only the required fields", _json(JAMES)),
}
BULK_PROVISION_EXAMPLES = {
    "import": _named(
        "An HR import of three people", _json(BulkProvisionIn(people=[ELODIE, JAMES, CHLOE]))
    ),
}
PROFILE_EDIT_EXAMPLES = {
    "about me": _named(
        "A bio, a job title and languages",
        _json(
            ProfileEditIn(
                bio="Passionnée de systèmes distribués, de randonnée et de bon café.",
                job_title="Ingénieure logicielle senior",
                languages=["français", "English", "español"],
            )
        ),
    ),
    "photo": _named(
        "Only a new photo",
        _json(ProfileEditIn.model_validate({"photo_url": ELODIE_PROFILE.photo_url})),
    ),
}
SKILL_LEVEL_EXAMPLES = {
    "advanced": _named("Advanced (3 of 4)", _json(SkillLevelIn(level=3))),
    "notions": _named("Notions (1 of 4)", _json(SkillLevelIn(level=1))),
}
INTERESTS_EXAMPLES = {
    "interests": _named(
        "Three interests",
        _json(TopicsIn(topics=["randonnée", "photographie", "machine learning"])),
    ),
    "none": _named("No interests at all", _json(TopicsIn(topics=[]))),
}
HELP_TOPICS_EXAMPLES = {
    "help topics": _named(
        "What one can help colleagues with",
        _json(TopicsIn(topics=["Python", "revue de code", "accessibilité numérique"])),
    ),
}
VISIBILITY_EXAMPLES = {
    "discreet": _named(
        "Email for the people I follow, manager and start date for me only",
        VisibilitySettings(
            email=Audience.FOLLOWED, manager=Audience.ONLY_ME, start_date=Audience.ONLY_ME
        ).model_dump(mode="json"),
    ),
    "open": _named("Everything visible to everyone", VisibilitySettings().model_dump(mode="json")),
}

# Response bodies.

MY_PROFILE = person_view(ELODIE_PROFILE, viewer_id=ELODIE_ID).model_dump(mode="json")
"""One's own profile: everything, with visibility settings and completeness."""
COLLEAGUE_PROFILE = person_view(CHLOE_PROFILE, viewer_id=ELODIE_ID).model_dump(mode="json")
"""Someone else's profile: hidden fields are null."""
PROVISIONED_PERSON = person_view(_profile(ELODIE_ID, ELODIE), viewer_id=HR_ID).model_dump(
    mode="json"
)
"""A freshly provisioned person as HR sees them."""
DEACTIVATED_PERSON = person_view(
    _profile(ELODIE_ID, ELODIE, left_on=date(2026, 6, 30)), viewer_id=HR_ID
).model_dump(mode="json")
BULK_RESULTS = BulkOut(
    results=[
        BulkItemOut(
            index=index,
            status=status,
            person=person_view(_profile(person_id, person), viewer_id=HR_ID),
        )
        for index, (status, person_id, person) in enumerate(
            [(201, ELODIE_ID, ELODIE), (200, JAMES_ID, JAMES), (201, CHLOE_ID, CHLOE)]
        )
    ]
).model_dump(mode="json")
PEOPLE_PAGE = PeoplePageOut(
    items=[
        person_view(CHLOE_PROFILE, viewer_id=ELODIE_ID),
        person_view(ELODIE_PROFILE, viewer_id=ELODIE_ID),
    ],
    next_offset=20,
).model_dump(mode="json")
PERSON_IDS_PAGE = PersonIdsPageOut(items=[CHLOE_ID, JAMES_ID], next_offset=None).model_dump(
    mode="json"
)
COMPLETENESS = completeness_out(
    _profile(ELODIE_ID, ELODIE, skills=[Skill(name="python", level=4)])
).model_dump(mode="json")
PERSONAL_DATA_EXPORT = PersonalDataExport(
    profile=ELODIE_PROFILE.model_dump(mode="json", exclude={"exists", "erased"}),
    version=12,
    followers=[CHLOE_ID, JAMES_ID],
).model_dump(mode="json")
