"""The feed benchmark's pure parts: the generated organisation and the histogram estimate."""

import dataclasses
import math

import pytest

from bench.feed.config import QUICK
from bench.feed.organisation import generate
from bench.feed.server_metrics import server_latency

pytestmark = pytest.mark.unit

CONFIG = dataclasses.replace(QUICK, people=300, communities=20, max_community_size=150)


def test_a_seed_always_gives_the_same_organisation() -> None:
    first, second = generate(CONFIG), generate(CONFIG)

    assert first.following == second.following
    assert first.communities == second.communities
    assert generate(dataclasses.replace(CONFIG, seed=CONFIG.seed + 1)).following != first.following


def test_the_organisation_is_consistent_and_heavy_tailed() -> None:
    organisation = generate(CONFIG)

    assert organisation.largest.size == 150
    for community in organisation.communities:
        assert len(set(community.members)) == community.size >= CONFIG.min_community_size
        assert set(community.managers) <= set(community.members)
        assert community.members[0] in community.managers
    for person, followees in organisation.following.items():
        assert person not in followees
        assert len(set(followees)) == len(followees) >= CONFIG.follows_per_person // 2
    followers = sorted(len(value) for value in organisation.followers.values())
    assert followers[-1] > 4 * followers[len(followers) // 2]


def test_server_latency_interpolates_inside_the_bucket() -> None:
    before = {0.005: 10.0, 0.01: 10.0, 0.025: 10.0, math.inf: 10.0}
    after = {0.005: 10.0, 0.01: 60.0, 0.025: 110.0, math.inf: 110.0}

    latency = server_latency(before, after)

    assert latency is not None
    assert latency.count == 100
    assert latency.p50 == pytest.approx(10.0)
    assert latency.p99 == pytest.approx(10.0 + 15.0 * 49 / 50)


def test_no_requests_between_scrapes_gives_no_estimate() -> None:
    same = {0.005: 3.0, math.inf: 3.0}

    assert server_latency(same, same) is None
