"""Rendering the Kustomize targets of deploy/k8s with a pinned kustomize, built once with Go."""

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

REPOSITORY = Path(__file__).resolve().parents[2]
K8S = REPOSITORY / "deploy" / "k8s"
TOOL_MODULE = K8S / "tools" / "kustomize"
KUSTOMIZE_VERSION = "v5.7.1"
KUSTOMIZE_PACKAGE = "sigs.k8s.io/kustomize/kustomize/v5"
TARGETS = ("overlays/dev", "overlays/prod", "jobs/rebuild")
"""Everything an operator applies: the two environments and the one-off rebuild Jobs."""

Manifest = dict[str, Any]


def cache_dir() -> Path:
    """Where tools are installed once (the local stack's cache, ``AGORA_CACHE_DIR``)."""
    configured = os.environ.get("AGORA_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "agora"


def _go() -> str:
    found = shutil.which("go") or next(
        (str(p) for p in (Path("/usr/local/go/bin/go"), Path("/usr/lib/go/bin/go")) if p.exists()),
        None,
    )
    if found is None:
        raise RuntimeError("Go is needed to build kustomize (`.ci/run` installs it)")
    return found


def kustomize() -> Path:
    """The pinned kustomize binary, built from deploy/k8s/tools/kustomize (go.mod, go.sum)."""
    configured = os.environ.get("AGORA_KUSTOMIZE")
    if configured:
        return Path(configured)
    binary = cache_dir() / f"kustomize-{KUSTOMIZE_VERSION}" / "kustomize"
    if binary.exists():
        return binary
    binary.parent.mkdir(parents=True, exist_ok=True)
    partial = binary.with_suffix(".partial")
    # The module's go.sum pins every dependency; the build only downloads what it lists.
    subprocess.run(
        [_go(), "build", "-trimpath", "-o", str(partial), KUSTOMIZE_PACKAGE],
        cwd=TOOL_MODULE,
        check=True,
        env={**os.environ, "CGO_ENABLED": "0"},
        timeout=900,
    )
    partial.replace(binary)
    return binary


def render(target: str) -> list[Manifest]:
    """``kustomize build deploy/k8s/<target>``, parsed."""
    output = subprocess.run(
        [str(kustomize()), "build", str(K8S / target)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    return [document for document in yaml.safe_load_all(output) if document]
