"""Skills, tags and search words meet in one vocabulary, shared with the profiles service."""

import pytest

from agora.profiles import skills as profiles_skills
from agora.search.indexing.analysis import analysis, skill_synonym_rules
from agora.search.topics import query_topics, topic_key
from agora.skills import SKILL_ALIASES, normalise_skill, synonym_groups

pytestmark = pytest.mark.unit


def test_profiles_and_search_share_one_alias_table() -> None:
    assert profiles_skills.SKILL_ALIASES is SKILL_ALIASES
    assert profiles_skills.normalise_skill is normalise_skill


def test_every_alias_becomes_a_synonym_of_its_canonical_skill() -> None:
    groups = synonym_groups()
    assert ("kubernetes", "k8s", "kube") in groups
    assert ("machine learning", "ml") in groups
    covered = {name for group in groups for name in group}
    assert covered == set(SKILL_ALIASES) | set(SKILL_ALIASES.values())
    assert "kubernetes, k8s, kube" in skill_synonym_rules()
    rules = analysis()["filter"]["skill_synonyms"]["synonyms"]
    assert rules == skill_synonym_rules()


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("K8s", "kubernetes"),
        ("machine-learning", "machine learning"),
        ("ML", "machine learning"),
        ("Réseau", "reseau"),
        ("node_js", "node js"),
        ("  ", ""),
    ],
)
def test_tags_skills_and_aliases_share_topic_keys(name: str, key: str) -> None:
    assert topic_key(name) == key


def test_a_search_names_its_skills_its_text_its_word_pairs_and_words() -> None:
    assert query_topics("Machine learning on k8s") == [
        "machine learning on k8s",
        "machine learning",
        "learning on",
        "on k8s",
        "machine",
        "learning",
        "on",
        "kubernetes",
    ]
    assert query_topics("", ["Go", "golang", "k8s"]) == ["go", "kubernetes"]
