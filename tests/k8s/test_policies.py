"""Policies every rendered object of every Kustomize target must follow."""

import re
from typing import Any

import pytest

from agora.eventsourcing.topics import EVENT_TOPIC_PARTITIONS
from tests.k8s.objects import (
    component,
    containers,
    name,
    of_kind,
    pod_labels,
    pod_spec,
    selects,
    workloads,
)
from tests.k8s.tooling import TARGETS, Manifest

pytestmark = pytest.mark.unit

OVERLAYS = ("overlays/dev", "overlays/prod")
PINNED_IMAGE = re.compile(r"^[a-z0-9./-]+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$")
SINGLE_WRITER_WORKERS = {"agora-feed-worker", "agora-search-worker", "agora-metrics-worker"}
"""Workers whose projection must never run twice at once (docs/operations.md)."""
MONITORING = {"kubernetes.io/metadata.name": "monitoring"}


@pytest.fixture(params=TARGETS)
def target(request: pytest.FixtureRequest, rendered: dict[str, list[Manifest]]) -> list[Manifest]:
    objects: list[Manifest] = rendered[request.param]
    return objects


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest, rendered: dict[str, list[Manifest]]) -> list[Manifest]:
    objects: list[Manifest] = rendered[request.param]
    return objects


def _security(workload: Manifest, container: dict[str, Any]) -> dict[str, Any]:
    """The container's effective security settings (its own over the pod's)."""
    return {**pod_spec(workload).get("securityContext", {}), **container.get("securityContext", {})}


def test_every_container_has_requests_and_limits(target: list[Manifest]) -> None:
    for workload in workloads(target):
        for container in containers(workload):
            resources = container.get("resources", {})
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(kind, {})), (
                    f"{name(workload)} {container['name']}: {kind}"
                )


def test_every_container_runs_as_non_root_read_only_without_capabilities(
    target: list[Manifest],
) -> None:
    for workload in workloads(target):
        assert pod_spec(workload).get("automountServiceAccountToken") is False, name(workload)
        for container in containers(workload):
            security = _security(workload, container)
            where = f"{name(workload)} {container['name']}"
            assert security.get("runAsNonRoot") is True, where
            assert security.get("runAsUser", 0) != 0, where
            assert security.get("readOnlyRootFilesystem") is True, where
            assert security.get("allowPrivilegeEscalation") is False, where
            assert security.get("capabilities", {}).get("drop") == ["ALL"], where
            assert security.get("seccompProfile", {}).get("type") == "RuntimeDefault", where


def test_every_image_is_pinned_to_a_tag_or_digest(target: list[Manifest]) -> None:
    for workload in workloads(target):
        for container in containers(workload):
            image = container["image"]
            assert PINNED_IMAGE.match(image), f"{name(workload)}: {image}"
            assert not image.endswith(":latest"), f"{name(workload)}: {image}"


def test_every_deployment_probes_its_health_endpoints(overlay: list[Manifest]) -> None:
    for deployment in of_kind(overlay, "Deployment"):
        for container in pod_spec(deployment)["containers"]:
            ports = {port["name"] for port in container.get("ports", [])}
            expected = {
                "startupProbe": "/healthz",
                "livenessProbe": "/healthz",
                "readinessProbe": "/readyz",
            }
            for probe, path in expected.items():
                check = container.get(probe, {}).get("httpGet", {})
                assert check.get("path") == path, f"{name(deployment)} {probe}"
                assert check.get("port") in ports, f"{name(deployment)} {probe} port"


def test_every_deployment_has_a_disruption_budget(overlay: list[Manifest]) -> None:
    budgets = of_kind(overlay, "PodDisruptionBudget")
    for deployment in of_kind(overlay, "Deployment"):
        covering = [b for b in budgets if selects(b["spec"]["selector"], pod_labels(deployment))]
        assert len(covering) == 1, name(deployment)
        if deployment["spec"].get("replicas", 1) == 1:
            # "At least one available" of a single replica would block every node drain.
            assert "maxUnavailable" in covering[0]["spec"], name(covering[0])


def test_every_api_scales_on_cpu_and_workers_only_on_consumer_lag(
    overlay: list[Manifest],
) -> None:
    autoscalers = {
        a["spec"]["scaleTargetRef"]["name"]: a for a in of_kind(overlay, "HorizontalPodAutoscaler")
    }
    scaled = {s["spec"]["scaleTargetRef"]["name"]: s for s in of_kind(overlay, "ScaledObject")}
    for deployment in of_kind(overlay, "Deployment"):
        deployment_name = deployment["metadata"]["name"]
        if component(deployment) in {"api", "gateway"}:
            metrics = autoscalers[deployment_name]["spec"]["metrics"]
            assert [m["resource"]["name"] for m in metrics] == ["cpu"], deployment_name
        else:
            assert deployment_name not in autoscalers, deployment_name
    for target_name, scaled_object in scaled.items():
        assert target_name not in SINGLE_WRITER_WORKERS
        assert scaled_object["spec"]["maxReplicaCount"] <= EVENT_TOPIC_PARTITIONS
        (trigger,) = scaled_object["spec"]["triggers"]
        assert "agora_projection_lag_events" in trigger["metadata"]["query"]


def test_single_writer_workers_never_run_twice(overlay: list[Manifest]) -> None:
    for deployment in of_kind(overlay, "Deployment"):
        if deployment["metadata"]["name"] in SINGLE_WRITER_WORKERS:
            assert deployment["spec"]["replicas"] == 1
            assert deployment["spec"]["strategy"] == {"type": "Recreate"}


def _ingress_rules_admitting(
    policies: list[Manifest], labels: dict[str, str], port: int | str
) -> list[dict[str, Any]]:
    rules = []
    for policy in policies:
        if "Ingress" not in policy["spec"].get("policyTypes", []):
            continue
        if not selects(policy["spec"]["podSelector"], labels):
            continue
        for rule in policy["spec"].get("ingress", []):
            ports = [p.get("port") for p in rule.get("ports", [])]
            if not ports or port in ports:
                rules.append(rule)
    return rules


def test_every_service_port_is_opened_by_a_network_policy(overlay: list[Manifest]) -> None:
    policies = of_kind(overlay, "NetworkPolicy")
    deployments = of_kind(overlay, "Deployment")
    for service in of_kind(overlay, "Service"):
        backends = [d for d in deployments if selects(service["spec"]["selector"], pod_labels(d))]
        assert backends, name(service)
        for port in service["spec"]["ports"]:
            for backend in backends:
                numbers = {
                    p["name"]: p["containerPort"]
                    for c in pod_spec(backend)["containers"]
                    for p in c.get("ports", [])
                }
                target_port = numbers.get(port["targetPort"], port["targetPort"])
                assert _ingress_rules_admitting(policies, pod_labels(backend), target_port), (
                    f"{name(service)} port {port['port']}"
                )


def test_every_workload_is_under_the_default_deny_policy(overlay: list[Manifest]) -> None:
    deny = [
        p
        for p in of_kind(overlay, "NetworkPolicy")
        if set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    for workload in workloads(overlay):
        assert any(selects(p["spec"]["podSelector"], pod_labels(workload)) for p in deny), name(
            workload
        )


def test_only_the_gateway_takes_traffic_and_services_take_it_from_the_gateway_only(
    overlay: list[Manifest],
) -> None:
    gateway = next(d for d in of_kind(overlay, "Deployment") if component(d) == "gateway")
    for deployment in of_kind(overlay, "Deployment"):
        if deployment is gateway:
            continue
        for policy in of_kind(overlay, "NetworkPolicy"):
            if not selects(policy["spec"]["podSelector"], pod_labels(deployment)):
                continue
            for rule in policy["spec"].get("ingress", []):
                assert rule.get("from"), f"{name(policy)} admits anyone"
                for peer in rule["from"]:
                    if "namespaceSelector" in peer:
                        assert peer["namespaceSelector"]["matchLabels"] == MONITORING, name(policy)
                    else:
                        assert selects(peer["podSelector"], pod_labels(gateway)), name(policy)
    (ingress,) = of_kind(overlay, "Ingress")
    backends = {
        path["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert backends == {"agora-gateway"}


def test_workloads_reach_only_dns_kafka_mongodb_elasticsearch_telemetry_and_identity(
    overlay: list[Manifest],
) -> None:
    allowed_ports = {53, 9092, 27017, 9200, 4318, 443, 8100, 8101, 8102, 8103, 8104, 8105}
    for policy in of_kind(overlay, "NetworkPolicy"):
        for rule in policy["spec"].get("egress", []):
            assert rule.get("to"), f"{name(policy)} allows egress anywhere"
            assert rule.get("ports"), f"{name(policy)} allows egress on any port"
            assert {p["port"] for p in rule["ports"]} <= allowed_ports, name(policy)
