"""Skill names are normalised the same way everywhere."""

import pytest

from agora.profiles.skills import SKILL_ALIASES, fold, normalise_skill

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Python", "python"),
        ("  PYTHON  ", "python"),
        ("py", "python"),
        ("K8s", "kubernetes"),
        ("JS", "javascript"),
        ("ts", "typescript"),
        ("Golang", "go"),
        ("postgres", "postgresql"),
        ("Gestion   de\tprojet", "gestion de projet"),
        ("Modélisation Économique", "modelisation economique"),
        ("ﬁnance", "finance"),
    ],
)
def test_a_skill_name_is_folded_then_mapped_through_the_aliases(raw: str, normalised: str) -> None:
    assert normalise_skill(raw) == normalised


def test_normalising_twice_changes_nothing() -> None:
    for raw in ["Élan Vital", "k8s", "Node", "c sharp"]:
        once = normalise_skill(raw)
        assert normalise_skill(once) == once


def test_every_alias_maps_folded_names_to_folded_names() -> None:
    for alias, canonical in SKILL_ALIASES.items():
        assert fold(alias) == alias
        assert fold(canonical) == canonical
