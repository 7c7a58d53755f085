"""Request and response bodies of the communities API."""

from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints

from agora.communities.domain.events import Kind, Role, Visibility
from agora.servicekit import ApiModel

COMMUNITY_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
PERSON_ID_PATTERN = r"^[A-Za-z0-9_.@:-]{1,128}$"

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Description = Annotated[str, StringConstraints(max_length=4000)]
Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40)
]
Tags = Annotated[list[Tag], Field(max_length=20)]
PersonId = Annotated[str, StringConstraints(pattern=PERSON_ID_PATTERN)]
CharterText = Annotated[str, StringConstraints(min_length=1, max_length=20000)]


class CreateCommunity(ApiModel):
    """A new community; project communities need an end date in the future."""

    name: Name
    description: Description = ""
    tags: Tags = Field(default_factory=list)
    kind: Kind = "interest"
    visibility: Visibility = "open"
    end_date: date | None = None


class EditCommunity(ApiModel):
    """Changes to a community; absent fields are kept."""

    name: Name | None = None
    description: Description | None = None
    tags: Tags | None = None
    end_date: date | None = None


class JoinCommunity(ApiModel):
    """A join, request or invitation answer; must accept the current charter if there is one."""

    accept_charter_version: int | None = Field(default=None, ge=1)


class PersonRef(ApiModel):
    """The person a manager invites or blocks."""

    person_id: PersonId


class RoleChange(ApiModel):
    """A member's new role."""

    role: Role


class NewCharter(ApiModel):
    """A new charter version's text."""

    text: CharterText


class CharterAcceptance(ApiModel):
    """The charter version a member accepts."""

    version: int = Field(ge=1)


class CommunityView(ApiModel):
    """A community as a person who may see it sees it."""

    id: str
    name: str
    description: str
    tags: list[str]
    kind: Kind
    visibility: Visibility
    end_date: date | None
    archived: bool
    member_count: int
    charter_version: int
    charter_text: str
    my_role: Role | None


class CommunitySummary(ApiModel):
    """A community in a list."""

    id: str
    name: str
    description: str
    tags: list[str]
    kind: Kind
    visibility: Visibility
    end_date: date | None
    archived: bool
    member_count: int


class CommunityPage(ApiModel):
    """One page of the directory."""

    items: list[CommunitySummary]
    total: int
    offset: int
    limit: int


class CommunityList(ApiModel):
    """A list of communities."""

    items: list[CommunitySummary]


class CommandResult(ApiModel):
    """What a command changed: the community, its new version and what happened."""

    community_id: str
    version: int
    outcome: str


class Member(ApiModel):
    """A member and their role."""

    person_id: str
    role: Role


class MemberList(ApiModel):
    """The members of a community."""

    items: list[Member]


class MyMembership(ApiModel):
    """The caller's membership, and whether they must accept a new charter version."""

    community_id: str
    role: Role
    charter_version: int
    accepted_charter_version: int
    must_accept_charter: bool


class JoinRequestView(ApiModel):
    """A join request and its outcome."""

    person_id: str
    status: str


class JoinRequestList(ApiModel):
    """Pending join requests."""

    items: list[JoinRequestView]
