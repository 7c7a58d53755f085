"""Reading rendered Kubernetes objects: workloads, their pods, containers and selectors."""

from collections.abc import Iterator, Mapping
from typing import Any

from tests.k8s.tooling import Manifest

WORKLOAD_KINDS = ("Deployment", "Job")


def of_kind(objects: list[Manifest], kind: str) -> list[Manifest]:
    """The objects of one kind."""
    return [item for item in objects if item["kind"] == kind]


def name(item: Manifest) -> str:
    """``Kind/name``, for messages."""
    return f"{item['kind']}/{item['metadata']['name']}"


def pod_spec(workload: Manifest) -> dict[str, Any]:
    """The pod template's spec of a Deployment or Job."""
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def pod_labels(workload: Manifest) -> dict[str, str]:
    """The pod template's labels."""
    labels: dict[str, str] = workload["spec"]["template"]["metadata"].get("labels", {})
    return labels


def containers(workload: Manifest) -> Iterator[dict[str, Any]]:
    """Every container of a workload, init containers included."""
    spec = pod_spec(workload)
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def workloads(objects: list[Manifest]) -> list[Manifest]:
    """Deployments and Jobs."""
    return [item for item in objects if item["kind"] in WORKLOAD_KINDS]


def component(workload: Manifest) -> str:
    """The ``app.kubernetes.io/component`` label of the pods (api, worker, gateway, job, ...)."""
    return pod_labels(workload).get("app.kubernetes.io/component", "")


def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """Whether a label selector (``matchLabels`` only, or a plain map) matches ``labels``."""
    match = selector.get("matchLabels", selector) if "matchExpressions" not in selector else None
    if match is None:
        raise AssertionError("matchExpressions are not used in these manifests")
    return all(labels.get(key) == value for key, value in match.items())
