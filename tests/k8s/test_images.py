"""The Dockerfiles: hadolint passes, builds follow the lock file, final images are small and
unprivileged, and every entry point (the images' and the manifests' commands) exists."""

import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.k8s.objects import containers, workloads
from tests.k8s.tooling import K8S, REPOSITORY, Manifest

pytestmark = pytest.mark.unit

IMAGES = K8S / "images"
DOCKERFILES = sorted(IMAGES.glob("*.Dockerfile"))
HADOLINT = Path(sys.executable).parent / "hadolint"
BUILD_TOOLS = re.compile(r"\b(uv|pip install|apt-get|apk|gcc|g\+\+|make|build-essential)\b")


@dataclass
class Stage:
    """One ``FROM`` stage of a Dockerfile and its instructions."""

    base: str
    alias: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)


def stages(dockerfile: Path) -> list[Stage]:
    """The stages of a Dockerfile, with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    parsed: list[Stage] = []
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = rest.split()
            parsed.append(Stage(base=words[0], alias=words[2] if len(words) > 2 else None))
        else:
            parsed[-1].instructions.append((keyword, rest.strip()))
    return parsed


def _module_exists(module: str) -> bool:
    if module.split(".", maxsplit=1)[0] != "agora":
        return importlib.util.find_spec(module) is not None
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _check_module(module: str) -> None:
    assert _module_exists(module), f"no module {module}"


def _command_module(command: list[str]) -> str | None:
    if command[:2] == ["python", "-m"]:
        return command[2]
    return None


def _console_scripts() -> dict[str, str]:
    scripts: dict[str, str] = {}
    for project in REPOSITORY.glob("**/pyproject.toml"):
        if ".venv" in project.parts:
            continue
        data = tomllib.loads(project.read_text(encoding="utf-8"))
        scripts.update(data.get("project", {}).get("scripts", {}))
    return scripts


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run(
        [str(HADOLINT), *map(str, DOCKERFILES)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_there_is_an_image_for_every_service_the_gateway_and_the_tools() -> None:
    assert {d.name.removesuffix(".Dockerfile") for d in DOCKERFILES} == {
        "profiles",
        "communities",
        "feed",
        "search",
        "metrics",
        "gateway",
        "tools",
    }


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda d: d.name)
def test_images_build_from_the_lock_file_and_ship_no_build_tools_as_non_root(
    dockerfile: Path,
) -> None:
    build, final = stages(dockerfile)[-2:]
    locked = {p["name"] for p in tomllib.loads((REPOSITORY / "uv.lock").read_text())["package"]}
    (sync,) = [rest for keyword, rest in build.instructions if "uv sync" in rest]
    package = re.search(r"--package (\S+)", sync)
    assert package is not None
    assert "--frozen" in sync
    assert "--no-dev" in sync
    assert package.group(1) in locked, package.group(1)
    assert final.base == build.base, "the runtime image is the Python the virtualenv was made for"
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", final.base)
    final_text = " ".join(rest for _, rest in final.instructions)
    assert not BUILD_TOOLS.search(final_text.replace("pip uninstall", "")), final_text
    copies = [rest for keyword, rest in final.instructions if keyword == "COPY"]
    assert copies == ["--from=build /app/.venv /app/.venv"]
    (user,) = [rest for keyword, rest in final.instructions if keyword == "USER"]
    assert user.split(":")[0] not in {"0", "root"}


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda d: d.name)
def test_every_image_entry_point_exists(dockerfile: Path) -> None:
    final = stages(dockerfile)[-1]
    (entrypoint,) = [rest for keyword, rest in final.instructions if keyword == "ENTRYPOINT"]
    command = json.loads(entrypoint)
    module = _command_module(command)
    if module is None:
        script = _console_scripts()[command[0]]
        module = script.split(":")[0]
    _check_module(module)


@pytest.mark.parametrize("target", ["overlays/dev", "overlays/prod", "jobs/rebuild"])
def test_every_command_of_the_manifests_names_a_module_that_exists(
    target: str, rendered: dict[str, list[Manifest]]
) -> None:
    images = {d.name.removesuffix(".Dockerfile") for d in DOCKERFILES}
    modules = []
    for workload in workloads(rendered[target]):
        for container in containers(workload):
            repository = container["image"].split(":")[0].rsplit("/", 1)[-1]
            assert repository in images, container["image"]
            module = _command_module(container.get("command", []))
            if module is not None:
                modules.append(module)
    missing = [m for m in modules if not _module_exists(m)]
    assert not missing, missing
