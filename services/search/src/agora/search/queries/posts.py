"""Full-text search over posts and their comments, with highlights and facets.

The visibility filter and every requested filter are part of the query, so the total, the
facets (tags, communities, kinds) and the highlights come only from posts the searcher may
read. Comments are nested in their post's document: a match in a comment finds the post and
shows the comment's highlighted fragments (hidden and deleted comments are not indexed).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from agora.search.queries.elastic import SearchBackend
from agora.search.queries.searcher import Searcher
from agora.search.queries.visibility import visible_posts

Query = dict[str, Any]
Sort = Literal["relevance", "date"]
TEXT_FIELDS = ["text", "text.fr", "text.en", "work_item.title", "work_item.title.fr", "tags.text^2"]
COMMENT_FIELDS = ["comments.text", "comments.text.fr", "comments.text.en"]
HIGHLIGHT: Query = {
    "pre_tags": ["<mark>"],
    "post_tags": ["</mark>"],
    "encoder": "html",
    "fragment_size": 160,
    "number_of_fragments": 2,
}
MOST_WORDS = "3<75%"
"""Up to three words must all match; of longer searches, three quarters."""
FACET_SIZE = 10
SNIPPET_LENGTH = 240


@dataclass(frozen=True)
class PostSearch:
    """What the searcher asks for."""

    text: str = ""
    community_id: str | None = None
    author_id: str | None = None
    tag: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    questions: bool = False
    unanswered: bool = False
    work_item_system: str | None = None
    sort: Sort = "relevance"
    limit: int = 20
    offset: int = 0


@dataclass
class CommentMatch:
    """A comment whose text matched, with its highlighted fragments."""

    comment_id: str
    fragments: list[str]


@dataclass
class PostHit:
    """One matching post."""

    source: dict[str, Any]
    score: float | None
    highlights: list[str] = field(default_factory=list)
    comments: list[CommentMatch] = field(default_factory=list)


@dataclass
class Facet:
    """How many matching posts have a value."""

    value: str
    count: int


@dataclass
class PostResults:
    """A page of posts, the total and the facets (all computed on readable posts only)."""

    total: int
    posts: list[PostHit]
    tags: list[Facet]
    communities: list[Facet]
    kinds: list[Facet]


def post_query(search: PostSearch, searcher: Searcher) -> Query:
    """The filtered query: what the searcher may read, narrowed by the search."""
    filters: list[Query] = visible_posts(searcher)
    if search.community_id:
        filters.append({"term": {"community_id": search.community_id}})
    if search.author_id:
        filters.append({"term": {"author_id": search.author_id}})
    if search.tag:
        filters.append({"term": {"tags": search.tag}})
    if search.since or search.until:
        bounds: Query = {}
        if search.since:
            bounds["gte"] = search.since.isoformat()
        if search.until:
            bounds["lte"] = search.until.isoformat()
        filters.append({"range": {"created_at": bounds}})
    if search.questions or search.unanswered:
        filters.append({"term": {"kind": "question"}})
    if search.unanswered:
        filters.append({"term": {"answered": False}})
    if search.work_item_system:
        filters.append({"term": {"work_item.system": search.work_item_system}})
    if not search.text.strip():
        return {"bool": {"filter": filters}}
    matches: list[Query] = [
        {
            "multi_match": {
                "query": search.text,
                "type": "most_fields",
                "fields": TEXT_FIELDS,
                "minimum_should_match": MOST_WORDS,
            }
        },
        {
            "nested": {
                "path": "comments",
                "score_mode": "max",
                "query": {
                    "multi_match": {
                        "query": search.text,
                        "type": "most_fields",
                        "fields": COMMENT_FIELDS,
                        "minimum_should_match": MOST_WORDS,
                    }
                },
                "inner_hits": {
                    "name": "comments",
                    "size": 3,
                    "_source": ["comments.comment_id"],
                    "highlight": {**HIGHLIGHT, "fields": {key: {} for key in COMMENT_FIELDS}},
                },
            }
        },
    ]
    return {"bool": {"filter": filters, "should": matches, "minimum_should_match": 1}}


def post_search_body(search: PostSearch, searcher: Searcher) -> Query:
    """The whole search request: query, sort, page, highlights and facets."""
    body: Query = {
        "query": post_query(search, searcher),
        "from": search.offset,
        "size": search.limit,
        "track_total_hits": True,
        "_source": {"excludes": ["comments"]},
        "aggs": {
            "tags": {"terms": {"field": "tags", "size": FACET_SIZE}},
            "communities": {"terms": {"field": "community_id", "size": FACET_SIZE}},
            "kinds": {"terms": {"field": "kind", "size": 4}},
        },
    }
    if search.sort == "date" or not search.text.strip():
        body["sort"] = [{"created_at": "desc"}, {"post_id": "asc"}]
    else:
        body["sort"] = ["_score", {"created_at": "desc"}, {"post_id": "asc"}]
    if search.text.strip():
        fields = ["text", "text.fr", "text.en", "work_item.title"]
        body["highlight"] = {**HIGHLIGHT, "fields": {key: {} for key in fields}}
    return body


async def search_posts(
    backend: SearchBackend, search: PostSearch, searcher: Searcher
) -> PostResults:
    """Run a post search for ``searcher``."""
    response = await backend.search("posts", post_search_body(search, searcher))
    aggregations = response.get("aggregations", {})
    return PostResults(
        total=int(response["hits"]["total"]["value"]),
        posts=[_hit(hit) for hit in response["hits"]["hits"]],
        tags=_facets(aggregations, "tags"),
        communities=_facets(aggregations, "communities"),
        kinds=_facets(aggregations, "kinds"),
    )


def _facets(aggregations: dict[str, Any], name: str) -> list[Facet]:
    buckets = aggregations.get(name, {}).get("buckets", [])
    return [Facet(value=str(b["key"]), count=int(b["doc_count"])) for b in buckets]


def _first_fragments(highlight: dict[str, list[str]], prefixes: list[str]) -> list[str]:
    """The fragments of the first field that has some (one field, however analysed)."""
    for prefix in prefixes:
        for name in (prefix, f"{prefix}.fr", f"{prefix}.en"):
            if highlight.get(name):
                return highlight[name]
    return []


def _hit(hit: dict[str, Any]) -> PostHit:
    found = PostHit(source=hit["_source"], score=hit.get("_score"))
    found.highlights = _first_fragments(hit.get("highlight", {}), ["text", "work_item.title"])
    inner = hit.get("inner_hits", {}).get("comments", {}).get("hits", {}).get("hits", [])
    for comment in inner:
        fragments = _first_fragments(comment.get("highlight", {}), ["comments.text"])
        if fragments:
            found.comments.append(
                CommentMatch(comment_id=comment["_source"]["comment_id"], fragments=fragments)
            )
    return found


def snippet(text: str) -> str:
    """The beginning of a text, cut at a word."""
    if len(text) <= SNIPPET_LENGTH:
        return text
    cut = text[:SNIPPET_LENGTH].rsplit(" ", 1)[0]
    return f"{cut}…"
