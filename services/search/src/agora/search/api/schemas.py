"""Response bodies of the search API, shaped for front-ends (names resolved, reasons in words).

``display_name`` is ``null`` for a person whose data was erased (show "former colleague"); an
erased person is never a result of a people search. Highlights are HTML-escaped text with the
matched words in ``<mark>`` elements, safe to insert.
"""

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from agora.search.api import examples
from agora.servicekit import ApiModel

Visibility = Literal["open", "closed", "secret"]

_KUBERNETES: JsonDict = {
    "topic": "kubernetes",
    "accepted_answers": 4,
    "answers": 9,
    "praise": 2,
    "posts": 3,
}
_CLAIM: JsonDict = {"skill": "kubernetes", "level": 3, "endorsements": 6}
_EXPERT: JsonDict = {
    "person": examples.CHLOE,
    "score": 9.42,
    "why": [
        "4 accepted answers on kubernetes",
        "9 questions answered on kubernetes",
        "praised for kubernetes 2 times",
        "3 posts on kubernetes",
        "endorsed by 6 colleagues for kubernetes",
        "declares kubernetes (level 3 of 4)",
        "can help with kubernetes",
    ],
    "skills": [_CLAIM],
    "evidence": [_KUBERNETES],
    "can_help_with": ["kubernetes"],
}
_WORK_ITEM: JsonDict = {
    "system": "jira",
    "item_id": "OPS-1234",
    "url": "https://jira.example.com/browse/OPS-1234",
    "title": "Rotate ingress certificates",
}
_COMMENT_HIGHLIGHT: JsonDict = {
    "comment_id": examples.COMMENT_ID,
    "fragments": ["We used <mark>cert-manager</mark> with a staged rollout."],
}
_POST: JsonDict = {
    "post_id": examples.POST_ID,
    "kind": "question",
    "community": examples.COMMUNITY_REF,
    "author": examples.KARIM,
    "tags": ["kubernetes", "tls"],
    "created_at": "2026-11-23T09:12:00Z",
    "edited_at": None,
    "answered": True,
    "answer_count": 3,
    "comment_count": 5,
    "work_item": _WORK_ITEM,
    "snippet": "Comment renouveler les certificats de l'ingress sans coupure du réseau ?",
    "highlights": [
        "Comment renouveler les certificats de l'ingress sans coupure du <mark>réseau</mark> ?"
    ],
    "comment_highlights": [_COMMENT_HIGHLIGHT],
    "score": 7.31,
}
_FACETS: JsonDict = {
    "tags": [{"value": "kubernetes", "count": 12}, {"value": "tls", "count": 4}],
    "communities": [{**examples.COMMUNITY_REF, "count": 15}],
    "kinds": [{"value": "question", "count": 9}, {"value": "post", "count": 6}],
}


class PersonView(ApiModel):
    """A person's public card."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.CHLOE, examples.ERASED]})

    person_id: str
    display_name: str | None
    job_title: str | None
    department: str | None
    location: str | None
    """Only when the person shows it to everyone."""
    photo_url: str | None


class TopicEvidenceView(ApiModel):
    """Contributions on one topic that the searcher may see (from open communities, profiles
    and the searcher's own communities)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_KUBERNETES]})

    topic: str
    accepted_answers: int = Field(ge=0, description="Answers accepted on questions.")
    answers: int = Field(ge=0, description="Questions answered (once each).")
    praise: int = Field(ge=0, description="Praise naming this skill.")
    posts: int = Field(ge=0, description="Posts tagged with the topic.")


class SkillClaimView(ApiModel):
    """A declared skill matching the search."""

    model_config = ConfigDict(json_schema_extra={"examples": [_CLAIM]})

    skill: str
    level: int = Field(ge=1, le=4, description="Self-assessed, 1 (notions) to 4 (expert).")
    endorsements: int = Field(ge=0)


class ExpertView(ApiModel):
    """One person who can help, and why they are ranked there."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXPERT]})

    person: PersonView
    score: float
    why: list[str] = Field(description="The reasons in words, strongest first.")
    skills: list[SkillClaimView]
    evidence: list[TopicEvidenceView]
    can_help_with: list[str] = Field(description='Matching "I can help with" topics.')


class ExpertPage(ApiModel):
    """People who can help, best first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"total": 14, "topics": ["kubernetes"], "results": [_EXPERT]}]
        }
    )

    total: int = Field(ge=0, description="People matching, on evidence the searcher may see.")
    topics: list[str] = Field(description="The topics the search was understood as.")
    results: list[ExpertView]


class CommunityRef(ApiModel):
    """A community's id and name."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.COMMUNITY_REF]})

    community_id: str
    name: str


class WorkItemView(ApiModel):
    """The item in another business tool a conversation is about."""

    model_config = ConfigDict(json_schema_extra={"examples": [_WORK_ITEM]})

    system: str
    item_id: str
    url: str | None
    title: str | None


class CommentHighlight(ApiModel):
    """A comment of the post whose text matched."""

    model_config = ConfigDict(json_schema_extra={"examples": [_COMMENT_HIGHLIGHT]})

    comment_id: str
    fragments: list[str]


class PostResult(ApiModel):
    """A post that matched (``community`` is ``null`` for a post on a profile)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_POST]})

    post_id: str
    kind: str
    community: CommunityRef | None
    author: PersonView
    tags: list[str]
    created_at: datetime
    edited_at: datetime | None
    answered: bool
    answer_count: int
    comment_count: int
    work_item: WorkItemView | None
    snippet: str = Field(description="The beginning of the text (Markdown source).")
    highlights: list[str] = Field(description="Matching fragments of the post, HTML-escaped.")
    comment_highlights: list[CommentHighlight]
    score: float | None = Field(description="Relevance (``null`` when sorted by date).")


class Facet(ApiModel):
    """How many matching posts have a value."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"value": "kubernetes", "count": 12}]}
    )

    value: str
    count: int


class CommunityFacet(ApiModel):
    """How many matching posts are in a community."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**examples.COMMUNITY_REF, "count": 15}]}
    )

    community_id: str
    name: str
    count: int


class PostFacets(ApiModel):
    """Counts over every matching post (never over posts the searcher may not read)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_FACETS]})

    tags: list[Facet]
    communities: list[CommunityFacet]
    kinds: list[Facet]


class PostPage(ApiModel):
    """Matching posts, with the total and facets."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"total": 15, "results": [_POST], "facets": _FACETS}]}
    )

    total: int = Field(ge=0)
    results: list[PostResult]
    facets: PostFacets


class CommunityView(ApiModel):
    """A community the searcher may know of."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.COMMUNITY]})

    community_id: str
    name: str
    description: str
    tags: list[str]
    kind: str
    visibility: Visibility
    member_count: int
    archived: bool
    member: bool = Field(description="Whether the searcher belongs to it.")


class CommunityPage(ApiModel):
    """Matching communities."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"total": 1, "results": [examples.COMMUNITY]}]}
    )

    total: int = Field(ge=0)
    results: list[CommunityView]


_SUGGESTED: JsonDict = {
    "community": {**examples.COMMUNITY, "member": False},
    "joined_by": 7,
    "why": ["joined by 7 colleagues who share your communities or skills"],
}


class CommunitySuggestion(ApiModel):
    """A community that people like the searcher joined."""

    model_config = ConfigDict(json_schema_extra={"examples": [_SUGGESTED]})

    community: CommunityView
    joined_by: int = Field(ge=1, description="Similar colleagues among its members.")
    why: list[str]


class CommunitySuggestions(ApiModel):
    """Communities to join, most joined by similar colleagues first."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"results": [_SUGGESTED]}]})

    results: list[CommunitySuggestion]


_PERSON_SUGGESTION: JsonDict = {
    "person": examples.KARIM,
    "why": ["2 communities in common", "also knows kubernetes"],
}


class PersonSuggestion(ApiModel):
    """A colleague to follow, and what the searcher shares with them."""

    model_config = ConfigDict(json_schema_extra={"examples": [_PERSON_SUGGESTION]})

    person: PersonView
    why: list[str]


class PeopleSuggestions(ApiModel):
    """Colleagues to follow, most in common first."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"results": [_PERSON_SUGGESTION]}]})

    results: list[PersonSuggestion]


class SkillSuggestion(ApiModel):
    """A skill and how many people declared it."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"skill": "kubernetes", "people": 42}]}
    )

    skill: str
    people: int


class TagSuggestion(ApiModel):
    """A tag and how many readable posts (in a sample) carry it."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"tag": "kubernetes", "posts": 87}]})

    tag: str
    posts: int


_AUTOCOMPLETE: JsonDict = {
    "people": [examples.KARIM],
    "skills": [{"skill": "kubernetes", "people": 42}],
    "communities": [examples.COMMUNITY_REF],
    "tags": [{"tag": "kubernetes", "posts": 87}],
}


class Autocomplete(ApiModel):
    """What the search box proposes for what was typed."""

    model_config = ConfigDict(json_schema_extra={"examples": [_AUTOCOMPLETE]})

    people: list[PersonView]
    skills: list[SkillSuggestion]
    communities: list[CommunityRef]
    tags: list[TagSuggestion]
