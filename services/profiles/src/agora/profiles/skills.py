"""Skill name normalisation, shared with every service that matches skills (search, feed)."""

import re
import unicodedata
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
