"""Request and response bodies of the profiles API."""

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, StringConstraints

from agora.profiles.domain.events import VisibilitySettings
from agora.servicekit import ApiModel

PERSON_ID_PATTERN = r"^[A-Za-z0-9_:-]{1,120}$"
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Topic = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]


EARLIEST_REGISTRATION = date(2000, 1, 1)


def _registration_day(day: date) -> date:
    today = datetime.now(UTC).date()
    if not EARLIEST_REGISTRATION <= day <= today:
        raise ValueError(f"must be between {EARLIEST_REGISTRATION} and today ({today})")
    return day


RegistrationDay = Annotated[
    date,
    AfterValidator(_registration_day),
    Field(
        description=(
            "The day the person joined the network, for people migrated from another network "
            "with their history (their contributions then count from that day in the metrics). "
            "Not in the future, not before 2000-01-01; absent: the day of provisioning."
        )
    ),
]


class ProvisionIn(ApiModel):
    """A person to provision (from HR)."""

    display_name: ShortText
    email: Email
    job_title: ShortText | None = None
    department: ShortText | None = None
    location: ShortText | None = None
    manager_id: Annotated[str, StringConstraints(pattern=PERSON_ID_PATTERN)] | None = None
    languages: list[Topic] = Field(default_factory=list, max_length=20)
    start_date: date | None = None
    registered_on: RegistrationDay | None = None


class BulkProvisionIn(ApiModel):
    """Many people to provision at once."""

    people: list[ProvisionIn] = Field(min_length=1, max_length=100)


class ProfileEditIn(ApiModel):
    """Fields of one's own profile to change; omitted fields stay as they are."""

    bio: Annotated[str, StringConstraints(max_length=2000)] | None = None
    photo_url: HttpUrl | None = None
    job_title: ShortText | None = None
    location: ShortText | None = None
    languages: list[Topic] | None = Field(default=None, max_length=20)


class SkillLevelIn(ApiModel):
    """A self-declared skill level: 1 (notions) to 4 (expert)."""

    level: int = Field(ge=1, le=4)


class TopicsIn(ApiModel):
    """A list of topics (interests, or what one can help with)."""

    topics: list[Topic] = Field(max_length=50)


class SkillOut(BaseModel):
    """A skill as readers see it."""

    model_config = ConfigDict(frozen=True)

    name: str
    level: int
    endorsement_count: int
    endorsed_by_me: bool


class CompletenessOut(BaseModel):
    """How complete a profile is and what is missing."""

    model_config = ConfigDict(frozen=True)

    score: int
    missing: list[str]


class PersonOut(BaseModel):
    """A profile as one reader may see it; hidden fields are ``null``."""

    model_config = ConfigDict(frozen=True)

    id: str
    display_name: str
    left_company: bool
    left_on: date | None
    job_title: str | None
    department: str | None
    email: str | None
    location: str | None
    languages: list[str] | None
    manager_id: str | None
    start_date: date | None
    bio: str | None
    photo_url: str | None
    skills: list[SkillOut]
    interests: list[str]
    help_topics: list[str]
    visibility: VisibilitySettings | None = None
    """Only for the owner."""
    completeness: CompletenessOut | None = None
    """Only for the owner."""


class PeoplePageOut(BaseModel):
    """A page of people."""

    model_config = ConfigDict(frozen=True)

    items: list[PersonOut]
    next_offset: int | None


class PersonIdsPageOut(BaseModel):
    """A page of person ids (followers or followees)."""

    model_config = ConfigDict(frozen=True)

    items: list[str]
    next_offset: int | None


class BulkItemOut(BaseModel):
    """The result of provisioning one person of a bulk request."""

    model_config = ConfigDict(frozen=True)

    index: int
    status: int
    person: PersonOut


class BulkOut(BaseModel):
    """The per-person results of a bulk provisioning."""

    model_config = ConfigDict(frozen=True)

    results: list[BulkItemOut]


class PersonalDataExport(BaseModel):
    """Everything the profiles service holds about the caller."""

    model_config = ConfigDict(frozen=True)

    profile: dict[str, Any]
    version: int
    followers: list[str]
