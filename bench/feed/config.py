"""Sizes of one feed benchmark run: the full run, a quick smoke run, and what the goals are."""

from dataclasses import dataclass


@dataclass(frozen=True)
class FeedBenchConfig:
    """How big the organisation is and how much work each phase does."""

    seed: int
    """Seeds the organisation, the posts and the load, so two runs do the same work."""
    people: int
    communities: int
    min_community_size: int
    max_community_size: int
    """The largest community gets exactly this many members (capped by ``people``)."""
    community_size_alpha: float
    """Pareto exponent of community sizes: below 1, a few communities are very large."""
    follows_per_person: int
    """Each person follows about this many others (between half and one and a half times)."""
    popularity_exponent: float
    """Zipf exponent of whom people follow: a few people have thousands of followers."""
    posts: int
    """Posts preloaded through the feed topic, at most (see ``preload_max_seconds``)."""
    preload_max_seconds: float
    """The preload stops producing after this long, so a slow projection cannot stretch it."""
    preload_ahead: int
    """How many preloaded posts may wait unapplied on the topic at once."""
    delivery_rate: float
    """Posts per second sent through ``POST /posts`` in the delivery-latency phase."""
    delivery_seconds: float
    large_posts: int
    """Posts to the largest community, per fan-out mode (sent one every ``large_interval``)."""
    large_interval: float
    large_drain_seconds: float
    """How long after the last post to the largest community its fan-outs may take."""
    read_seconds: float
    """How long the timeline-read phase (and the raw baseline) run."""
    naive_seconds: float
    """How long the naive raw query runs at most (each query scans the posts collection)."""
    read_workers: int
    readers: int
    """Distinct people whose home timelines the read phase reads (a random sample)."""
    page_size: int
    large_community_members: int
    """The service's fan-out threshold in the main configuration (its default is 500)."""
    drain_seconds: float
    """How long after the last scheduled post the delivery phases wait for stragglers."""
    poll_interval: float
    """How often a pending post's visibility is checked (the time resolution of delivery)."""
    stall_seconds: float
    """Give up on a wait when the projection has not moved for this long."""

    @property
    def delivery_posts(self) -> int:
        """How many posts the delivery phase schedules."""
        return round(self.delivery_rate * self.delivery_seconds)


FULL = FeedBenchConfig(
    seed=20261123,
    people=10_000,
    communities=500,
    min_community_size=5,
    max_community_size=5_000,
    community_size_alpha=0.9,
    follows_per_person=20,
    popularity_exponent=0.7,
    posts=20_000,
    preload_max_seconds=180.0,
    preload_ahead=500,
    delivery_rate=50.0,
    delivery_seconds=30.0,
    large_posts=5,
    large_interval=2.0,
    large_drain_seconds=120.0,
    read_seconds=20.0,
    naive_seconds=10.0,
    read_workers=4,
    readers=2_000,
    page_size=30,
    large_community_members=500,
    drain_seconds=30.0,
    poll_interval=0.01,
    stall_seconds=120.0,
)

QUICK = FeedBenchConfig(
    seed=20261123,
    people=500,
    communities=30,
    min_community_size=5,
    max_community_size=300,
    community_size_alpha=0.9,
    follows_per_person=20,
    popularity_exponent=0.7,
    posts=1_000,
    preload_max_seconds=60.0,
    preload_ahead=200,
    delivery_rate=10.0,
    delivery_seconds=5.0,
    large_posts=3,
    large_interval=1.0,
    large_drain_seconds=30.0,
    read_seconds=4.0,
    naive_seconds=3.0,
    read_workers=4,
    readers=200,
    page_size=30,
    large_community_members=100,
    drain_seconds=20.0,
    poll_interval=0.01,
    stall_seconds=60.0,
)

DELIVERY_P50_GOAL_MS = 50.0
DELIVERY_P99_GOAL_MS = 250.0
DELIVERY_GOAL_RATE = 50.0
READ_P99_GOAL_MS = 50.0
READS_PER_SECOND_GOAL = 1_500.0
ISSUE_POSTS = 1_000_000
