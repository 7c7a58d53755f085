"""The KafkaTopic resources are generated from the code's topic catalogue, and the services'
own topic settings agree with that catalogue."""

import os
from pathlib import Path

import pytest

from agora.communities.app import EVENT_TOPIC_PARTITIONS as COMMUNITIES_PARTITIONS
from agora.communities.app import service_topics as communities_topics
from agora.communities.settings import CommunitiesSettings
from agora.eventsourcing.k8s_topics import kafka_topics_yaml, resource_name
from agora.eventsourcing.topics import (
    PROJECTIONS,
    TopicSpec,
    cards_topic,
    dead_letter_topic,
    platform_topics,
)
from agora.feed.app import consumed_topics
from agora.feed.settings import FeedSettings
from agora.gateway.app import EVENT_TOPIC_PARTITIONS as GATEWAY_PARTITIONS
from agora.gateway.settings import GatewaySettings
from agora.metrics.settings import MetricsSettings
from agora.profiles.bootstrap import EVENT_TOPIC_PARTITIONS as PROFILES_PARTITIONS
from agora.profiles.settings import ProfilesSettings
from agora.search.settings import SearchSettings
from tests.k8s.objects import of_kind
from tests.k8s.tooling import K8S, Manifest

pytestmark = pytest.mark.unit

COMMITTED = K8S / "base" / "kafka" / "topics.yaml"


@pytest.fixture
def no_agora_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings defaults only: the machine's AGORA_* variables stay out."""
    for variable in [v for v in os.environ if v.startswith("AGORA_")]:
        monkeypatch.delenv(variable)


def _published_topics() -> list[TopicSpec]:
    """The topics each service creates for what it publishes: it owns their settings."""
    profiles = ProfilesSettings()
    feed = FeedSettings()
    return [
        TopicSpec(profiles.events_topic, partitions=PROFILES_PARTITIONS),
        cards_topic(profiles.cards_topic),
        TopicSpec(CommunitiesSettings().events_topic, partitions=COMMUNITIES_PARTITIONS),
        next(spec for spec in consumed_topics(feed) if spec.name == feed.events_topic),
        TopicSpec(GatewaySettings().events_topic, partitions=GATEWAY_PARTITIONS),
    ]


def _subscribed_topics() -> list[TopicSpec]:
    """Topics a consumer creates when it starts before their producer (the feed, communities
    and the gateway do)."""
    feed, communities = FeedSettings(), CommunitiesSettings()
    gateway_cards = cards_topic(GatewaySettings().profile_cards_topic)
    consumed = [*consumed_topics(feed), *communities_topics(communities), gateway_cards]
    own = {feed.events_topic, communities.events_topic}
    return [spec for spec in consumed if spec.name not in own]


def _projection_names() -> set[str]:
    profiles = ProfilesSettings()
    return {
        profiles.read_model_name,
        profiles.cards_projection,
        CommunitiesSettings().directory_projection,
        CommunitiesSettings().erasure_consumer,
        FeedSettings().projection_prefix,
        SearchSettings().projection_prefix,
        MetricsSettings().projection_name,
    }


def test_the_committed_topic_resources_are_the_generated_ones() -> None:
    assert Path(COMMITTED).read_text(encoding="utf-8") == kafka_topics_yaml(), (
        "regenerate: python -m agora.eventsourcing.k8s_topics "
        "--output deploy/k8s/base/kafka/topics.yaml"
    )


@pytest.mark.parametrize("overlay", ["overlays/dev", "overlays/prod"])
def test_every_catalogued_topic_is_rendered_with_its_partitions_and_settings(
    overlay: str, rendered: dict[str, list[Manifest]]
) -> None:
    topics = {t["spec"]["topicName"]: t for t in of_kind(rendered[overlay], "KafkaTopic")}
    specs = {spec.name: spec for spec in platform_topics()}
    assert set(topics) == set(specs)
    for topic_name, spec in specs.items():
        resource = topics[topic_name]
        assert resource["metadata"]["name"] == resource_name(topic_name)
        assert resource["spec"]["partitions"] == spec.partitions
        isr = int(resource["spec"]["config"]["min.insync.replicas"])
        assert resource["spec"]["config"] == spec.config(min_insync_replicas=isr)


@pytest.mark.usefixtures("no_agora_environment")
def test_every_topic_a_service_publishes_to_is_catalogued_with_the_same_settings() -> None:
    catalogue = {spec.name: spec for spec in platform_topics()}
    for spec in _published_topics():
        assert spec.name in catalogue, spec.name
        assert spec.partitions == catalogue[spec.name].partitions, spec.name
        assert spec.config(min_insync_replicas=2) == catalogue[spec.name].config(
            min_insync_replicas=2
        ), spec.name


@pytest.mark.usefixtures("no_agora_environment")
def test_topics_a_consumer_may_create_first_are_compatible_with_the_catalogue() -> None:
    # Partitions and the cleanup policy cannot be changed into the producer's later; the rest
    # (e.g. the cards' compaction lag) is the producer's to set, and the cluster's resources
    # (KafkaTopic) apply the catalogue's in any case.
    catalogue = {spec.name: spec for spec in platform_topics()}
    for spec in _subscribed_topics():
        assert spec.name in catalogue, spec.name
        expected = catalogue[spec.name]
        assert spec.partitions == expected.partitions, spec.name
        policy = "cleanup.policy"
        assert (
            spec.config(min_insync_replicas=2)[policy]
            == expected.config(min_insync_replicas=2)[policy]
        ), spec.name


@pytest.mark.usefixtures("no_agora_environment")
def test_every_projection_has_its_dead_letter_topic_catalogued() -> None:
    assert _projection_names() == set(PROJECTIONS)
    names = {spec.name for spec in platform_topics()}
    for projection in PROJECTIONS:
        assert dead_letter_topic(projection).name in names
