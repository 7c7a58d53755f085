"""Questions answered and accepted, praise, and finding an expert from what they contributed."""

import pytest

from tests.e2e.client import Agora, Json, Person, until, word

pytestmark = pytest.mark.integration


async def test_an_accepted_answer_notifies_its_author(agora: Agora) -> None:
    asker = await agora.person("Élodie")
    answerer = await agora.person("François")
    community = await agora.community(asker, visibility="open")
    await agora.command(
        "POST", f"/communities/communities/{community}/members/me", answerer, expect=(201,)
    )
    question = await agora.publish(
        asker,
        community_id=community,
        kind="question",
        text=f"Comment purger la file {word()} sans perdre de messages ?",
        tags=["kafka"],
    )
    answer = await agora.comment(answerer, question, "Avec un consommateur dédié, puis un replay.")
    accepted = await agora.command(
        "PUT",
        f"/feed/posts/{question}/accepted-answer",
        asker,
        json={"comment_id": answer},
        expect=(200,),
        eventually=True,
    )

    async def notified() -> Json | None:
        notes = await agora.notifications(answerer)
        return next(
            (n for n in notes if n["kind"] == "answer_accepted"),
            None,
        )

    notification = await until(notified, what="the answerer is notified of the acceptance")
    post = await agora.ok(f"/feed/posts/{question}", answerer)

    assert accepted["outcome"] == "answer_accepted"
    assert notification["target"]["post_id"] == question
    assert notification["target"]["comment_id"] == answer
    assert [actor["person_id"] for actor in notification["actors"]] == [asker.id]
    assert notification["read"] is False
    assert post["answered"] is True
    assert post["accepted_comment_id"] == answer


async def test_praise_shows_on_the_praised_persons_profile(agora: Agora) -> None:
    praiser = await agora.person("Zoë")
    praised = await agora.person("Karim")
    colleague = await agora.person("Sean")
    praise = await agora.publish(
        praiser,
        kind="praise",
        text=f"Merci pour la migration {word()} du week-end !",
        praise={"person_ids": [praised.id], "skill": "PostgreSQL"},
    )

    await until(
        lambda: agora.shows(f"/feed/people/{praised.id}/praise", colleague, praise),
        what="the praise is on the praised person's praise list",
    )
    page = await agora.ok(f"/feed/people/{praised.id}/praise", colleague)
    praisers_list = await agora.ok(f"/feed/people/{praiser.id}/praise", colleague)

    (item,) = [item for item in page["items"] if item["post_id"] == praise]
    assert item["author"]["person_id"] == praiser.id
    assert [person["person_id"] for person in item["praise"]["people"]] == [praised.id]
    assert item["praise"]["skill"] is not None
    assert praise not in [entry["post_id"] for entry in praisers_list["items"]]


async def test_the_expert_finder_names_who_answered_on_a_topic(agora: Agora) -> None:
    topic = word("topic")
    asker, other_asker = await agora.person("Hélène"), await agora.person("Noémie")
    expert = await agora.person("Siobhan")
    bystander = await agora.person("Karim")
    searcher = await agora.person("Zoë")
    for who in (asker, other_asker):
        await _answered_and_accepted(agora, asker=who, answerer=expert, topic=topic)
    # Someone who only talks about the topic proves less than accepted answers.
    await agora.publish(bystander, text=f"Quelqu'un connaît {topic} ?", tags=[topic])

    async def everything_indexed() -> Json | None:
        page: Json = await agora.ok("/search/experts", searcher, q=topic)
        accepted = {
            result["person"]["person_id"]: sum(e["accepted_answers"] for e in result["evidence"])
            for result in page["results"]
        }
        return page if accepted.get(expert.id) == 2 and bystander.id in accepted else None

    page = await until(everything_indexed, what="search indexed the answers and the post")

    best, *others = page["results"]
    assert best["person"]["person_id"] == expert.id
    assert best["person"]["display_name"] == expert.name
    assert best["why"], best
    assert best["skills"] == []  # found from contributions, not from a declared skill
    assert [other["person"]["person_id"] for other in others] == [bystander.id]


async def _answered_and_accepted(
    agora: Agora, *, asker: Person, answerer: Person, topic: str
) -> None:
    question = await agora.publish(
        asker, kind="question", text=f"Une question sur {topic} ?", tags=[topic]
    )
    answer = await agora.comment(answerer, question, f"Voici comment on fait avec {topic}.")
    await agora.command(
        "PUT",
        f"/feed/posts/{question}/accepted-answer",
        asker,
        json={"comment_id": answer},
        expect=(200,),
        eventually=True,
    )
