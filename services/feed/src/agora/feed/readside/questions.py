"""Routing questions to experts: the topics a question is about, and the ones a person knows.

A question goes onto the ``questions:<topic>`` timeline of each of its tags and of each known
expertise topic (a skill or "I can help with" topic someone declared) its text names, as a
word or a phrase of up to three words. "Questions for me" then merges the timelines of the
reader's own topics. Everything is folded the way profiles folds skills (lower case, no
accents, single spaces), so ``Kubernetes``, ``kubernetes`` and ``Kübernetes`` meet.
"""

import re
from collections.abc import Iterable

from agora.feed.facts import PersonFacts, fold_topic

MAX_PHRASE_WORDS = 3
MAX_QUESTION_TOPICS = 30
"""A question reaches at most this many topic timelines (its tags first)."""
MAX_READER_TOPICS = 50
"""At most this many of a reader's topics are merged into "questions for me"."""
_TOKEN = re.compile(r"[\w+#.-]+")
_EDGE_PUNCTUATION = ".-"


def text_phrases(text: str) -> set[str]:
    """The folded words of ``text`` and its phrases of two and three consecutive words."""
    tokens = [token.strip(_EDGE_PUNCTUATION) or token for token in _TOKEN.findall(fold_topic(text))]
    phrases: set[str] = set()
    for size in range(1, MAX_PHRASE_WORDS + 1):
        for start in range(len(tokens) - size + 1):
            phrases.add(" ".join(tokens[start : start + size]))
    return phrases


def question_topics(tags: Iterable[str], text: str, known_topics: set[str]) -> list[str]:
    """The topics a question is routed on: its tags (``machine-learning`` also as the known
    topic ``machine learning``), then the known topics its text names."""
    topics: list[str] = []
    for tag in tags:
        folded = fold_topic(tag)
        spelled = fold_topic(folded.replace("-", " ").replace("_", " "))
        for topic in (folded, spelled if spelled in known_topics else ""):
            if topic and topic not in topics:
                topics.append(topic)
    for phrase in sorted(text_phrases(text) & known_topics):
        if phrase not in topics:
            topics.append(phrase)
    return topics[:MAX_QUESTION_TOPICS]


def reader_topics(person: PersonFacts | None) -> list[str]:
    """The folded expertise topics (skills and help topics) of a reader, sorted."""
    if person is None:
        return []
    topics = sorted({fold_topic(topic) for topic in person.expertise} - {""})
    return topics[:MAX_READER_TOPICS]
