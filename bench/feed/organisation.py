"""A generated organisation: people, who follows whom, communities and their members.

Everything comes from one seeded ``random.Random``, so a seed always gives the same
organisation. Popularity and community sizes are heavy-tailed, as in real companies: most
people have a handful of followers and most communities a few dozen members, while a few
people are followed by thousands and one community holds ``max_community_size`` members.
"""

import heapq
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from bench.feed.config import FeedBenchConfig

Visibility = Literal["open", "closed", "secret"]
VISIBILITIES: tuple[Visibility, ...] = ("open", "closed", "secret")
VISIBILITY_WEIGHTS = (0.7, 0.2, 0.1)
TOPICS = (
    "kubernetes",
    "python",
    "postgresql",
    "kafka",
    "terraform",
    "security",
    "accessibility",
    "design systems",
    "machine learning",
    "pricing",
    "onboarding",
    "incident response",
    "observability",
    "go",
    "react",
    "contracts",
    "payroll",
    "recruiting",
    "sales engineering",
    "data privacy",
)
FIRST_NAMES = (
    "Alice", "Bruno", "Chloé", "Dmitri", "Emma", "Farid", "Greta", "Hiro", "Inès", "Jonas",
    "Kaya", "Luis", "Mina", "Noah", "Olga", "Pierre", "Quynh", "Rosa", "Sven", "Tariq",
)  # fmt: skip
LAST_NAMES = (
    "Martin", "Okafor", "Nguyen", "Schmidt", "Rossi", "Kowalski", "Haddad", "Tanaka",
    "Silva", "Johansson", "Dubois", "Novak", "Ibrahim", "Costa", "Müller", "Laurent",
)  # fmt: skip
DEPARTMENTS = ("R&D", "Sales", "Support", "Finance", "People", "Marketing", "Operations")


@dataclass(frozen=True)
class Person:
    """One employee."""

    person_id: str
    display_name: str
    department: str
    skills: tuple[str, ...]


@dataclass(frozen=True)
class Community:
    """One community; ``members[0]`` is its owner, ``managers`` are among the members."""

    community_id: str
    name: str
    visibility: Visibility
    members: tuple[str, ...]
    managers: tuple[str, ...]

    @property
    def size(self) -> int:
        """How many members it has."""
        return len(self.members)


@dataclass
class Organisation:
    """People, follows and communities, with the indexes the load generator needs."""

    people: list[Person]
    following: dict[str, list[str]]
    communities: list[Community]
    followers: dict[str, list[str]] = field(init=False)
    member_of: dict[str, list[str]] = field(init=False)
    by_id: dict[str, Community] = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {community.community_id: community for community in self.communities}
        self.followers = {person.person_id: [] for person in self.people}
        for follower, followees in self.following.items():
            for followee in followees:
                self.followers[followee].append(follower)
        self.member_of = {person.person_id: [] for person in self.people}
        for community in self.communities:
            for member in community.members:
                self.member_of[member].append(community.community_id)

    @property
    def person_ids(self) -> list[str]:
        """Every person's id, in order."""
        return [person.person_id for person in self.people]

    @property
    def largest(self) -> Community:
        """The community with the most members."""
        return max(self.communities, key=lambda community: community.size)

    @property
    def follow_count(self) -> int:
        """Follow relations in all."""
        return sum(len(followees) for followees in self.following.values())

    @property
    def membership_count(self) -> int:
        """Memberships in all (owners included)."""
        return sum(community.size for community in self.communities)


def person_id(number: int) -> str:
    """The id of the ``number``-th person."""
    return f"person-{number:05d}"


def community_id(number: int) -> str:
    """The id of the ``number``-th community."""
    return f"benchcommunity{number:04d}"


def generate(config: FeedBenchConfig) -> Organisation:
    """The organisation the configuration describes (the same for the same seed)."""
    rng = random.Random(config.seed)
    people = [_person(rng, number) for number in range(config.people)]
    ids = [person.person_id for person in people]
    following = _follows(rng, ids, config)
    communities = _communities(rng, ids, config)
    return Organisation(people=people, following=following, communities=communities)


def _person(rng: random.Random, number: int) -> Person:
    skills = tuple(rng.sample(TOPICS, k=rng.choice((0, 0, 1, 2, 3))))
    return Person(
        person_id=person_id(number),
        display_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        department=rng.choice(DEPARTMENTS),
        skills=skills,
    )


def _follows(
    rng: random.Random, ids: Sequence[str], config: FeedBenchConfig
) -> dict[str, list[str]]:
    """Each person follows about ``follows_per_person`` others, chosen by Zipf popularity."""
    ranked = list(ids)
    rng.shuffle(ranked)  # popularity does not follow the id order
    weights = [(rank + 1) ** -config.popularity_exponent for rank in range(len(ranked))]
    cumulative: list[float] = []
    total = 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    following: dict[str, list[str]] = {}
    low = max(1, config.follows_per_person // 2)
    high = max(low, config.follows_per_person * 3 // 2)
    for follower in ids:
        wanted = min(rng.randint(low, high), len(ids) - 1)
        chosen: dict[str, None] = {}
        while len(chosen) < wanted:
            for followee in rng.choices(ranked, cum_weights=cumulative, k=wanted - len(chosen)):
                if followee != follower:
                    chosen[followee] = None
        following[follower] = list(chosen)
    return following


def community_sizes(rng: random.Random, config: FeedBenchConfig) -> list[int]:
    """Pareto sizes between the minimum and the maximum; the first is the maximum."""
    largest = min(config.max_community_size, config.people)
    smallest = min(config.min_community_size, largest)
    sizes = [largest]
    for _ in range(config.communities - 1):
        drawn = int(smallest * (1.0 - rng.random()) ** (-1.0 / config.community_size_alpha))
        sizes.append(max(smallest, min(largest, drawn)))
    return sizes


def _communities(
    rng: random.Random, ids: Sequence[str], config: FeedBenchConfig
) -> list[Community]:
    """Communities of heavy-tailed sizes; sociable people join more of them."""
    sociability = [rng.lognormvariate(0.0, 1.0) for _ in ids]
    communities = []
    for number, size in enumerate(community_sizes(rng, config)):
        members = _weighted_sample(rng, ids, sociability, size)
        managers = (members[0], *members[1 : 1 + rng.choice((0, 1, 2))])
        visibility = rng.choices(VISIBILITIES, weights=VISIBILITY_WEIGHTS)[0]
        communities.append(
            Community(
                community_id=community_id(number),
                name=f"{rng.choice(TOPICS).capitalize()} {visibility} {number}",
                visibility=visibility,
                members=tuple(members),
                managers=managers,
            )
        )
    return communities


def _weighted_sample(
    rng: random.Random, population: Sequence[str], weights: Sequence[float], k: int
) -> list[str]:
    """``k`` distinct items, each drawn with probability proportional to its weight
    (Efraimidis and Spirakis: the ``k`` largest keys ``u ** (1 / w)``)."""
    if k * 4 < len(population):
        chosen: dict[str, None] = {}
        while len(chosen) < k:
            for item in rng.choices(population, weights=weights, k=k - len(chosen)):
                chosen[item] = None
        return list(chosen)
    keyed = (
        (rng.random() ** (1.0 / weight), item)
        for item, weight in zip(population, weights, strict=True)
    )
    return [item for _, item in heapq.nlargest(k, keyed)]
