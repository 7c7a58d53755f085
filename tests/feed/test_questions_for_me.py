"""Questions reach the people whose skills or "I can help with" topics they name."""

import uuid

import pytest

from tests.feed.harness import FeedApi, Organisation
from tests.feed.reading import PROFILE, command, ids, place, publish

pytestmark = pytest.mark.integration


def _topic() -> str:
    return f"t{uuid.uuid4().hex[:8]}"


async def test_questions_are_routed_by_tag_word_and_phrase(api: FeedApi, org: Organisation) -> None:
    tag, word, phrase_start = _topic(), _topic(), _topic()
    phrase = f"{phrase_start} tuning"
    asker, expert, helper, layman = [await org.person() for _ in range(4)]
    await org.expertise(expert, skills=[tag.upper(), word])
    await org.expertise(helper, help_topics=[phrase.title()])
    await api.settled()

    by_tag = await publish(api, asker, PROFILE, kind="question", text="Help?", tags=[tag])
    by_word = await publish(
        api, asker, PROFILE, kind="question", text=f"Who knows {word.title()}, please?"
    )
    by_phrase = await publish(
        api, asker, PROFILE, kind="question", text=f"Any tips on {phrase} for large tables?"
    )
    unrelated = await publish(api, asker, PROFILE, kind="question", text="Lunch anyone?")
    not_a_question = await publish(api, asker, PROFILE, text=f"I love {word}", tags=[tag])
    own = await publish(api, expert, PROFILE, kind="question", text=f"My {word} question")
    await api.settled()

    assert await ids(api, "/me/questions", expert) == [by_word, by_tag]
    assert await ids(api, "/me/questions", helper) == [by_phrase]
    assert await ids(api, "/me/questions", layman) == []
    for post in (unrelated, not_a_question, own):
        assert post not in await ids(api, "/me/questions", expert)


async def test_answered_deleted_hidden_and_unreadable_questions_are_not_for_me(
    api: FeedApi, org: Organisation
) -> None:
    topic = _topic()
    owner, asker, expert, outsider_expert = [await org.person() for _ in range(4)]
    for person_id in (expert, outsider_expert):
        await org.expertise(person_id, skills=[topic])
    open_place = await org.community(owner, members=[asker, expert])
    closed_place = await org.community(owner, visibility="closed", members=[asker, expert])
    await api.settled()
    answered, deleted, hidden, closed, still_open = [
        await publish(
            api,
            asker,
            place(closed_place if name == "closed" else open_place),
            kind="question",
            text=f"{name}?",
            tags=[topic],
        )
        for name in ("answered", "deleted", "hidden", "closed", "open")
    ]
    comment = await command(api, "POST", f"/posts/{answered}/comments", expert, text="Voilà")
    await api.settled()
    assert await ids(api, "/me/questions", expert) == [
        still_open,
        closed,
        hidden,
        deleted,
        answered,
    ]

    await command(api, "PUT", f"/posts/{answered}/accepted-answer", asker, comment_id=comment["id"])
    await command(api, "DELETE", f"/posts/{deleted}", asker)
    await command(api, "POST", f"/posts/{hidden}:hide", owner, reason="Doublon")
    await api.settled()

    assert await ids(api, "/me/questions", expert) == [still_open, closed]
    assert await ids(api, "/me/questions", outsider_expert) == [still_open]
    assert await ids(api, "/me/questions", owner) == []

    await command(api, "DELETE", f"/posts/{answered}/accepted-answer", asker)
    await api.settled()
    assert await ids(api, "/me/questions", expert) == [still_open, closed, answered]


async def test_an_edit_routes_a_question_to_new_topics(api: FeedApi, org: Organisation) -> None:
    topic = _topic()
    asker, expert = await org.person(), await org.person()
    await org.expertise(expert, skills=[topic])
    await api.settled()
    question = await publish(api, asker, PROFILE, kind="question", text="Vague question")
    await api.settled()
    assert await ids(api, "/me/questions", expert) == []

    await command(api, "PATCH", f"/posts/{question}", asker, text=f"About {topic} really")
    await api.settled()

    assert await ids(api, "/me/questions", expert) == [question]


async def test_praise_lists_recognition_newest_first(api: FeedApi, org: Organisation) -> None:
    author, colleague, other = [await org.person() for _ in range(3)]
    community = await org.community(author, members=[colleague])
    await api.settled()
    first = await publish(
        api, author, PROFILE, kind="praise", text="Merci", praise={"person_ids": [colleague]}
    )
    second = await publish(
        api,
        author,
        place(community),
        kind="praise",
        text="Encore merci",
        praise={"person_ids": [colleague, other], "skill": "kubernetes"},
    )
    await publish(api, author, PROFILE, text=f"Not praise for {colleague}")
    await api.settled()

    items = (await api.call("GET", f"/people/{colleague}/praise", person=other)).json()["items"]

    assert [item["post_id"] for item in items] == [second, first]
    assert items[0]["praise"]["skill"] == "kubernetes"
    assert [p["person_id"] for p in items[0]["praise"]["people"]] == [colleague, other]
    assert await ids(api, f"/people/{other}/praise", colleague) == [second]
    assert second in await ids(api, "/me/timeline", other)
