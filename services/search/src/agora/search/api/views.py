"""From query results to response bodies: names resolved in one round trip per kind."""

import asyncio

from agora.search.api import schemas
from agora.search.queries.communities import CommunityHit
from agora.search.queries.elastic import Document, SearchBackend
from agora.search.queries.experts import ExpertPage
from agora.search.queries.people import PersonSuggestion
from agora.search.queries.posts import PostResults, snippet
from agora.search.queries.searcher import Searcher

CARD_FIELDS = ["display_name", "job_title", "department", "location", "photo_url"]


def person_view(person_id: str, source: Document | None) -> schemas.PersonView:
    """A person's card (``null`` fields for an erased or unknown person)."""
    source = source or {}
    return schemas.PersonView(
        person_id=person_id,
        display_name=source.get("display_name"),
        job_title=source.get("job_title"),
        department=source.get("department"),
        location=source.get("location"),
        photo_url=source.get("photo_url"),
    )


def expert_page(page: ExpertPage, topics: list[str]) -> schemas.ExpertPage:
    """The expert finder's answer."""
    return schemas.ExpertPage(
        total=page.total,
        topics=topics,
        results=[
            schemas.ExpertView(
                person=person_view(expert.person_id, expert.source),
                score=round(expert.score, 4),
                why=expert.why,
                skills=[
                    schemas.SkillClaimView(
                        skill=c.skill, level=c.level, endorsements=c.endorsements
                    )
                    for c in expert.skills
                ],
                evidence=[
                    schemas.TopicEvidenceView(
                        topic=e.topic,
                        accepted_answers=e.accepted_answers,
                        answers=e.answers,
                        praise=e.praise,
                        posts=e.posts,
                    )
                    for e in expert.evidence
                ],
                can_help_with=expert.help_topics,
            )
            for expert in page.experts
        ],
    )


async def post_page(backend: SearchBackend, results: PostResults) -> schemas.PostPage:
    """The post search's answer, with authors' and communities' names."""
    community_ids = {hit.source["community_id"] for hit in results.posts} | {
        facet.value for facet in results.communities
    }
    authors, communities = await asyncio.gather(
        backend.sources(
            "people", sorted({hit.source["author_id"] for hit in results.posts}), CARD_FIELDS
        ),
        backend.sources("communities", sorted(c for c in community_ids if c), ["name"]),
    )
    posts = []
    for hit in results.posts:
        source = hit.source
        community_id = source.get("community_id")
        work_item = source.get("work_item")
        posts.append(
            schemas.PostResult(
                post_id=source["post_id"],
                kind=source["kind"],
                community=(
                    schemas.CommunityRef(
                        community_id=community_id,
                        name=communities.get(community_id, {}).get("name", ""),
                    )
                    if community_id
                    else None
                ),
                author=person_view(source["author_id"], authors.get(source["author_id"])),
                tags=source.get("tags", []),
                created_at=source["created_at"],
                edited_at=source.get("edited_at"),
                answered=source.get("answered", False),
                answer_count=source.get("answer_count", 0),
                comment_count=source.get("comment_count", 0),
                work_item=schemas.WorkItemView(**work_item) if work_item else None,
                snippet=snippet(source.get("text", "")),
                highlights=hit.highlights,
                comment_highlights=[
                    schemas.CommentHighlight(comment_id=c.comment_id, fragments=c.fragments)
                    for c in hit.comments
                ],
                score=hit.score,
            )
        )
    return schemas.PostPage(
        total=results.total,
        results=posts,
        facets=schemas.PostFacets(
            tags=[schemas.Facet(value=f.value, count=f.count) for f in results.tags],
            communities=[
                schemas.CommunityFacet(
                    community_id=f.value,
                    name=communities.get(f.value, {}).get("name", ""),
                    count=f.count,
                )
                for f in results.communities
            ],
            kinds=[schemas.Facet(value=f.value, count=f.count) for f in results.kinds],
        ),
    )


def community_view(source: Document, searcher: Searcher) -> schemas.CommunityView:
    """A community as the searcher sees it."""
    return schemas.CommunityView(
        community_id=source["community_id"],
        name=source["name"],
        description=source["description"],
        tags=source["tags"],
        kind=source["kind"],
        visibility=source["visibility"],
        member_count=source["member_count"],
        archived=source["archived"],
        member=searcher.is_member(source["community_id"]),
    )


def community_suggestion(hit: CommunityHit, searcher: Searcher) -> schemas.CommunitySuggestion:
    """A community to join and why."""
    plural = "" if hit.joined_by == 1 else "s"
    return schemas.CommunitySuggestion(
        community=community_view(hit.source, searcher),
        joined_by=hit.joined_by,
        why=[f"joined by {hit.joined_by} colleague{plural} who share your communities or skills"],
    )


def person_suggestion(suggestion: PersonSuggestion) -> schemas.PersonSuggestion:
    """A colleague to follow and why."""
    source = suggestion.source
    return schemas.PersonSuggestion(
        person=person_view(source["person_id"], source), why=suggestion.why
    )
