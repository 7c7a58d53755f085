"""Autocomplete for the search box: people, skills, communities and tags in one round trip.

Four searches go in one ``_msearch``: names (edge n-grams), community names (visibility
filtered), skills (a terms aggregation over people's declared skills, which every employee may
see) and tags (a terms aggregation over a sample of the posts the searcher may read: a tag used
only in a secret community is never suggested to a non-member).
"""

from dataclasses import dataclass, field
from typing import Any

from agora.search.queries.elastic import SearchBackend
from agora.search.queries.searcher import Searcher
from agora.search.queries.visibility import known_communities, visible_posts
from agora.search.topics import topic_key

Query = dict[str, Any]
TAG_SAMPLE = 500
"""Posts per shard whose tags are counted for a tag suggestion."""


@dataclass
class Suggestions:
    """What the search box proposes for a prefix."""

    people: list[dict[str, Any]] = field(default_factory=list)
    skills: list[tuple[str, int]] = field(default_factory=list)
    communities: list[dict[str, Any]] = field(default_factory=list)
    tags: list[tuple[str, int]] = field(default_factory=list)


def _prefix_pattern(prefix: str) -> str:
    """A Lucene regular expression matching values that start with ``prefix``."""
    return "".join(char if char.isalnum() else f"\\{char}" for char in prefix) + ".*"


def autocomplete_requests(text: str, searcher: Searcher, limit: int) -> list[tuple[Any, Query]]:
    """The four searches, in the order ``people, communities, skills, tags``."""
    skill_prefix = topic_key(text)
    tag_prefix = text.strip().lower().removeprefix("#")
    people: Query = {
        "query": {
            "bool": {
                "filter": [{"term": {"searchable": True}}],
                "must": [
                    {"match": {"display_name.autocomplete": {"query": text, "operator": "and"}}}
                ],
            }
        },
        "size": limit,
        "_source": ["person_id", "display_name", "job_title", "photo_url"],
    }
    communities: Query = {
        "query": {
            "bool": {
                "filter": known_communities(searcher),
                "must": [{"match": {"name.autocomplete": {"query": text, "operator": "and"}}}],
            }
        },
        "size": limit,
        "_source": ["community_id", "name", "kind", "visibility"],
        "sort": ["_score", {"member_count": "desc"}],
    }
    skills: Query = {
        "query": {
            "bool": {
                "filter": [
                    {"term": {"searchable": True}},
                    {"prefix": {"skill_keys": skill_prefix}},
                ]
            }
        },
        "size": 0,
        "aggs": {
            "skills": {
                "terms": {
                    "field": "skill_keys",
                    "include": _prefix_pattern(skill_prefix),
                    "size": limit,
                }
            }
        },
    }
    tags: Query = {
        "query": {"bool": {"filter": [*visible_posts(searcher), {"prefix": {"tags": tag_prefix}}]}},
        "size": 0,
        "aggs": {
            "sample": {
                "sampler": {"shard_size": TAG_SAMPLE},
                "aggs": {
                    "tags": {
                        "terms": {
                            "field": "tags",
                            "include": _prefix_pattern(tag_prefix),
                            "size": limit,
                        }
                    }
                },
            }
        },
    }
    return [("people", people), ("communities", communities), ("people", skills), ("posts", tags)]


async def autocomplete(
    backend: SearchBackend, text: str, searcher: Searcher, *, limit: int
) -> Suggestions:
    """What to propose for ``text`` to ``searcher``."""
    answers = await backend.msearch(autocomplete_requests(text, searcher, limit))
    people, communities, skills, tags = answers
    skill_buckets = skills["aggregations"]["skills"]["buckets"]
    tag_buckets = tags["aggregations"]["sample"]["tags"]["buckets"]
    return Suggestions(
        people=[hit["_source"] for hit in people["hits"]["hits"]],
        communities=[hit["_source"] for hit in communities["hits"]["hits"]],
        skills=[(str(b["key"]), int(b["doc_count"])) for b in skill_buckets],
        tags=[(str(b["key"]), int(b["doc_count"])) for b in tag_buckets],
    )
