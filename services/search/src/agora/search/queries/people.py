"""People suggestions: colleagues you may want to follow.

Ranked by what you share: communities (any you belong to, secret ones included, since both of
you are members), declared skills and interests. People you already follow, and you, are left
out. The reasons count only what the searcher shares, never the other person's other
communities.
"""

from dataclasses import dataclass, field
from typing import Any

from agora.search.queries.elastic import SearchBackend
from agora.search.queries.searcher import Searcher

Query = dict[str, Any]
SUGGESTION_FIELDS = [
    "person_id",
    "display_name",
    "job_title",
    "department",
    "photo_url",
    "communities",
    "skill_keys",
    "interests",
]


@dataclass
class PersonSuggestion:
    """A colleague and what the searcher shares with them."""

    source: dict[str, Any]
    shared_communities: int = 0
    shared_skills: list[str] = field(default_factory=list)
    shared_interests: list[str] = field(default_factory=list)

    @property
    def why(self) -> list[str]:
        """The reasons in words."""
        reasons = []
        if self.shared_communities:
            plural = "y" if self.shared_communities == 1 else "ies"
            reasons.append(f"{self.shared_communities} communit{plural} in common")
        if self.shared_skills:
            reasons.append(f"also knows {', '.join(self.shared_skills)}")
        if self.shared_interests:
            reasons.append(f"also interested in {', '.join(self.shared_interests)}")
        return reasons


def suggestion_query(searcher: Searcher) -> Query:
    """Colleagues sharing communities, skills or interests, not yet followed."""
    should: list[Query] = []
    if searcher.communities:
        should.append(
            {"terms": {"communities": sorted(searcher.communities), "boost": 2.0}},
        )
    if searcher.skills:
        should.append({"terms": {"skill_keys": list(searcher.skills), "boost": 1.5}})
    if searcher.interests:
        should.append({"terms": {"interests": list(searcher.interests)}})
    excluded = sorted({searcher.person_id, *searcher.following})
    return {
        "bool": {
            "filter": [{"term": {"searchable": True}}],
            "must_not": [{"ids": {"values": excluded}}],
            "should": should,
            "minimum_should_match": 1,
        }
    }


async def suggest_people(
    backend: SearchBackend, searcher: Searcher, *, limit: int
) -> list[PersonSuggestion]:
    """Colleagues the searcher may want to follow, most in common first."""
    if not (searcher.communities or searcher.skills or searcher.interests):
        return []
    response = await backend.search(
        "people",
        {
            "query": {
                "function_score": {
                    "query": suggestion_query(searcher),
                    "functions": [
                        _shared("communities", sorted(searcher.communities), 2.0),
                        _shared("skill_keys", list(searcher.skills), 1.5),
                        _shared("interests", list(searcher.interests), 1.0),
                    ],
                    "score_mode": "sum",
                    "boost_mode": "replace",
                }
            },
            "size": limit,
            "_source": SUGGESTION_FIELDS,
            "sort": ["_score", {"person_id": "asc"}],
        },
    )
    suggestions = []
    for hit in response["hits"]["hits"]:
        source = hit["_source"]
        suggestions.append(
            PersonSuggestion(
                source=source,
                shared_communities=len(searcher.communities & set(source.get("communities", []))),
                shared_skills=sorted(set(searcher.skills) & set(source.get("skill_keys", []))),
                shared_interests=sorted(set(searcher.interests) & set(source.get("interests", []))),
            )
        )
    return suggestions


def _shared(field_name: str, values: list[str], weight: float) -> Query:
    """A function adding ``weight`` for each of ``values`` the person has too."""
    return {
        "script_score": {
            "script": {
                "source": (
                    "double n = 0; for (v in doc[params.field]) "
                    "{ if (params.values.contains(v)) { n += 1; } } return params.weight * n;"
                ),
                "params": {"field": field_name, "values": values, "weight": weight},
            }
        }
    }
