"""Every rendered object validates against the Kubernetes JSON schemas, offline.

kubernetes-validate carries the schemas of the built-in kinds. The operators' kinds (Strimzi,
ECK, MongoDB, OpenTelemetry, KEDA) have no schema here: they are listed, checked for the fields
Agora relies on, and never skipped silently.
"""

from typing import Any

import kubernetes_validate
import pytest

from tests.k8s.objects import name, of_kind
from tests.k8s.tooling import TARGETS, Manifest

pytestmark = pytest.mark.unit

KUBERNETES_VERSION = "1.31"
"""The oldest Kubernetes release these manifests target (sidecar-free, autoscaling/v2, PDB v1)."""
OPERATOR_KINDS = {
    ("kafka.strimzi.io/v1beta2", "Kafka"),
    ("kafka.strimzi.io/v1beta2", "KafkaNodePool"),
    ("kafka.strimzi.io/v1beta2", "KafkaTopic"),
    ("elasticsearch.k8s.elastic.co/v1", "Elasticsearch"),
    ("mongodbcommunity.mongodb.com/v1", "MongoDBCommunity"),
    ("opentelemetry.io/v1beta1", "OpenTelemetryCollector"),
    ("keda.sh/v1alpha1", "ScaledObject"),
}
"""Custom resources validated by the checks below instead of a schema (no CRD schema offline)."""


@pytest.mark.parametrize("target", TARGETS)
def test_every_built_in_object_matches_its_schema(
    target: str, rendered: dict[str, list[Manifest]]
) -> None:
    failures = []
    for item in rendered[target]:
        if (item["apiVersion"], item["kind"]) in OPERATOR_KINDS:
            continue
        try:
            kubernetes_validate.validate(item, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(part) for part in error.path)
            failures.append(f"{name(item)}: {path}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError:
            failures.append(f"{name(item)}: no schema for {item['apiVersion']} (unknown kind)")
    assert not failures, "\n".join(failures)


def test_the_operator_kinds_left_to_these_checks_are_exactly_the_ones_used(
    rendered: dict[str, list[Manifest]],
) -> None:
    used = {(i["apiVersion"], i["kind"]) for objects in rendered.values() for i in objects}
    assert {kind for kind in used if kind in OPERATOR_KINDS} == OPERATOR_KINDS


def _one(objects: list[Manifest], kind: str) -> dict[str, Any]:
    (item,) = of_kind(objects, kind)
    return item


@pytest.mark.parametrize(("overlay", "nodes"), [("overlays/dev", 1), ("overlays/prod", 3)])
def test_kafka_runs_in_kraft_mode_on_node_pools_with_pinned_versions(
    overlay: str, nodes: int, rendered: dict[str, list[Manifest]]
) -> None:
    objects = rendered[overlay]
    kafka = _one(objects, "Kafka")
    pool = _one(objects, "KafkaNodePool")
    assert kafka["metadata"]["annotations"] == {
        "strimzi.io/node-pools": "enabled",
        "strimzi.io/kraft": "enabled",
    }
    assert kafka["spec"]["kafka"]["version"] == "3.9.1"
    assert "zookeeper" not in kafka["spec"]
    assert {"topicOperator", "userOperator"} <= set(kafka["spec"]["entityOperator"])
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
    assert sorted(pool["spec"]["roles"]) == ["broker", "controller"]
    assert pool["spec"]["replicas"] == nodes
    config = kafka["spec"]["kafka"]["config"]
    assert config["default.replication.factor"] == nodes
    assert config["min.insync.replicas"] == min(2, nodes)
    assert config["auto.create.topics.enable"] is False
    for topic in of_kind(objects, "KafkaTopic"):
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
        assert topic["spec"]["replicas"] == nodes
        assert topic["spec"]["config"]["min.insync.replicas"] == str(min(2, nodes))


@pytest.mark.parametrize("overlay", ["overlays/dev", "overlays/prod"])
def test_the_data_stores_and_the_collector_pin_their_versions(
    overlay: str, rendered: dict[str, list[Manifest]]
) -> None:
    objects = rendered[overlay]
    elasticsearch = _one(objects, "Elasticsearch")
    mongodb = _one(objects, "MongoDBCommunity")
    collector = _one(objects, "OpenTelemetryCollector")
    assert elasticsearch["spec"]["version"].startswith("7.17.")
    assert mongodb["spec"]["type"] == "ReplicaSet"
    assert mongodb["spec"]["version"].count(".") == 2
    assert collector["spec"]["image"].endswith(":0.114.0")
    assert collector["spec"]["config"]["service"]["pipelines"]["traces"]["receivers"] == ["otlp"]


@pytest.mark.parametrize("overlay", ["overlays/dev", "overlays/prod"])
def test_every_mongodb_secret_a_workload_reads_is_written_by_the_operator(
    overlay: str, rendered: dict[str, list[Manifest]]
) -> None:
    objects = rendered[overlay]
    written = {
        user["connectionStringSecretName"]
        for user in _one(objects, "MongoDBCommunity")["spec"]["users"]
    }
    read = {
        env["valueFrom"]["secretKeyRef"]["name"]
        for workload in of_kind(objects, "Deployment") + of_kind(objects, "Job")
        for container in workload["spec"]["template"]["spec"]["containers"]
        for env in container.get("env", [])
        if env["name"] == "AGORA_MONGO_URL"
    }
    assert read <= written


def test_workers_scale_on_their_own_lag_only_in_prod(rendered: dict[str, list[Manifest]]) -> None:
    assert not of_kind(rendered["overlays/dev"], "ScaledObject")
    for scaled in of_kind(rendered["overlays/prod"], "ScaledObject"):
        target = scaled["spec"]["scaleTargetRef"]["name"]
        (trigger,) = scaled["spec"]["triggers"]
        assert trigger["type"] == "prometheus"
        assert f'pod=~"{target}-.*"' in trigger["metadata"]["query"]
        assert scaled["spec"]["minReplicaCount"] >= 1
