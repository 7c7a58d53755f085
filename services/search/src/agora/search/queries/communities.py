"""Community search, and "communities people like you joined".

A secret community is found only by its members: the filter is in the query, so it is never
counted either. Suggestions are made of open and closed communities only.
"""

from dataclasses import dataclass
from typing import Any

from agora.search.queries.elastic import SearchBackend
from agora.search.queries.searcher import Searcher
from agora.search.queries.visibility import known_communities

Query = dict[str, Any]
COMMUNITY_FIELDS = [
    "community_id",
    "name",
    "description",
    "tags",
    "kind",
    "visibility",
    "archived",
    "member_count",
]
SIMILAR_PEOPLE = 200
"""How many of the most similar colleagues the suggestions are drawn from."""


@dataclass(frozen=True)
class CommunitySearch:
    """What the searcher asks for."""

    text: str = ""
    kind: str | None = None
    limit: int = 20
    offset: int = 0


@dataclass
class CommunityHit:
    """One community (and, for a suggestion, how many similar colleagues joined it)."""

    source: dict[str, Any]
    joined_by: int = 0


@dataclass
class CommunityResults:
    """A page of communities and how many match."""

    total: int
    communities: list[CommunityHit]


def community_query(search: CommunitySearch, searcher: Searcher) -> Query:
    """Communities the searcher may know of, matching the search."""
    filters = known_communities(searcher)
    if search.kind:
        filters.append({"term": {"kind": search.kind}})
    if not search.text.strip():
        return {"bool": {"filter": filters}}
    fields = [
        "name^3",
        "name.fr^2",
        "name.en^2",
        "name.autocomplete",
        "description",
        "description.fr",
        "description.en",
        "tags.text^2",
    ]
    return {
        "bool": {
            "filter": filters,
            "must": [{"multi_match": {"query": search.text, "fields": fields}}],
        }
    }


async def search_communities(
    backend: SearchBackend, search: CommunitySearch, searcher: Searcher
) -> CommunityResults:
    """Run a community search for ``searcher``."""
    body = {
        "query": community_query(search, searcher),
        "from": search.offset,
        "size": search.limit,
        "track_total_hits": True,
        "_source": COMMUNITY_FIELDS,
        "sort": ["_score", {"member_count": "desc"}, {"community_id": "asc"}],
    }
    response = await backend.search("communities", body)
    return CommunityResults(
        total=int(response["hits"]["total"]["value"]),
        communities=[CommunityHit(source=hit["_source"]) for hit in response["hits"]["hits"]],
    )


def similar_people_query(searcher: Searcher) -> Query:
    """Colleagues who share the searcher's communities or skills (never the searcher)."""
    should: list[Query] = []
    if searcher.communities:
        should.append({"terms": {"communities": sorted(searcher.communities)}})
    if searcher.skills:
        should.append({"terms": {"skill_keys": list(searcher.skills)}})
    if searcher.interests:
        should.append({"terms": {"interests": list(searcher.interests)}})
    return {
        "bool": {
            "filter": [{"term": {"searchable": True}}],
            "must_not": [{"ids": {"values": [searcher.person_id]}}],
            "should": should,
            "minimum_should_match": 1,
        }
    }


async def suggest_communities(
    backend: SearchBackend, searcher: Searcher, *, limit: int
) -> list[CommunityHit]:
    """Communities the searcher's most similar colleagues joined, most joined first: open or
    closed, not archived, and not already the searcher's."""
    if not (searcher.communities or searcher.skills or searcher.interests):
        return []
    body = {
        "query": similar_people_query(searcher),
        "size": 0,
        "aggs": {
            "similar": {
                "sampler": {"shard_size": SIMILAR_PEOPLE},
                "aggs": {
                    "joined": {
                        "terms": {
                            "field": "listed_communities",
                            "size": limit * 3,
                            "exclude": sorted(searcher.communities),
                        }
                    }
                },
            }
        },
    }
    response = await backend.search("people", body)
    buckets = response["aggregations"]["similar"]["joined"]["buckets"]
    counts = {str(bucket["key"]): int(bucket["doc_count"]) for bucket in buckets}
    if not counts:
        return []
    found = await backend.search(
        "communities",
        {
            "query": {
                "bool": {
                    "filter": [
                        {"ids": {"values": list(counts)}},
                        {"terms": {"visibility": ["open", "closed"]}},
                        {"term": {"known": True}},
                        {"term": {"archived": False}},
                    ]
                }
            },
            "size": len(counts),
            "_source": COMMUNITY_FIELDS,
        },
    )
    hits = [
        CommunityHit(source=hit["_source"], joined_by=counts[hit["_id"]])
        for hit in found["hits"]["hits"]
    ]
    hits.sort(key=lambda hit: (-hit.joined_by, -hit.source["member_count"], hit.source["name"]))
    return hits[:limit]
