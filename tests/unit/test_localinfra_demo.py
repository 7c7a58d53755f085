"""The demo organisation's generator: deterministic, varied, and consistent with the rules the
services apply when the loader sends it (membership, authorship, times)."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from agora.localinfra.demo import data
from agora.localinfra.demo.generator import HISTORY_DAYS, DemoOrganisation, generate, handle
from agora.localinfra.demo.loader import idempotency_key, planned_requests

pytestmark = pytest.mark.unit

ANCHOR = datetime(2026, 11, 23, 17, 42, tzinfo=UTC)
REQUEST_BUDGET = 6000
"""About three minutes of requests on the project machine (measured: ~30 per second while the
feed's read side digests them)."""


@pytest.fixture(scope="module")
def org() -> DemoOrganisation:
    return generate(anchor=ANCHOR)


def test_the_same_seed_and_anchor_give_the_same_organisation(org: DemoOrganisation) -> None:
    assert generate(anchor=ANCHOR) == org
    assert generate(anchor=ANCHOR, seed=7) != org


def test_people_have_french_and_english_names_with_accents(org: DemoOrganisation) -> None:
    names = [person.display_name for person in org.people]

    assert len(org.people) == 300
    assert {"Élodie Lefèvre", "Zoë Bernard", "François Dupré", "Siobhan O'Brien"} <= set(names)
    assert sum(1 for name in names if re.search(r"[À-ÿ]", name)) > 50
    assert any("O'" in name for name in names)
    assert len(set(names)) == len(names)
    emails = [person.email for person in org.people]
    assert len(set(emails)) == len(emails)
    assert all(email.isascii() for email in emails)
    assert handle("Siobhan O'Brien") == "siobhan.obrien"
    assert handle("Élodie Lefèvre") == "elodie.lefevre"


def test_the_hierarchy_is_provisioned_top_down(org: DemoOrganisation) -> None:
    levels = {person.key: person.level for person in org.people}
    ceos = [person for person in org.people if person.manager is None]

    assert [person.key for person in ceos] == [data.CEO]
    for person in org.people:
        if person.manager is not None:
            assert levels[person.manager] < person.level, person.key
    assert [person.level for person in org.people] == sorted(levels.values())
    assert len({person.department for person in org.people}) == len(data.DEPARTMENTS)
    assert len({person.location for person in org.people}) >= 6


def test_people_joined_the_network_before_its_history_and_after_being_hired(
    org: DemoOrganisation,
) -> None:
    history_starts = ANCHOR.date() - timedelta(days=HISTORY_DAYS)

    assert all(p.start_date <= p.registered_on <= history_starts for p in org.people)
    assert len({p.registered_on for p in org.people}) > len(org.people) // 2


def test_profiles_have_skills_topics_follows_and_endorsements(org: DemoOrganisation) -> None:
    people = {person.key: person for person in org.people}

    assert all(1 <= level <= 4 for p in org.people for _, level in p.skills)
    assert sum(1 for p in org.people if p.interests) > 100
    assert sum(1 for p in org.people if p.help_topics) > 60
    assert sum(len(p.follows) for p in org.people) > 600
    assert all(p.key not in p.follows and set(p.follows) <= set(people) for p in org.people)
    assert len(org.endorsements) > 100
    for endorsement in org.endorsements:
        assert endorsement.endorser != endorsement.person
        assert endorsement.skill in dict(people[endorsement.person].skills)
    persona = people[data.PERSONA]
    assert "kubernetes" in dict(persona.skills)
    assert persona.help_topics


def test_communities_of_every_kind_and_visibility(org: DemoOrganisation) -> None:
    communities = org.communities

    assert {c.kind for c in communities} == {"interest", "project", "practice"}
    assert {c.visibility for c in communities} == {"open", "closed", "secret"}
    assert any(c.visibility == "closed" and c.pending for c in communities)
    finished = [c for c in communities if c.finished]
    assert [(c.kind, c.end_in_days is not None) for c in finished] == [("project", True)]
    assert any(c.charter for c in communities)
    for community in communities:
        assert community.owner not in community.members
        assert set(community.managers) <= set(community.members)
        assert not set(community.pending) & {community.owner, *community.members}
        assert all(c.visibility != "open" for c in communities if c.pending)


def test_content_of_every_kind_spread_over_90_days(org: DemoOrganisation) -> None:
    posts = org.posts[:-1]
    kinds = {post.kind for post in posts}

    assert kinds == {"post", "question", "praise", "poll"}
    assert len(posts) > 400
    assert sum(len(post.comments) for post in posts) > 500
    assert any(post.accepted for post in posts)
    assert any(post.kind == "question" and not post.comments for post in posts)
    assert any(post.votes for post in posts if post.kind == "poll")
    assert any(post.praise_skill for post in posts if post.kind == "praise")
    assert any(post.shares for post in posts)
    assert any(c.parent for post in posts for c in post.comments)
    items = [post.work_item for post in posts if post.work_item]
    assert items
    assert {item.system for item in items} == {"tickets"}
    assert all(re.fullmatch(r"(OPS|SUP|PHX)-\d{4,5}", item.item_id) for item in items)
    assert any(item.item_id.startswith("OPS-") for item in items)
    assert len({(post.community, post.work_item) for post in posts if post.work_item}) == len(items)
    texts = " ".join(post.text for post in posts)
    assert re.search(r"\b(les|des|pour|merci)\b", texts)
    assert re.search(r"\b(the|thanks|for|with)\b", texts)
    oldest = min(post.at for post in posts)
    assert ANCHOR - timedelta(days=HISTORY_DAYS) <= oldest < ANCHOR - timedelta(days=80)
    assert max(post.at for post in posts) < ANCHOR
    assert [post.at for post in posts] == sorted(post.at for post in posts)
    assert org.posts[-1].key == "welcome"


def test_content_follows_the_feeds_rules(org: DemoOrganisation) -> None:
    communities = {c.key: c for c in org.communities}
    people = {p.key for p in org.people}
    for post in org.posts:
        if post.community is not None:
            community = communities[post.community]
            members = {community.owner, *community.members}
            assert post.author in members, post.key
            if community.visibility != "open":
                actors = {c.author for c in post.comments} | {p for p, _ in post.reactions}
                actors |= {p for p, _ in post.votes}
                assert actors <= members, post.key
        assert post.author not in post.praised
        assert {*post.mentions, *post.praised} <= people
        comments = {c.key: c for c in post.comments}
        for comment in post.comments:
            assert post.at < comment.at < ANCHOR
            if comment.parent is not None:
                parent = comments[comment.parent]
                assert parent.parent is None
                assert parent.at < comment.at
        if post.accepted is not None:
            assert post.kind == "question"
            assert comments[post.accepted].author != post.author
        if post.poll_options:
            assert post.poll_closes_at is not None
            assert post.poll_closes_at > ANCHOR
            assert {option for _, option in post.votes} <= {
                f"o{n}" for n in range(1, len(post.poll_options) + 1)
            }
        for share in post.shares:
            assert post.at < share.at < ANCHOR
            assert share.community is None or share.person in {
                communities[share.community].owner,
                *communities[share.community].members,
            }


def test_the_load_fits_the_time_budget(org: DemoOrganisation) -> None:
    assert 3000 < planned_requests(org) < REQUEST_BUDGET


def test_idempotency_keys_are_printable_ascii_and_distinct() -> None:
    keys = {
        idempotency_key("agora-demo-1", "skill", "elodie.lefevre", skill)
        for skill in ("observabilité", "observabilite", "sécurité applicative", "x" * 300)
    }

    assert len(keys) == 4
    assert all(re.fullmatch(r"[ -~]{1,160}", key) for key in keys)
