"""The state of one profile and how events change it."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from agora.eventsourcing import DomainEvent
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
from agora.profiles.domain.sealing import Cipher, EditedDetails, ProvisionedDetails


class Skill(BaseModel):
    """A declared skill, its level and who endorsed it."""

    model_config = ConfigDict(frozen=True)

    name: str
    level: int
    endorsers: list[str] = Field(default_factory=list)


class Profile(BaseModel):
    """Everything the profile aggregate knows; ``exists`` is false before provisioning."""

    model_config = ConfigDict(frozen=True)

    exists: bool = False
    erased: bool = False
    person_id: str = ""
    display_name: str = ""
    email: str = ""
    job_title: str | None = None
    department: str | None = None
    location: str | None = None
    manager_id: str | None = None
    languages: list[str] = Field(default_factory=list)
    start_date: date | None = None
    bio: str | None = None
    photo_url: str | None = None
    left_on: date | None = None
    skills: list[Skill] = Field(default_factory=list)
    interests: list[str] = Field(default_factory=list)
    help_topics: list[str] = Field(default_factory=list)
    following: list[str] = Field(default_factory=list)
    visibility: VisibilitySettings = Field(default_factory=VisibilitySettings)

    @property
    def present(self) -> bool:
        """Whether the profile exists and was not erased."""
        return self.exists and not self.erased

    def skill(self, name: str) -> Skill | None:
        """The declared skill with this normalised name, if any."""
        return next((skill for skill in self.skills if skill.name == name), None)


def _replace_skill(profile: Profile, name: str, skill: Skill | None) -> Profile:
    others = [existing for existing in profile.skills if existing.name != name]
    skills = others if skill is None else sorted([*others, skill], key=lambda s: s.name)
    return profile.model_copy(update={"skills": skills})


def evolve(profile: Profile, event: DomainEvent, *, cipher: Cipher) -> Profile:  # noqa: PLR0911, PLR0912 - one case per event type
    """The profile after ``event``; sealed fields stay blank when ``cipher`` cannot open them."""
    match event:
        case PersonProvisioned():
            opened = cipher.open(event.sealed)
            details = {} if opened is None else ProvisionedDetails(**opened).model_dump()
            return Profile(exists=True, person_id=event.person_id, **details)
        case ProfileEdited():
            opened = cipher.open(event.sealed)
            edited = EditedDetails() if opened is None else EditedDetails(**opened)
            changes = {
                key: value for key, value in edited.model_dump().items() if value is not None
            }
            return profile.model_copy(update=changes)
        case PersonErased():
            return Profile(exists=True, erased=True, person_id=profile.person_id)
        case PersonDeactivated():
            return profile.model_copy(update={"left_on": event.left_on})
        case SkillAdded():
            return _replace_skill(profile, event.skill, Skill(name=event.skill, level=event.level))
        case SkillLevelChanged():
            current = profile.skill(event.skill)
            endorsers = [] if current is None else current.endorsers
            skill = Skill(name=event.skill, level=event.level, endorsers=endorsers)
            return _replace_skill(profile, event.skill, skill)
        case SkillRemoved():
            return _replace_skill(profile, event.skill, None)
        case InterestsSet():
            return profile.model_copy(update={"interests": list(event.topics)})
        case HelpTopicsSet():
            return profile.model_copy(update={"help_topics": list(event.topics)})
        case EndorsementGiven() | EndorsementWithdrawn():
            current = profile.skill(event.skill)
            if current is None:
                return profile
            others = [e for e in current.endorsers if e != event.endorser_id]
            endorsers = (
                [*others, event.endorser_id] if isinstance(event, EndorsementGiven) else others
            )
            return _replace_skill(
                profile, event.skill, current.model_copy(update={"endorsers": sorted(endorsers)})
            )
        case PersonFollowed():
            following = sorted({*profile.following, event.followee_id})
            return profile.model_copy(update={"following": following})
        case PersonUnfollowed():
            following = [f for f in profile.following if f != event.followee_id]
            return profile.model_copy(update={"following": following})
        case VisibilityChanged():
            return profile.model_copy(update={"visibility": event.settings})
    return profile


class ProfileAggregate:
    """The ``Aggregate`` of profiles (streams ``profile-<person id>``) seen with one cipher."""

    kind = "profile"
    state_type = Profile
    snapshot_schema = 1

    def __init__(self, *, cipher: Cipher) -> None:
        self._cipher = cipher

    def initial_state(self) -> Profile:
        """A profile not provisioned yet."""
        return Profile()

    def evolve(self, state: Profile, event: DomainEvent) -> Profile:
        """The profile after ``event``."""
        return evolve(state, event, cipher=self._cipher)
