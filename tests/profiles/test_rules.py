"""The profile rules, decided on states without any infrastructure."""

import json
from datetime import date
from typing import Any

import pytest

from agora.eventsourcing import DomainEvent
from agora.profiles.api.views import person_view
from agora.profiles.crypto import FernetCipher
from agora.profiles.domain import decisions
from agora.profiles.domain.completeness import completeness
from agora.profiles.domain.errors import (
    PersonDeactivatedError,
    PersonNotFoundError,
    SelfActionError,
    SkillNotDeclaredError,
)
from agora.profiles.domain.events import (
    Audience,
    EndorsementGiven,
    PersonFollowed,
    PersonProvisioned,
    ProfileEdited,
    SkillAdded,
    SkillLevelChanged,
    VisibilityChanged,
    VisibilitySettings,
)
from agora.profiles.domain.sealing import EditedDetails
from agora.profiles.domain.state import Profile, evolve

pytestmark = pytest.mark.unit


class PlainCipher:
    """A cipher double that seals nothing, so the rules can be read in the clear."""

    def seal(self, fields: dict[str, Any]) -> str:
        return json.dumps(fields, sort_keys=True)

    def open(self, sealed: str) -> dict[str, Any] | None:
        opened: dict[str, Any] = json.loads(sealed)
        return opened


PLAIN = PlainCipher()


def profile_after(*events: DomainEvent) -> Profile:
    profile = Profile()
    for event in events:
        profile = evolve(profile, event, cipher=PLAIN)
    return profile


def edited(**fields: Any) -> ProfileEdited:
    return ProfileEdited(sealed=PLAIN.seal(fields))


ADA = PersonProvisioned(
    person_id="ada",
    sealed=PLAIN.seal({"display_name": "Ada", "email": "ada@example.com", "location": "Paris"}),
)


def test_provisioning_an_existing_profile_changes_nothing() -> None:
    assert decisions.provision(profile_after(ADA), event=ADA) == []


def test_declaring_a_skill_again_at_another_level_keeps_its_endorsements() -> None:
    history = [
        ADA,
        SkillAdded(skill="go", level=1),
        EndorsementGiven(skill="go", endorser_id="bob"),
    ]

    events = decisions.put_skill(profile_after(*history), person_id="ada", skill="go", level=3)

    assert events == [SkillLevelChanged(skill="go", level=3)]
    skill = profile_after(*history, *events).skills[0]
    assert (skill.level, skill.endorsers) == (3, ["bob"])


def test_an_endorser_endorses_a_skill_at_most_once() -> None:
    profile = profile_after(
        ADA, SkillAdded(skill="go", level=1), EndorsementGiven(skill="go", endorser_id="bob")
    )

    assert decisions.endorse(profile, person_id="ada", skill="go", endorser_id="bob") == []


def test_endorsing_oneself_or_an_undeclared_skill_is_refused() -> None:
    profile = profile_after(ADA, SkillAdded(skill="go", level=1))

    with pytest.raises(SelfActionError):
        decisions.endorse(profile, person_id="ada", skill="go", endorser_id="ada")
    with pytest.raises(SkillNotDeclaredError):
        decisions.endorse(profile, person_id="ada", skill="rust", endorser_id="bob")


def test_following_oneself_is_refused_and_following_twice_changes_nothing() -> None:
    profile = profile_after(ADA, PersonFollowed(followee_id="bob"))

    with pytest.raises(SelfActionError):
        decisions.follow(profile, person_id="ada", followee_id="ada")
    assert decisions.follow(profile, person_id="ada", followee_id="bob") == []


def test_a_person_who_left_can_no_longer_edit_and_an_unknown_one_is_not_found() -> None:
    left = profile_after(
        ADA, *decisions.deactivate(profile_after(ADA), person_id="ada", left_on=date(2026, 1, 2))
    )

    with pytest.raises(PersonDeactivatedError):
        decisions.edit(left, person_id="ada", edit=EditedDetails(bio="back"), cipher=PLAIN)
    with pytest.raises(PersonNotFoundError):
        decisions.edit(Profile(), person_id="zed", edit=EditedDetails(bio="hi"), cipher=PLAIN)


def test_an_edit_records_only_the_fields_that_change() -> None:
    events = decisions.edit(
        profile_after(ADA),
        person_id="ada",
        edit=EditedDetails(bio="Hi", location="Paris"),
        cipher=PLAIN,
    )

    assert events == [edited(bio="Hi")]


def test_completeness_counts_the_filled_in_items() -> None:
    result = completeness(profile_after(ADA, edited(bio="Hi")))

    assert result.score == 25
    assert result.missing == (
        "photo",
        "job_title",
        "languages",
        "skills",
        "interests",
        "help_topics",
    )


def test_a_followed_audience_sees_what_the_owner_shares_with_the_people_they_follow() -> None:
    profile = profile_after(
        ADA,
        PersonFollowed(followee_id="bob"),
        VisibilityChanged(
            settings=VisibilitySettings(location=Audience.FOLLOWED, email=Audience.ONLY_ME)
        ),
    )

    as_bob = person_view(profile, viewer_id="bob")
    as_eve = person_view(profile, viewer_id="eve")
    as_ada = person_view(profile, viewer_id="ada")

    assert (as_bob.location, as_bob.email) == ("Paris", None)
    assert (as_eve.location, as_eve.email) == (None, None)
    assert (as_ada.location, as_ada.email) == ("Paris", "ada@example.com")


def test_an_erased_profile_keeps_no_personal_field_and_refuses_further_changes() -> None:
    erased = profile_after(
        ADA, edited(bio="Hi"), *decisions.erase(profile_after(ADA), person_id="ada")
    )

    assert erased.model_dump(include={"display_name", "email", "bio", "location"}) == {
        "display_name": "",
        "email": "",
        "bio": None,
        "location": None,
    }
    assert decisions.erase(erased, person_id="ada") == []
    with pytest.raises(PersonNotFoundError):
        decisions.put_skill(erased, person_id="ada", skill="go", level=1)


def test_sealed_fields_stay_blank_when_the_key_is_gone() -> None:
    keyless = FernetCipher(None)

    profile = evolve(Profile(), ADA, cipher=keyless)

    assert (profile.exists, profile.display_name, profile.email) == (True, "", "")
