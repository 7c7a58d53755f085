"""Agora's skill vocabulary: how a skill name is normalised, and the aliases of common skills.

The profiles service normalises every declared skill with ``normalise_skill`` before storing it;
the search service normalises queries the same way and turns the alias table into search-time
synonyms (``synonym_groups``). Both depend on this dependency-free library rather than on each
other, so each stays deployable alone and an alias added here reaches both.
"""

import re
import unicodedata
from collections import defaultdict
from types import MappingProxyType

SKILL_ALIASES = MappingProxyType(
    {
        "k8s": "kubernetes",
        "kube": "kubernetes",
        "js": "javascript",
        "ecmascript": "javascript",
        "ts": "typescript",
        "py": "python",
        "python3": "python",
        "golang": "go",
        "postgres": "postgresql",
        "psql": "postgresql",
        "mongo": "mongodb",
        "es": "elasticsearch",
        "tf": "terraform",
        "ml": "machine learning",
        "ai": "artificial intelligence",
        "c sharp": "c#",
        "csharp": "c#",
        "cpp": "c++",
        "react.js": "react",
        "reactjs": "react",
        "nodejs": "node.js",
        "node": "node.js",
    }
)
"""Common abbreviations and spellings, keyed and valued by already-normalised names."""

_WHITESPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, accent-free, whitespace-collapsed text (NFKD without combining marks)."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _WHITESPACE.sub(" ", stripped.casefold()).strip()


def normalise_skill(name: str) -> str:
    """The canonical name of a skill: folded, then mapped through the alias table."""
    folded = fold(name)
    return SKILL_ALIASES.get(folded, folded)


def synonym_groups() -> list[tuple[str, ...]]:
    """Each canonical skill with its aliases, canonical name first, sorted by canonical name:
    ``("kubernetes", "k8s", "kube")``. Search engines take them as equivalent spellings."""
    groups: defaultdict[str, list[str]] = defaultdict(list)
    for alias, canonical in SKILL_ALIASES.items():
        groups[canonical].append(alias)
    return [(canonical, *sorted(groups[canonical])) for canonical in sorted(groups)]


__all__ = ["SKILL_ALIASES", "fold", "normalise_skill", "synonym_groups"]
