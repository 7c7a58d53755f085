"""The profile rules: each function decides, from a profile's state, which events a command causes.

A command that would change nothing returns no events, which makes repeats harmless.
"""

from collections.abc import Callable, Sequence
from datetime import date

from agora.eventsourcing import DomainEvent
from agora.profiles.domain.errors import (
    PersonDeactivatedError,
    PersonNotFoundError,
    SelfActionError,
    SkillNotDeclaredError,
)
from agora.profiles.domain.events import (
    EndorsementGiven,
    EndorsementWithdrawn,
    HelpTopicsSet,
    InterestsSet,
    PersonDeactivated,
    PersonErased,
    PersonFollowed,
    PersonProvisioned,
    PersonUnfollowed,
    ProfileEdited,
    SkillAdded,
    SkillLevelChanged,
    SkillRemoved,
    VisibilityChanged,
    VisibilitySettings,
)
from agora.profiles.domain.sealing import Cipher, EditedDetails
from agora.profiles.domain.state import Profile

Events = Sequence[DomainEvent]
Decide = Callable[[Profile], Events]


def _present(profile: Profile, person_id: str) -> Profile:
    if not profile.present:
        raise PersonNotFoundError(person_id)
    return profile


def _active(profile: Profile, person_id: str) -> Profile:
    _present(profile, person_id)
    if profile.left_on is not None:
        raise PersonDeactivatedError(person_id)
    return profile


def provision(profile: Profile, *, event: PersonProvisioned) -> Events:
    """Provision a person unless their profile exists (provisioning is idempotent)."""
    return [] if profile.exists else [event]


def deactivate(profile: Profile, *, person_id: str, left_on: date) -> Events:
    """Mark the person as having left; deactivating twice changes nothing."""
    _present(profile, person_id)
    return [] if profile.left_on is not None else [PersonDeactivated(left_on=left_on)]


def edit(profile: Profile, *, person_id: str, edit: EditedDetails, cipher: Cipher) -> Events:
    """Record, sealed, the fields that differ from the profile."""
    _active(profile, person_id)
    current = profile.model_dump(mode="json")
    changes = {
        key: value
        for key, value in edit.model_dump(mode="json").items()
        if value is not None and current.get(key) != value
    }
    return [ProfileEdited(sealed=cipher.seal(changes))] if changes else []


def erase(profile: Profile, *, person_id: str) -> Events:
    """Erase the person's personal data; erasing twice changes nothing."""
    if not profile.exists:
        raise PersonNotFoundError(person_id)
    return [] if profile.erased else [PersonErased()]


def put_skill(profile: Profile, *, person_id: str, skill: str, level: int) -> Events:
    """Declare a skill, or change its level."""
    _active(profile, person_id)
    current = profile.skill(skill)
    if current is None:
        return [SkillAdded(skill=skill, level=level)]
    return [] if current.level == level else [SkillLevelChanged(skill=skill, level=level)]


def remove_skill(profile: Profile, *, person_id: str, skill: str) -> Events:
    """Remove a declared skill; removing one not declared changes nothing."""
    _active(profile, person_id)
    return [SkillRemoved(skill=skill)] if profile.skill(skill) is not None else []


def set_interests(profile: Profile, *, person_id: str, topics: list[str]) -> Events:
    """Replace the person's interests."""
    _active(profile, person_id)
    return [] if profile.interests == topics else [InterestsSet(topics=topics)]


def set_help_topics(profile: Profile, *, person_id: str, topics: list[str]) -> Events:
    """Replace the topics the person can help with."""
    _active(profile, person_id)
    return [] if profile.help_topics == topics else [HelpTopicsSet(topics=topics)]


def set_visibility(profile: Profile, *, person_id: str, settings: VisibilitySettings) -> Events:
    """Change who may see which field groups."""
    _active(profile, person_id)
    return [] if profile.visibility == settings else [VisibilityChanged(settings=settings)]


def endorse(profile: Profile, *, person_id: str, skill: str, endorser_id: str) -> Events:
    """Endorse a declared skill of someone else, once per endorser."""
    _active(profile, person_id)
    if endorser_id == person_id:
        raise SelfActionError("nobody can endorse their own skills")
    declared = profile.skill(skill)
    if declared is None:
        raise SkillNotDeclaredError(skill)
    if endorser_id in declared.endorsers:
        return []
    return [EndorsementGiven(skill=skill, endorser_id=endorser_id)]


def withdraw_endorsement(
    profile: Profile, *, person_id: str, skill: str, endorser_id: str
) -> Events:
    """Withdraw an endorsement; withdrawing one never given changes nothing."""
    _present(profile, person_id)
    declared = profile.skill(skill)
    if declared is None or endorser_id not in declared.endorsers:
        return []
    return [EndorsementWithdrawn(skill=skill, endorser_id=endorser_id)]


def follow(profile: Profile, *, person_id: str, followee_id: str) -> Events:
    """Follow another person; following twice changes nothing."""
    _active(profile, person_id)
    if followee_id == person_id:
        raise SelfActionError("nobody can follow themselves")
    return [] if followee_id in profile.following else [PersonFollowed(followee_id=followee_id)]


def unfollow(profile: Profile, *, person_id: str, followee_id: str) -> Events:
    """Stop following a person; unfollowing someone not followed changes nothing."""
    _present(profile, person_id)
    if followee_id not in profile.following:
        return []
    return [PersonUnfollowed(followee_id=followee_id)]
