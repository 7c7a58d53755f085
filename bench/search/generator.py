"""A generated organisation whose true expertise is known.

Every person has a hidden *true level* (0 to 4) per topic. What search sees is what people do
with it, with the noise real people add:

- **declared skills**: honest people (50 %) declare their real topics at about their level;
  modest ones (30 %) declare only some, a level lower; overclaimers (20 %) declare their topics
  at level 4 and one or two topics they do not know at level 3 or 4;
- **endorsements**: each declared skill gets endorsements in proportion to the true level
  (experts are endorsed more, mostly by other experts), plus a few from friends, whatever the
  level;
- **contributions**: questions on a topic are answered mostly by people who know it (chance
  grows with the square of the true level) and the accepted answer is usually the best one;
  tagged posts come mostly from people who know the topic; praise names a skill its receiver
  has; all spread over two years, in open, closed and secret communities or on profiles.

The judgement set is the hidden truth: the relevance of a person for a topic is their true
level there. All randomness comes from one seed.
"""

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from agora.search.sidemodel.records import (
    CommentRecord,
    CommunityRecord,
    PostRecord,
    Visibility,
    stored_time,
)

TOPICS = [
    "kubernetes",
    "python",
    "go",
    "java",
    "javascript",
    "typescript",
    "react",
    "postgresql",
    "mongodb",
    "elasticsearch",
    "terraform",
    "ansible",
    "kafka",
    "machine learning",
    "securite",
    "reseau",
    "linux",
    "docker",
    "aws",
    "azure",
    "rust",
    "c++",
    "spark",
    "sql",
    "excel",
    "comptabilite",
    "finance",
    "marketing",
    "seo",
    "design",
    "ux",
    "juridique",
    "recrutement",
    "gestion de projet",
    "agile",
    "support client",
    "vente",
    "negociation",
    "logistique",
    "achats",
]
FIRST_NAMES = [
    "Chloé", "Karim", "Léa", "Hugo", "Inès", "Lucas", "Manon", "Yanis", "Camille", "Nathan",
    "Sarah", "Théo", "Emma", "Mehdi", "Julie", "Antoine", "Amina", "Louis", "Zoé", "Paul",
    "Fatou", "Victor", "Clara", "Omar", "Alice", "Jules", "Nora", "Adam", "Lina", "Gabriel",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Benali", "Dubois", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre",
    "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard",
    "Andre", "Mercier", "Diallo", "Nguyen", "Haddad", "Rossi", "Costa", "Kowalski", "Traore",
]  # fmt: skip
DEPARTMENTS = ["Plateforme", "Data", "Finance", "Ventes", "RH", "Juridique", "Support", "Produit"]
QUESTION_TEMPLATES = [
    "Comment configurer {topic} pour {object} sans coupure ?",
    "Quelqu'un a-t-il déjà migré {object} vers {topic} ?",
    "How do we {verb} {object} with {topic}?",
    "Best practices for {topic} and {object}?",
    "Problème de {object} avec {topic} depuis la mise à jour",
]
POST_TEMPLATES = [
    "Retour d'expérience : {topic} pour {object}, ce qui a marché et ce qui a raté.",
    "Notes from our {topic} workshop: {verb} {object} in production.",
    "Nouvelle procédure pour {object} avec {topic}, merci de relire.",
    "We finally managed to {verb} {object} using {topic}.",
]
ANSWER_TEMPLATES = [
    "Nous avons utilisé {topic} avec un déploiement progressif de {object}.",
    "Try to {verb} {object} first, then enable {topic} step by step.",
    "Regarde la documentation {topic} sur {object}, section dépannage.",
]
CHATTER = [
    "Bonne semaine à toutes et à tous !",
    "Le séminaire d'équipe aura lieu jeudi.",
    "Who is joining the lunch talk on Friday?",
    "Merci pour l'accueil lors de mon arrivée.",
]
OBJECTS = [
    "les certificats", "the ingress", "la facturation", "the data pipeline", "les sauvegardes",
    "the onboarding", "le réseau", "the dashboards", "les accès", "the release process",
    "la paie", "the CRM", "les contrats", "the search index", "le budget",
]  # fmt: skip
VERBS = ["rotate", "migrate", "monitor", "automate", "secure", "scale", "debug", "document"]
SPAN = timedelta(days=730)


@dataclass
class Person:
    """A generated person, their hidden expertise and what they declare."""

    person_id: str
    display_name: str
    department: str
    truth: dict[str, int]
    declared: dict[str, int] = field(default_factory=dict)
    endorsers: dict[str, list[str]] = field(default_factory=dict)
    help_topics: list[str] = field(default_factory=list)
    communities: list[str] = field(default_factory=list)


@dataclass
class Organisation:
    """People, communities, and how posts are drawn."""

    people: list[Person]
    communities: list[CommunityRecord]
    experts: dict[str, list[tuple[str, int]]]
    """By topic: (person id, true level) of everyone who knows it."""
    now: datetime

    def relevance(self, topic: str) -> dict[str, int]:
        """The judgement for a topic: each knowing person's true level."""
        return dict(self.experts.get(topic, []))


def generate(*, people: int, communities: int, seed: int) -> Organisation:
    """People with their truth, declarations and endorsements, and communities."""
    rng = random.Random(seed)
    weights = [1.0 / (rank + 1) ** 0.7 for rank in range(len(TOPICS))]
    crowd: list[Person] = []
    experts: defaultdict[str, list[tuple[str, int]]] = defaultdict(list)
    for number in range(people):
        truth: dict[str, int] = {}
        for topic in _sample(rng, TOPICS, weights, rng.randint(1, 3)):
            truth[topic] = rng.choices([2, 3, 4], weights=[5, 3, 2])[0]
        for topic in _sample(rng, TOPICS, weights, rng.randint(0, 3)):
            truth.setdefault(topic, 1)
        person = Person(
            person_id=f"p{number:06d}",
            display_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            department=rng.choice(DEPARTMENTS),
            truth=truth,
        )
        _declare(rng, person, weights)
        crowd.append(person)
        for topic, level in truth.items():
            experts[topic].append((person.person_id, level))
    _endorse(rng, crowd, experts)
    groups = _communities(rng, crowd, experts, communities)
    return Organisation(
        people=crowd,
        communities=groups,
        experts=dict(experts),
        now=stored_time(datetime.now(UTC)),
    )


def _sample(rng: random.Random, topics: list[str], weights: list[float], count: int) -> list[str]:
    chosen: list[str] = []
    while len(chosen) < count:
        topic = rng.choices(topics, weights=weights)[0]
        if topic not in chosen:
            chosen.append(topic)
    return chosen


def _declare(rng: random.Random, person: Person, weights: list[float]) -> None:
    style = rng.random()
    if style < 0.5:  # honest
        for topic, level in person.truth.items():
            if level >= 2 or rng.random() < 0.5:
                person.declared[topic] = max(1, min(4, level + rng.choice([-1, 0, 0, 0])))
    elif style < 0.8:  # modest
        for topic, level in person.truth.items():
            if rng.random() < 0.5:
                person.declared[topic] = max(1, level - 1)
    else:  # overclaimer
        for topic in person.truth:
            person.declared[topic] = 4
        for topic in _sample(rng, TOPICS, weights, rng.randint(1, 2)):
            person.declared.setdefault(topic, rng.choice([3, 4]))
    if rng.random() < 0.3:
        person.help_topics = [t for t, level in person.truth.items() if level >= 3][:2]


def _endorse(
    rng: random.Random, crowd: list[Person], experts: dict[str, list[tuple[str, int]]]
) -> None:
    ids = [person.person_id for person in crowd]
    for person in crowd:
        for topic in person.declared:
            level = person.truth.get(topic, 0)
            count = _poisson(rng, 1.2 * level + 0.4)
            knowing = [pid for pid, known in experts.get(topic, []) if known >= 2]
            chosen: set[str] = set()
            for _ in range(count):
                pool = knowing if knowing and rng.random() < 0.6 else ids
                endorser = rng.choice(pool)
                if endorser != person.person_id:
                    chosen.add(endorser)
            if chosen:
                person.endorsers[topic] = sorted(chosen)


def _poisson(rng: random.Random, mean: float) -> int:
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count += 1
        total += rng.expovariate(1.0)
    return count


def _communities(
    rng: random.Random,
    crowd: list[Person],
    experts: dict[str, list[tuple[str, int]]],
    count: int,
) -> list[CommunityRecord]:
    by_id = {person.person_id: person for person in crowd}
    records = []
    for number in range(count):
        topic = TOPICS[number % len(TOPICS)]
        visibilities: list[Visibility] = ["open", "closed", "secret"]
        visibility = rng.choices(visibilities, weights=[7, 2, 1])[0]
        knowing = [pid for pid, _ in experts.get(topic, [])]
        size = rng.randint(5, 120)
        members = set(rng.sample(knowing, min(len(knowing), size * 2 // 3)))
        members |= {rng.choice(crowd).person_id for _ in range(size // 3)}
        community_id = f"c{number:05d}"
        for member in members:
            by_id[member].communities.append(community_id)
        records.append(
            CommunityRecord(
                community_id=community_id,
                version=1 + len(members),
                name=f"{topic.title()} {rng.choice(['Guild', 'Communauté', 'Club', 'Cercle'])} "
                f"{number}",
                description=f"Entraide et partage autour de {topic}.",
                tags=[topic.replace(" ", "-")],
                kind=rng.choice(["interest", "practice", "project"]),
                visibility=visibility,
                created=True,
                created_at=stored_time(datetime.now(UTC) - SPAN),
                members=sorted(members),
            )
        )
    return records


def _pick_knowing(
    rng: random.Random, organisation: Organisation, topic: str, exclude: str | None = None
) -> str:
    """Someone who knows ``topic``, more likely the more they know (level squared)."""
    candidates = [
        (pid, level) for pid, level in organisation.experts.get(topic, []) if pid != exclude
    ]
    if not candidates or rng.random() < 0.1:
        return rng.choice(organisation.people).person_id
    return rng.choices([c[0] for c in candidates], weights=[c[1] ** 2 for c in candidates])[0]


def _text(rng: random.Random, templates: list[str], topic: str) -> str:
    return rng.choice(templates).format(
        topic=topic, object=rng.choice(OBJECTS), verb=rng.choice(VERBS)
    )


def posts(organisation: Organisation, *, count: int, seed: int) -> Iterator[PostRecord]:
    """``count`` posts with their conversations, in no particular order."""
    rng = random.Random(seed)
    by_id = {person.person_id: person for person in organisation.people}
    communities = {c.community_id: c for c in organisation.communities}
    weights = [1.0 / (rank + 1) ** 0.7 for rank in range(len(TOPICS))]
    for number in range(count):
        roll = rng.random()
        topic = rng.choices(TOPICS, weights=weights)[0]
        at = organisation.now - SPAN * rng.random()
        if roll < 0.35:
            author = rng.choice(organisation.people).person_id
            record = _post(
                rng,
                number,
                author,
                "question",
                _text(rng, QUESTION_TEMPLATES, topic),
                [topic],
                at,
                by_id,
                communities,
            )
            _answer(rng, organisation, record, topic)
        elif roll < 0.8:
            author = _pick_knowing(rng, organisation, topic)
            record = _post(
                rng,
                number,
                author,
                "post",
                _text(rng, POST_TEMPLATES, topic),
                [topic],
                at,
                by_id,
                communities,
            )
        elif roll < 0.9:
            author = rng.choice(organisation.people).person_id
            praised = _pick_knowing(rng, organisation, topic, exclude=author)
            record = _post(
                rng,
                number,
                author,
                "praise",
                f"Merci pour ton aide sur {topic} !",
                [],
                at,
                by_id,
                communities,
            )
            record.praised = [praised]
            record.praise_skill = topic if rng.random() < 0.7 else None
        else:
            author = rng.choice(organisation.people).person_id
            record = _post(
                rng, number, author, "post", rng.choice(CHATTER), [], at, by_id, communities
            )
        yield record


def _post(
    rng: random.Random,
    number: int,
    author: str,
    kind: str,
    text: str,
    topics: list[str],
    at: datetime,
    by_id: dict[str, Person],
    communities: dict[str, CommunityRecord],
) -> PostRecord:
    joined = by_id[author].communities
    community = communities[rng.choice(joined)] if joined and rng.random() < 0.6 else None
    return PostRecord.model_construct(
        post_id=f"post{number:08d}",
        version=1,
        author_id=author,
        community_id=community.community_id if community else None,
        visibility=community.visibility if community else "open",
        kind=kind,
        text=text,
        tags=[topic.replace(" ", "-") for topic in topics],
        work_item=None,
        praised=[],
        praise_skill=None,
        shared_post_id=None,
        created_at=stored_time(at),
        edited_at=None,
        state="visible",
        comments=[],
        accepted_comment_id=None,
        accepted_at=None,
        contributors=[],
    )


def _answer(rng: random.Random, organisation: Organisation, record: PostRecord, topic: str) -> None:
    answerers: list[str] = []
    for _ in range(rng.choices([0, 1, 2, 3, 4], weights=[2, 4, 3, 2, 1])[0]):
        answerer = _pick_knowing(rng, organisation, topic, exclude=record.author_id)
        if answerer not in answerers:
            answerers.append(answerer)
    for index, answerer in enumerate(answerers):
        record.comments.append(
            CommentRecord.model_construct(
                comment_id=f"{record.post_id}-c{index}",
                author_id=answerer,
                parent_id=None,
                text=_text(rng, ANSWER_TEMPLATES, topic),
                created_at=record.created_at + timedelta(hours=index + 1),
                state="visible",
            )
        )
        record.version += 1
    if answerers and rng.random() < 0.7:
        truth = dict(organisation.experts.get(topic, []))
        best = rng.choices(answerers, weights=[truth.get(a, 0) ** 2 + 0.2 for a in answerers])[0]
        record.accepted_comment_id = f"{record.post_id}-c{answerers.index(best)}"
        record.accepted_at = record.created_at + timedelta(days=1)
        record.version += 1
