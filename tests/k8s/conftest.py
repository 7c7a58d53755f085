"""The rendered Kubernetes objects of every Kustomize target, once per session."""

import pytest

from tests.k8s.tooling import TARGETS, Manifest, render


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[Manifest]]:
    return {target: render(target) for target in TARGETS}
