"""The expert finder ranks people by evidence and says why.

Each test works on topics of its own (a random suffix), so the module's people do not disturb
each other's rankings.
"""

import uuid
from typing import Any

import pytest

from agora.feed.domain import events as feed_events
from agora.profiles.domain import events as profile_events
from tests.search.harness import Organisation, SearchApi, days_ago

pytestmark = pytest.mark.integration


def topic() -> str:
    """A topic no other test uses."""
    return f"topic{uuid.uuid4().hex[:8]}"


def ranked(page: dict[str, Any]) -> list[str]:
    return [result["person"]["person_id"] for result in page["results"]]


def result_of(page: dict[str, Any], person_id: str) -> dict[str, Any]:
    return next(r for r in page["results"] if r["person"]["person_id"] == person_id)


async def test_demonstrated_answers_outrank_a_declared_expert_level(
    api: SearchApi, org: Organisation
) -> None:
    subject = topic()
    asker = await org.person("Asker")
    declared = await org.person("Déclarée Experte", skills={subject: 4})
    novice = await org.person("Novice", skills={subject: 1})
    helper = await org.person("Karim Benali")
    for _ in range(3):
        await org.answered_question(asker, helper, subject)
    await api.settled()

    page = await api.ok("/experts", person=asker, skills=subject)

    assert ranked(page) == [helper, declared, novice]
    assert page["total"] == 3
    why = result_of(page, helper)["why"]
    assert "3 accepted answers on " + subject in why
    assert "3 questions answered on " + subject in why
    assert result_of(page, declared)["why"] == [f"declares {subject} (level 4 of 4)"]
    assert result_of(page, helper)["evidence"] == [
        {"topic": subject, "accepted_answers": 3, "answers": 3, "praise": 0, "posts": 0}
    ]


async def test_an_unaccepted_answer_and_praise_naming_the_skill_count_too(
    api: SearchApi, org: Organisation
) -> None:
    subject = topic()
    asker = await org.person()
    answerer = await org.person()
    praised = await org.person()
    posted = await org.person()
    await org.answered_question(asker, answerer, subject, accepted=False)
    for _ in range(2):
        await org.post(
            asker,
            "Merci pour l'aide !",
            kind="praise",
            praise=feed_events.Praise(person_ids=(praised,), skill=subject.upper()),
        )
    await org.post(posted, f"Notes on {subject}", tags=[subject])
    await org.post(asker, "A question of my own", kind="question", tags=[subject])
    await api.settled()

    page = await api.ok("/experts", person=asker, q=subject)

    assert ranked(page) == [praised, answerer, posted]  # the asker earns nothing
    assert result_of(page, praised)["why"] == [f"praised for {subject} 2 times"]
    assert result_of(page, answerer)["why"] == [f"1 question answered on {subject}"]
    assert result_of(page, posted)["why"] == [f"1 post on {subject}"]


async def test_endorsements_weigh_the_endorsers_standing_in_the_skill(
    api: SearchApi, org: Organisation
) -> None:
    skill = topic()
    expert = await org.person("Expert endorser", skills={skill: 4})
    for _ in range(4):
        await org.endorse(await org.person(), expert, skill)
    anyone = await org.person("Anyone")
    by_expert = await org.person("Endorsed by the expert", skills={skill: 2})
    by_anyone = await org.person("Endorsed by anyone", skills={skill: 2})
    await org.endorse(expert, by_expert, skill)
    await org.endorse(anyone, by_anyone, skill)
    await api.settled()

    page = await api.ok("/experts", person=anyone, skills=skill)
    order = ranked(page)
    assert order.index(by_expert) < order.index(by_anyone)
    assert f"endorsed by 1 colleague for {skill}" in result_of(page, by_expert)["why"]
    assert result_of(page, expert)["skills"] == [{"skill": skill, "level": 4, "endorsements": 4}]

    # The expert's standing drops (skill removed): their endorsement weighs like anyone's.
    await org.profile(expert, profile_events.SkillRemoved(skill=skill))
    await api.settled()
    page = await api.ok("/experts", person=anyone, skills=skill)
    scores = {r["person"]["person_id"]: r["score"] for r in page["results"]}
    assert scores[by_expert] == pytest.approx(scores[by_anyone])
    assert expert not in scores


async def test_recent_evidence_counts_more_than_old_evidence(
    api: SearchApi, org: Organisation
) -> None:
    subject = topic()
    asker = await org.person()
    old_hand = await org.person("Old hand")
    newcomer = await org.person("Newcomer")
    await org.answered_question(asker, old_hand, subject, at=days_ago(3 * 365))
    await org.answered_question(asker, newcomer, subject, at=days_ago(2))
    await api.settled()

    page = await api.ok("/experts", person=asker, skills=subject)

    assert ranked(page) == [newcomer, old_hand]
    assert result_of(page, old_hand)["score"] < result_of(page, newcomer)["score"]


async def test_aliases_accents_and_stems_find_the_same_experts(
    api: SearchApi, org: Organisation
) -> None:
    suffix = uuid.uuid4().hex[:6]
    department = f"Plateforme {suffix}"
    kube = await org.person("Kube person", skills={"kubernetes": 3}, department=department)
    network = await org.person("Réseau person", skills={"Réseau": 3}, department=department)
    await api.settled()

    for query in ({"q": "k8s"}, {"skills": "K8s"}, {"q": "Kubernetes"}):
        page = await api.ok("/experts", person=kube, department=department, **query)
        assert ranked(page) == [kube], query
    assert (await api.ok("/experts", person=kube, department=department, q="k8s"))["topics"] == [
        "kubernetes"
    ]
    for text in ("reseau", "réseaux", "RESEAUX"):
        page = await api.ok("/experts", person=kube, department=department, q=text)
        assert ranked(page) == [network], text


async def test_filters_keep_the_department_and_the_people_available_to_help(
    api: SearchApi, org: Organisation
) -> None:
    subject = topic()
    suffix = uuid.uuid4().hex[:6]
    here = await org.person(skills={subject: 2}, department=f"Finance {suffix}")
    helpful = await org.person(
        skills={subject: 1}, department=f"Ventes {suffix}", help_topics=[subject]
    )
    await api.settled()

    page = await api.ok("/experts", person=here, skills=subject, department=f"finance {suffix}")
    assert ranked(page) == [here]
    page = await api.ok("/experts", person=here, skills=subject, available="true")
    assert ranked(page) == [helpful]
    assert result_of(page, helpful)["can_help_with"] == [subject]
    assert f"can help with {subject}" in result_of(page, helpful)["why"]


async def test_filters_keep_the_location_and_language_people_show_to_everyone(
    api: SearchApi, org: Organisation
) -> None:
    subject = topic()
    city = f"Saint-Étienne {uuid.uuid4().hex[:6]}"
    local = await org.person(skills={subject: 2}, location=city, languages=["fr", "en"])
    elsewhere = await org.person(skills={subject: 3}, location="Dublin", languages=["en"])
    hidden = await org.person(skills={subject: 3})  # shows neither to everyone
    await api.settled()

    page = await api.ok("/experts", person=local, skills=subject, location=city.upper())
    assert ranked(page) == [local]
    assert result_of(page, local)["person"]["location"] == city
    page = await api.ok("/experts", person=local, skills=subject, language="FR")
    assert ranked(page) == [local]
    page = await api.ok("/experts", person=local, skills=subject, language="en")
    assert set(ranked(page)) == {local, elsewhere}
    page = await api.ok("/experts", person=local, skills=subject)
    assert set(ranked(page)) == {local, elsewhere, hidden}
    assert result_of(page, hidden)["person"]["location"] is None


async def test_people_who_left_are_not_proposed(api: SearchApi, org: Organisation) -> None:
    subject = topic()
    leaver = await org.person("Leaver", skills={subject: 4})
    stayer = await org.person("Stayer", skills={subject: 1})
    await org.card(leaver, "Leaver", active=False)
    await api.settled()

    page = await api.ok("/experts", person=stayer, skills=subject)
    assert ranked(page) == [stayer]


async def test_bad_parameters_are_refused_as_problems(api: SearchApi, org: Organisation) -> None:
    response = await api.get("/experts", person="someone", q="go", limit=500)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    response = await api.get("/experts", person="someone", skills=" , ")
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == ["query", "q"]
    response = await api.client.get("/experts")
    assert response.status_code == 401
