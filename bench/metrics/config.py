"""Sizes of one metrics benchmark run: the full run and a quick smoke run."""

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricsBenchConfig:
    """How big the organisation and its year of activity are, and how queries are measured."""

    seed: int
    people: int
    departments: int
    communities: int
    memberships_per_person: int
    secret_share: float
    """Share of communities that are secret (closed ones are as many again)."""
    year: int
    weekdays_only: bool
    """People visit on working days only (weekends stay quiet)."""
    visit_rates: tuple[tuple[float, float], ...]
    """(share of people, probability of a visit on a working day)."""
    posts_per_visit: float
    """Chance that a visit comes with a post (a fifth of them questions)."""
    comments_per_post: float
    reactions_per_post: float
    queries: int
    """How many times each dashboard query is timed."""

    @property
    def label(self) -> str:
        """A short description for the report."""
        return f"{self.people:,} people, one year ({self.year})"


FULL = MetricsBenchConfig(
    seed=7,
    people=10_000,
    departments=24,
    communities=300,
    memberships_per_person=3,
    secret_share=0.1,
    year=2026,
    weekdays_only=True,
    visit_rates=((0.3, 0.02), (0.5, 0.15), (0.2, 0.45)),
    posts_per_visit=0.05,
    comments_per_post=2.0,
    reactions_per_post=3.0,
    queries=200,
)
QUICK = MetricsBenchConfig(
    seed=7,
    people=600,
    departments=8,
    communities=30,
    memberships_per_person=2,
    secret_share=0.1,
    year=2026,
    weekdays_only=True,
    visit_rates=((0.3, 0.02), (0.5, 0.15), (0.2, 0.45)),
    posts_per_visit=0.05,
    comments_per_post=2.0,
    reactions_per_post=3.0,
    queries=50,
)
