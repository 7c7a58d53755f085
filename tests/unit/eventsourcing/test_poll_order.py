"""The order in which a projection runner applies the partitions one poll brought."""

from typing import Any

from aiokafka.structs import TopicPartition

from agora.eventsourcing.runner import in_topic_order


def test_a_poll_is_applied_in_the_order_of_the_projection_s_topics() -> None:
    records: list[Any] = []
    batches = {
        TopicPartition("agora.feed.events", 1): records,
        TopicPartition("agora.unlisted.events", 0): records,
        TopicPartition("agora.communities.events", 2): records,
        TopicPartition("agora.feed.events", 0): records,
        TopicPartition("agora.communities.events", 0): records,
    }

    ordered = in_topic_order(batches, ["agora.communities.events", "agora.feed.events"])

    assert [(partition.topic, partition.partition) for partition, _ in ordered] == [
        ("agora.communities.events", 0),
        ("agora.communities.events", 2),
        ("agora.feed.events", 0),
        ("agora.feed.events", 1),
        ("agora.unlisted.events", 0),
    ]
