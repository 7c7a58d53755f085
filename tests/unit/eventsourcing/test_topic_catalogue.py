import pytest

from agora.eventsourcing.topics import (
    CARDS_TOPIC,
    DEAD_LETTER_RETENTION_MS,
    EVENT_PUBLISHERS,
    PROJECTIONS,
    TopicReplication,
    dead_letter_topic_name,
    event_topic_name,
    platform_topics,
)

pytestmark = pytest.mark.unit


def test_the_catalogue_names_every_event_topic_the_cards_and_each_dead_letter_topic() -> None:
    names = [spec.name for spec in platform_topics()]

    assert names == sorted(names)
    assert len(names) == len(set(names))
    assert set(names) == {
        *(event_topic_name(service) for service in EVENT_PUBLISHERS),
        CARDS_TOPIC,
        *(dead_letter_topic_name(projection) for projection in PROJECTIONS),
    }


def test_event_topics_are_kept_forever_and_dead_letters_thirty_days() -> None:
    specs = {spec.name: spec for spec in platform_topics()}

    assert specs["agora.feed.events"].config(min_insync_replicas=2) == {
        "retention.ms": "-1",
        "cleanup.policy": "delete",
        "min.insync.replicas": "2",
    }
    assert specs["agora.deadletter.feed"].retention_ms == DEAD_LETTER_RETENTION_MS
    assert specs["agora.deadletter.feed"].partitions == 1
    assert specs[CARDS_TOPIC].config(min_insync_replicas=2)["cleanup.policy"] == "compact"


def test_replication_comes_from_the_environment_and_defaults_to_a_single_broker() -> None:
    assert TopicReplication.from_environment({}) == TopicReplication(1, 1)
    assert TopicReplication.from_environment(
        {"AGORA_KAFKA_REPLICATION_FACTOR": "3", "AGORA_KAFKA_MIN_INSYNC_REPLICAS": "2"}
    ) == TopicReplication(3, 2)


def test_more_replicas_in_sync_than_copies_is_refused() -> None:
    with pytest.raises(ValueError, match="min_insync_replicas"):
        TopicReplication.from_environment(
            {"AGORA_KAFKA_REPLICATION_FACTOR": "1", "AGORA_KAFKA_MIN_INSYNC_REPLICAS": "2"}
        )
