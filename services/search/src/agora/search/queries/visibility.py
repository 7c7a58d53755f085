"""The visibility filters every query carries (Elasticsearch query DSL).

Open communities and profile posts are readable by every employee; closed and secret
communities' content by their members only; a secret community is known to its members only.
Each filter is part of the query itself, so totals, aggregations, highlights, inner hits and
scores are all computed on what the searcher may see, never filtered afterwards.
"""

from typing import Any

from agora.search.queries.searcher import Searcher

Query = dict[str, Any]


def readable(searcher: Searcher, *, prefix: str = "") -> Query:
    """Content (posts, evidence) the searcher may read: ``prefix`` names a nested path."""
    should: list[Query] = [{"term": {f"{prefix}visibility": "open"}}]
    if searcher.communities:
        should.append({"terms": {f"{prefix}community_id": sorted(searcher.communities)}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def visible_posts(searcher: Searcher) -> list[Query]:
    """Live posts the searcher may read."""
    return [{"term": {"state": "visible"}}, readable(searcher)]


def known_communities(searcher: Searcher) -> list[Query]:
    """Communities whose existence the searcher may know: open and closed ones, and the
    secret ones they belong to."""
    should: list[Query] = [{"terms": {"visibility": ["open", "closed"]}}]
    if searcher.communities:
        should.append({"terms": {"community_id": sorted(searcher.communities)}})
    return [{"term": {"known": True}}, {"bool": {"should": should, "minimum_should_match": 1}}]
