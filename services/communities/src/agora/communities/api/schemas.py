"""Request and response bodies of the communities API."""

from datetime import date
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict

from agora.communities.domain.events import Kind, Role, Visibility
from agora.servicekit import ApiModel

COMMUNITY_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
PERSON_ID_PATTERN = r"^[A-Za-z0-9_.@:-]{1,128}$"

_KUBERNETES_ID = "3f2b8c1e9d4a4f6b8e7c5a1d2b3c4e5f"
_RUST_ID = "8a41d0c6b2e54f0f9c3d7e6a5b4c3d2e"
_KUBERNETES_SUMMARY: JsonDict = {
    "id": _KUBERNETES_ID,
    "name": "Communauté Kubernetes",
    "description": "Entraide et retours d'expérience sur Kubernetes en production.",
    "tags": ["kubernetes", "devops"],
    "kind": "interest",
    "visibility": "open",
    "end_date": None,
    "archived": False,
    "member_count": 42,
}
_RUST_SUMMARY: JsonDict = {
    "id": _RUST_ID,
    "name": "Rust Paris Meetup 2030",
    "description": "Organising the spring Rust meetup: talks, venue and sponsors.",
    "tags": ["rust", "meetup"],
    "kind": "project",
    "visibility": "closed",
    "end_date": "2030-06-30",
    "archived": False,
    "member_count": 7,
}

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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Communauté Kubernetes",
                    "description": "Entraide et retours d'expérience sur Kubernetes en production.",
                    "tags": ["kubernetes", "devops"],
                    "kind": "interest",
                    "visibility": "open",
                },
                {
                    "name": "Rust Paris Meetup 2030",
                    "description": "Organising the spring Rust meetup: talks, venue and sponsors.",
                    "tags": ["rust", "meetup"],
                    "kind": "project",
                    "visibility": "closed",
                    "end_date": "2030-06-30",
                },
            ]
        }
    )

    name: Name
    description: Description = ""
    tags: Tags = Field(default_factory=list)
    kind: Kind = "interest"
    visibility: Visibility = "open"
    end_date: date | None = None


class EditCommunity(ApiModel):
    """Changes to a community; absent fields are kept."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "Communauté Kubernetes France", "tags": ["kubernetes", "cloud-native"]},
                {"description": "Talks, venue and sponsors for June.", "end_date": "2030-07-15"},
            ]
        }
    )

    name: Name | None = None
    description: Description | None = None
    tags: Tags | None = None
    end_date: date | None = None


class JoinCommunity(ApiModel):
    """A join, request or invitation answer; must accept the current charter if there is one."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"accept_charter_version": 2}, {}]})

    accept_charter_version: int | None = Field(default=None, ge=1)


class PersonRef(ApiModel):
    """The person a manager invites or blocks."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"person_id": "chloe.martin"}]})

    person_id: PersonId


class RoleChange(ApiModel):
    """A member's new role."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"role": "manager"}, {"role": "member"}]}
    )

    role: Role


class NewCharter(ApiModel):
    """A new charter version's text."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"text": "Soyez bienveillants. Pas de publicité. On échange en français."},
                {"text": "Be kind, stay on topic, and no recruiting posts."},
            ]
        }
    )

    text: CharterText


class CharterAcceptance(ApiModel):
    """The charter version a member accepts."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 2}]})

    version: int = Field(ge=1)


class CommunityView(ApiModel):
    """A community as a person who may see it sees it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_KUBERNETES_SUMMARY,
                    "charter_version": 1,
                    "charter_text": "Soyez bienveillants. Pas de publicité.",
                    "my_role": "owner",
                }
            ]
        }
    )

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

    model_config = ConfigDict(json_schema_extra={"examples": [_KUBERNETES_SUMMARY, _RUST_SUMMARY]})

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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [_KUBERNETES_SUMMARY, _RUST_SUMMARY],
                    "total": 2,
                    "offset": 0,
                    "limit": 20,
                }
            ]
        }
    )

    items: list[CommunitySummary]
    total: int
    offset: int
    limit: int


class CommunityList(ApiModel):
    """A list of communities."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_KUBERNETES_SUMMARY, _RUST_SUMMARY]}]}
    )

    items: list[CommunitySummary]


class CommandResult(ApiModel):
    """What a command changed: the community, its new version and what happened."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"community_id": _KUBERNETES_ID, "version": 4, "outcome": "member_joined"}]
        }
    )

    community_id: str
    version: int
    outcome: str


class Member(ApiModel):
    """A member and their role."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"person_id": "alice", "role": "owner"}]}
    )

    person_id: str
    role: Role


class MemberList(ApiModel):
    """The members of a community."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {"person_id": "alice", "role": "owner"},
                        {"person_id": "bob", "role": "manager"},
                        {"person_id": "chloe.martin", "role": "member"},
                    ]
                }
            ]
        }
    )

    items: list[Member]


class MyMembership(ApiModel):
    """The caller's membership, and whether they must accept a new charter version."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "community_id": _KUBERNETES_ID,
                    "role": "member",
                    "charter_version": 2,
                    "accepted_charter_version": 1,
                    "must_accept_charter": True,
                }
            ]
        }
    )

    community_id: str
    role: Role
    charter_version: int
    accepted_charter_version: int
    must_accept_charter: bool


class JoinRequestView(ApiModel):
    """A join request and its outcome."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"person_id": "chloe.martin", "status": "pending"}]}
    )

    person_id: str
    status: str


class JoinRequestList(ApiModel):
    """Pending join requests."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"items": [{"person_id": "chloe.martin", "status": "pending"}]}]
        }
    )

    items: list[JoinRequestView]
