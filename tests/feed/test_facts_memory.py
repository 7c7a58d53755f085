"""The projection's memory of looked-up facts stays within its bound of ids."""

import pytest

from agora.feed.facts import CommunityFacts, FactsMemory, PersonFacts

pytestmark = pytest.mark.unit


def _person(person_id: str, followers: int) -> PersonFacts:
    return PersonFacts.model_validate(
        {"_id": person_id, "followers": [f"f{n}" for n in range(followers)]}
    )


def test_what_was_looked_up_is_recalled_even_when_it_was_not_there() -> None:
    memory = FactsMemory(max_ids=100)
    community = CommunityFacts.model_validate({"_id": "c1", "name": "C", "members": ["a"]})
    memory.remember("community", "c1", community)
    memory.remember("person", "ghost", None)

    assert memory.recall("community", "c1") == (True, community)
    assert memory.recall("person", "ghost") == (True, None)
    assert memory.recall("person", "never") == (False, None)


def test_the_oldest_go_first_when_the_ids_would_exceed_the_bound() -> None:
    memory = FactsMemory(max_ids=25)
    for person_id in ("a", "b", "c"):
        memory.remember("person", person_id, _person(person_id, followers=7))  # 8 ids each

    memory.remember("person", "d", _person("d", followers=9))  # 10 ids: a and b must go

    assert [memory.recall("person", key)[0] for key in "abcd"] == [False, False, True, True]


def test_a_value_larger_than_the_bound_is_not_kept_and_forget_empties_it() -> None:
    memory = FactsMemory(max_ids=10)
    memory.remember("person", "small", _person("small", followers=2))
    memory.remember("person", "celebrity", _person("celebrity", followers=50))

    assert memory.recall("person", "celebrity") == (False, None)
    assert memory.recall("person", "small")[0]
    memory.forget()
    assert memory.recall("person", "small") == (False, None)
