"""Post search: French and English text, comments, highlights, filters, sorting and facets.

Every test writes words of its own (a random marker) so the module's posts stay apart.
"""

import uuid
from datetime import timedelta
from typing import Any

import pytest

from agora.feed.domain import events as feed_events
from tests.search.harness import Organisation, SearchApi, days_ago

pytestmark = pytest.mark.integration


def marker() -> str:
    return f"m{uuid.uuid4().hex[:8]}"


def ids(page: dict[str, Any]) -> list[str]:
    return [result["post_id"] for result in page["results"]]


async def test_accents_are_folded_and_french_words_are_stemmed(
    api: SearchApi, org: Organisation
) -> None:
    mark = marker()
    author = await org.person("Chloé Martin")
    post = await org.post(author, f"{mark} Les réseaux de l'équipe sont saturés")
    await api.settled()

    for query in ("reseau", "réseau", "RÉSEAUX", "equipe", "l'équipe", "saturé"):
        page = await api.ok("/posts", person=author, q=f"{mark} {query}")
        assert ids(page)[:1] == [post], query
        assert page["results"][0]["highlights"], query
    page = await api.ok("/posts", person=author, q="reseau", author=author)
    assert ids(page) == [post]
    assert "<mark>réseaux</mark>" in page["results"][0]["highlights"][0]


async def test_english_words_are_stemmed_and_skill_aliases_are_synonyms(
    api: SearchApi, org: Organisation
) -> None:
    author = await org.person()
    english = await org.post(author, "Our Kubernetes deployments failed during the upgrade")
    await api.settled()

    for query in ("deployment", "k8s deploy", "kube", "upgrades"):
        page = await api.ok("/posts", person=author, q=query, author=author)
        assert ids(page) == [english], query
    page = await api.ok("/posts", person=author, q="k8s", author=author)
    assert "<mark>Kubernetes</mark>" in page["results"][0]["highlights"][0]


async def test_comments_are_searched_with_their_post_and_highlighted(
    api: SearchApi, org: Organisation
) -> None:
    mark = marker()
    asker = await org.person()
    answerer = await org.person("Karim Benali")
    question = await org.post(asker, "Comment renouveler les certificats ?", kind="question")
    comment = await org.comment(question, answerer, f"Avec cert-manager {mark} et un déploiement")
    await api.settled()

    page = await api.ok("/posts", person=asker, q=mark)

    assert ids(page) == [question]
    (found,) = page["results"]
    assert found["comment_highlights"] == [
        {
            "comment_id": comment,
            "fragments": [f"Avec cert-manager <mark>{mark}</mark> et un déploiement"],
        }
    ]
    assert found["author"]["person_id"] == asker
    assert found["answer_count"] == 1
    assert found["answered"] is False


async def test_filters_sorting_and_facets(api: SearchApi, org: Organisation) -> None:
    mark = marker()
    tag = f"t{mark}"
    author = await org.person()
    other = await org.person()
    community = await org.community(author, members=[other], name=f"Guilde {mark}")
    old = await org.post(author, f"{mark} ancien", community=community, tags=[tag], at=days_ago(30))
    question = await org.post(
        other,
        f"{mark} question sans réponse",
        community=community,
        kind="question",
        tags=[tag],
        work_item=feed_events.WorkItem(system="jira", item_id="OPS-1", title="Rotation"),
    )
    answered = await org.answered_question(author, other, tag, community=community)
    profile = await org.post(other, f"{mark} sur mon profil")
    await api.settled()

    everything = await api.ok("/posts", person=author, q=mark, sort="date")
    assert ids(everything) == [profile, question, old]
    assert everything["total"] == 3
    assert everything["facets"]["tags"] == [{"value": tag, "count": 2}]
    assert everything["facets"]["communities"] == [
        {"community_id": community, "name": f"Guilde {mark}", "count": 2}
    ]
    assert {f["value"]: f["count"] for f in everything["facets"]["kinds"]} == {
        "post": 2,
        "question": 1,
    }
    by_profile = next(r for r in everything["results"] if r["post_id"] == profile)
    assert by_profile["community"] is None

    assert ids(await api.ok("/posts", person=author, q=mark, community=community, sort="date")) == [
        question,
        old,
    ]
    assert ids(await api.ok("/posts", person=author, tag=f"#{tag}", questions="true")) == [
        answered,
        question,
    ]
    assert ids(await api.ok("/posts", person=author, tag=tag, unanswered="true")) == [question]
    assert ids(await api.ok("/posts", person=author, q=mark, work_item_system="jira")) == [question]
    since = (days_ago(1)).isoformat()
    assert ids(await api.ok("/posts", person=author, q=mark, **{"from": since}, sort="date")) == [
        profile,
        question,
    ]
    until = (days_ago(1) - timedelta(days=1)).isoformat()
    assert ids(await api.ok("/posts", person=author, q=mark, to=until)) == [old]
    response = await api.get("/posts", person=author, **{"from": since, "to": until})
    assert response.status_code == 422


async def test_edits_replace_the_indexed_text(api: SearchApi, org: Organisation) -> None:
    before, after = marker(), marker()
    author = await org.person()
    post = await org.post(author, f"premier jet {before}")
    await org.post_events(
        post, feed_events.PostEdited(content=feed_events.Content(text=f"version finale {after}"))
    )
    await api.settled()

    assert ids(await api.ok("/posts", person=author, q=before)) == []
    assert ids(await api.ok("/posts", person=author, q=after)) == [post]
