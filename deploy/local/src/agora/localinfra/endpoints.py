"""Connection settings handed to applications, tests and benchmarks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InfraEndpoints:
    """Where Kafka, the MongoDB-compatible store and Elasticsearch answer."""

    kafka_bootstrap: str
    mongo_url: str
    elasticsearch_url: str
