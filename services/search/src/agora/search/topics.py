"""Topic keys: skills, help topics, tags and praise skills compared as one vocabulary.

A tag ``machine-learning``, a skill ``Machine Learning`` and an alias ``ml`` all become the key
``machine learning``: the profiles service's normalisation (``agora.skills``) after turning the
separators tags use into spaces.
"""

import itertools
import re

from agora.skills import fold, normalise_skill

_SEPARATORS = re.compile(r"[-_]+")
_WORDS = re.compile(r"[\w+#.]+")
MAX_QUERY_TOPICS = 24


def topic_key(name: str) -> str:
    """The canonical key of a skill, topic or tag (``""`` for a blank one)."""
    return normalise_skill(_SEPARATORS.sub(" ", name))


def query_topics(text: str, skills: list[str] | None = None) -> list[str]:
    """The topic keys a search names: each listed skill, the whole text, its words and its
    pairs of adjacent words (so "machine learning on k8s" names ``machine learning`` and
    ``kubernetes``). Order kept, duplicates and blanks dropped, at most ``MAX_QUERY_TOPICS``."""
    candidates = [topic_key(skill) for skill in skills or []]
    words = [word.strip(".") for word in _WORDS.findall(fold(text))]
    words = [word for word in words if word]
    candidates.append(topic_key(text))
    candidates += [topic_key(f"{first} {second}") for first, second in itertools.pairwise(words)]
    candidates += [topic_key(word) for word in words]
    seen: dict[str, None] = {}
    for candidate in candidates:
        if candidate:
            seen.setdefault(candidate, None)
    return list(seen)[:MAX_QUERY_TOPICS]
