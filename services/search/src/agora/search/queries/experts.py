"""The expert finder: "who can help with X", ranked by evidence, each result with its reasons.

A person's score is the sum of (``ExpertWeights``):

- **declared**: for each declared skill matching the search, ``level * 0.6`` (levels 1 to 4),
  plus ``log(1 + endorsement weight) * 1.2``, where each endorsement weighs the endorser's own
  standing in that skill (1, plus 0.5 a level they declared, plus 0.25 an endorsement they
  received, up to 8): an expert's endorsement counts more than anyone's;
- **demonstrated**: for each evidence bucket (one topic in one community) matching the search
  *and readable by the searcher*, ``log(1 + 3 accepted + answers + 2 praise + 0.5 posts) * 2``,
  times a recency factor from 1 (this week) down to 0.4 (long ago; half-way after a year);
- **help**: 1 when the person says they can help with a matching topic;
- **text**: a small share for the search words found in their name, title or help topics.

Demonstrated contributions outweigh declarations: three accepted answers on a topic (each
also an answer: log(1 + 9 + 3) * 2 = 5.1) beat a declared expert level (2.4). The evidence
filter runs inside the nested query, so the score, the total and the reasons (read from the
same query's inner hits) count only evidence from open communities, profiles and the
searcher's own communities.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agora.search.queries.elastic import SearchBackend
from agora.search.queries.searcher import Searcher
from agora.search.queries.visibility import readable
from agora.search.topics import query_topics

Query = dict[str, Any]
MAX_INNER_HITS = 50
EVIDENCE_SCRIPT = """
double raw = params.accepted * doc['evidence.accepted'].value
    + params.answers * doc['evidence.answers'].value
    + params.praise * doc['evidence.praise'].value
    + params.posts * doc['evidence.posts'].value;
double age = Math.max(0.0,
    (params.now - doc['evidence.last_at'].value.toInstant().toEpochMilli()) / 86400000.0);
double recency = params.floor + (1.0 - params.floor) * Math.pow(0.5, age / params.half_life);
return params.weight * Math.log(1.0 + raw) * recency;
"""
DECLARED_SCRIPT = """
double score = params.level * doc['skills.level'].value;
if (params.endorse > 0) {
  score += params.endorse * Math.log(1.0 + doc['skills.endorsement_weight'].value);
}
return score;
"""


@dataclass(frozen=True)
class ExpertWeights:
    """The ranking formula's weights (the module docstring explains them)."""

    level: float = 0.6
    endorsement: float = 1.2
    evidence: float = 2.0
    accepted: float = 3.0
    answers: float = 1.0
    praise: float = 2.0
    posts: float = 0.5
    help: float = 1.0
    text: float = 0.3
    recency_floor: float = 0.4
    half_life_days: float = 365.0


DEFAULT_WEIGHTS = ExpertWeights()


@dataclass(frozen=True)
class ExpertSearch:
    """What the searcher asks for."""

    text: str = ""
    skills: tuple[str, ...] = ()
    department: str | None = None
    location: str | None = None
    language: str | None = None
    available: bool | None = None
    limit: int = 10
    offset: int = 0

    @property
    def topics(self) -> list[str]:
        """The topic keys the search names."""
        return query_topics(self.text, list(self.skills))


@dataclass
class TopicEvidence:
    """Evidence on one topic the searcher may see."""

    topic: str
    accepted_answers: int = 0
    answers: int = 0
    praise: int = 0
    posts: int = 0


@dataclass
class SkillClaim:
    """A declared skill matching the search."""

    skill: str
    level: int
    endorsements: int


@dataclass
class Expert:
    """One result: the person's id, score and reasons."""

    person_id: str
    score: float
    source: dict[str, Any]
    skills: list[SkillClaim] = field(default_factory=list)
    evidence: list[TopicEvidence] = field(default_factory=list)
    help_topics: list[str] = field(default_factory=list)

    @property
    def why(self) -> list[str]:
        """The reasons in words, strongest first."""
        reasons: list[str] = []
        for item in self.evidence:
            if item.accepted_answers:
                reasons.append(_count(item.accepted_answers, "accepted answer", f"on {item.topic}"))
            if item.answers:
                reasons.append(_count(item.answers, "question", f"answered on {item.topic}"))
            if item.praise:
                reasons.append(f"praised for {item.topic} {_times(item.praise)}")
            if item.posts:
                reasons.append(_count(item.posts, "post", f"on {item.topic}"))
        for claim in self.skills:
            if claim.endorsements:
                reasons.append(
                    f"endorsed by {_count(claim.endorsements, 'colleague')} for {claim.skill}"
                )
            reasons.append(f"declares {claim.skill} (level {claim.level} of 4)")
        reasons += [f"can help with {topic}" for topic in self.help_topics]
        return reasons


@dataclass
class ExpertPage:
    """A page of experts and how many match in all."""

    total: int
    experts: list[Expert]


def _count(number: int, noun: str, suffix: str = "") -> str:
    words = f"{number} {noun}{'' if number == 1 else 's'}"
    return f"{words} {suffix}".strip()


def _times(number: int) -> str:
    return "once" if number == 1 else f"{number} times"


def expert_query(
    search: ExpertSearch,
    searcher: Searcher,
    *,
    now: datetime,
    weights: ExpertWeights = DEFAULT_WEIGHTS,
    baseline: bool = False,
    explain_reasons: bool = True,
) -> Query:
    """The query of the expert finder (``baseline``: declared skill levels only, the
    comparison the relevance benchmark makes)."""
    topics = search.topics
    filters: list[Query] = [{"term": {"searchable": True}}]
    if search.department:
        filters.append({"match": {"department": search.department}})
    if search.location:
        filters.append({"match": {"location": search.location}})
    if search.language:
        filters.append({"match": {"languages": search.language}})
    if search.available:
        filters.append({"exists": {"field": "help_keys"}})
    should = [_declared(search, topics, weights, baseline=baseline, inner=explain_reasons)]
    if not baseline:
        should.append(
            _demonstrated(
                search,
                topics=topics,
                searcher=searcher,
                now=now,
                weights=weights,
                inner=explain_reasons,
            )
        )
        should.append(
            {"constant_score": {"filter": {"terms": {"help_keys": topics}}, "boost": weights.help}}
        )
        if search.text.strip():
            should.append(
                {
                    "multi_match": {
                        "query": search.text,
                        "fields": ["display_name", "job_title", "help_topics", "help_topics.fr"],
                        "boost": weights.text,
                    }
                }
            )
    return {
        "bool": {"filter": filters, "should": should, "minimum_should_match": 1},
    }


def _topic_match(keyword: str, analysed: str, text: str, topics: list[str]) -> list[Query]:
    """Exact topic keys, and the search text against the analysed names (stems, synonyms)."""
    matches: list[Query] = [{"terms": {keyword: topics}}] if topics else []
    if text.strip():
        matches += [{"match": {f"{analysed}.fr": text}}, {"match": {f"{analysed}.en": text}}]
    return matches


def _declared(
    search: ExpertSearch, topics: list[str], weights: ExpertWeights, *, baseline: bool, inner: bool
) -> Query:
    nested: Query = {
        "path": "skills",
        "score_mode": "sum",
        "query": {
            "function_score": {
                "query": {
                    "bool": {
                        "should": _topic_match("skills.skill", "skills.text", search.text, topics),
                        "minimum_should_match": 1,
                    }
                },
                "functions": [
                    {
                        "script_score": {
                            "script": {
                                "source": DECLARED_SCRIPT,
                                "params": {
                                    "level": weights.level,
                                    "endorse": 0.0 if baseline else weights.endorsement,
                                },
                            }
                        }
                    }
                ],
                "boost_mode": "replace",
            }
        },
    }
    if inner:
        nested["inner_hits"] = {
            "name": "skills",
            "size": MAX_INNER_HITS,
            "_source": ["skills.skill", "skills.level", "skills.endorsements"],
        }
    return {"nested": nested}


def _demonstrated(
    search: ExpertSearch,
    *,
    topics: list[str],
    searcher: Searcher,
    now: datetime,
    weights: ExpertWeights,
    inner: bool,
) -> Query:
    nested: Query = {
        "path": "evidence",
        "score_mode": "sum",
        "query": {
            "function_score": {
                "query": {
                    "bool": {
                        "filter": [readable(searcher, prefix="evidence.")],
                        "should": _topic_match(
                            "evidence.topic", "evidence.topic_text", search.text, topics
                        ),
                        "minimum_should_match": 1,
                    }
                },
                "functions": [
                    {
                        "script_score": {
                            "script": {
                                "source": EVIDENCE_SCRIPT,
                                "params": {
                                    "accepted": weights.accepted,
                                    "answers": weights.answers,
                                    "praise": weights.praise,
                                    "posts": weights.posts,
                                    "weight": weights.evidence,
                                    "floor": weights.recency_floor,
                                    "half_life": weights.half_life_days,
                                    "now": int(now.timestamp() * 1000),
                                },
                            }
                        }
                    }
                ],
                "boost_mode": "replace",
            }
        },
    }
    if inner:
        nested["inner_hits"] = {
            "name": "evidence",
            "size": MAX_INNER_HITS,
            "_source": [
                "evidence.topic",
                "evidence.accepted",
                "evidence.answers",
                "evidence.praise",
                "evidence.posts",
            ],
        }
    return {"nested": nested}


PERSON_FIELDS = [
    "person_id",
    "display_name",
    "job_title",
    "department",
    "location",
    "photo_url",
    "help_keys",
]


async def find_experts(
    backend: SearchBackend,
    search: ExpertSearch,
    searcher: Searcher,
    *,
    now: datetime,
    weights: ExpertWeights = DEFAULT_WEIGHTS,
) -> ExpertPage:
    """Run the expert finder for ``searcher``."""
    body = {
        "query": expert_query(search, searcher, now=now, weights=weights),
        "from": search.offset,
        "size": search.limit,
        "track_total_hits": True,
        "_source": PERSON_FIELDS,
        "sort": ["_score", {"person_id": "asc"}],
    }
    response = await backend.search("people", body)
    topics = set(search.topics)
    experts = [_expert(hit, topics) for hit in response["hits"]["hits"]]
    return ExpertPage(total=int(response["hits"]["total"]["value"]), experts=experts)


def _expert(hit: dict[str, Any], topics: set[str]) -> Expert:
    source = hit["_source"]
    expert = Expert(person_id=hit["_id"], score=float(hit["_score"] or 0.0), source=source)
    inner = hit.get("inner_hits", {})
    by_topic: defaultdict[str, TopicEvidence] = defaultdict(lambda: TopicEvidence(topic=""))
    for bucket in _inner_sources(inner, "evidence"):
        item = by_topic[bucket["topic"]]
        item.topic = bucket["topic"]
        item.accepted_answers += bucket["accepted"]
        item.answers += bucket["answers"]
        item.praise += bucket["praise"]
        item.posts += bucket["posts"]
    expert.evidence = sorted(
        by_topic.values(),
        key=lambda e: (-(3 * e.accepted_answers + e.answers + 2 * e.praise + e.posts), e.topic),
    )
    expert.skills = sorted(
        (
            SkillClaim(skill=s["skill"], level=s["level"], endorsements=s["endorsements"])
            for s in _inner_sources(inner, "skills")
        ),
        key=lambda claim: (-claim.level, -claim.endorsements, claim.skill),
    )
    expert.help_topics = sorted(topics & set(source.get("help_keys", [])))
    return expert


def _inner_sources(inner: dict[str, Any], name: str) -> list[dict[str, Any]]:
    hits = inner.get(name, {}).get("hits", {}).get("hits", [])
    return [hit["_source"] for hit in hits]
