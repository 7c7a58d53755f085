"""NDCG@10 of the expert finder against a ranking by declared skills only, in the same run,
with Elasticsearch's rank evaluation API and the generator's hidden truth as judgements."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from agora.search.indexing.indices import IndexNames
from agora.search.queries.experts import ExpertSearch, expert_query
from agora.search.queries.searcher import Searcher
from bench.search.generator import TOPICS, Organisation

K = 10


@dataclass
class Relevance:
    """Mean NDCG@10 of both rankings, and per topic."""

    ours: float
    baseline: float
    topics: int
    per_topic: dict[str, tuple[float, float]]
    searcher_communities: int


async def evaluate(
    *,
    client: AsyncElasticsearch,
    names: IndexNames,
    organisation: Organisation,
    searcher: Searcher,
    now: datetime,
) -> Relevance:
    """Rank-evaluate both queries over every topic someone knows."""
    index = names.index("people", 1)
    topics = [topic for topic in TOPICS if organisation.relevance(topic)]
    scores: dict[str, dict[str, float]] = {}
    for name, baseline in (("ours", False), ("baseline", True)):
        requests = [
            {
                "id": topic,
                "request": {
                    "query": expert_query(
                        ExpertSearch(skills=(topic,)),
                        searcher,
                        now=now,
                        baseline=baseline,
                        explain_reasons=False,
                    )
                },
                "ratings": [
                    {"_index": index, "_id": person_id, "rating": level}
                    for person_id, level in organisation.relevance(topic).items()
                ],
            }
            for topic in topics
        ]
        response: dict[str, Any] = await client.rank_eval(
            index=names.alias("people"),
            body={"requests": requests, "metric": {"dcg": {"k": K, "normalize": True}}},
        )
        if response.get("failures"):
            raise RuntimeError(f"rank evaluation failed: {response['failures']}")
        scores[name] = {
            topic: float(detail["metric_score"]) for topic, detail in response["details"].items()
        }
    ours = sum(scores["ours"].values()) / len(topics)
    baseline_score = sum(scores["baseline"].values()) / len(topics)
    return Relevance(
        ours=ours,
        baseline=baseline_score,
        topics=len(topics),
        per_topic={t: (scores["ours"][t], scores["baseline"][t]) for t in topics},
        searcher_communities=len(searcher.communities),
    )
