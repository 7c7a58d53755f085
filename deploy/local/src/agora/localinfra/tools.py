"""Finding Java, Maven and Go, and running them with their output kept in a log file."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from agora.localinfra.errors import InfraError
from agora.localinfra.paths import tail_lines

_INSTALL_HINTS = {
    "java": "install a JDK 17 (apt-get install openjdk-17-jre-headless)",
    "mvn": "install Maven 3.8 or newer (apt-get install maven)",
    "go": "install Go 1.24 or newer (https://go.dev/doc/install)",
}


def _home_candidates(tool: str) -> list[Path]:
    homes = {"java": ["JAVA_HOME"], "mvn": ["MAVEN_HOME", "M2_HOME"], "go": ["GOROOT"]}[tool]
    found = [Path(os.environ[name]) / "bin" / tool for name in homes if os.environ.get(name)]
    if tool == "go":
        # The official Go tarball installs here without touching PATH.
        found.append(Path("/usr/local/go/bin/go"))
    return found


def find_tool(tool: str) -> Path:
    """Return the executable of java, mvn or go, or raise an error saying what to install."""
    on_path = shutil.which(tool)
    candidates = [Path(on_path)] if on_path else []
    candidates += _home_candidates(tool)
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise InfraError(f"{tool} not found: {_INSTALL_HINTS[tool]}")


def run_logged(
    command: list[str],
    *,
    log_file: Path,
    what: str,
    cwd: Path | None = None,
    user: str | None = None,
    stdin_text: str | None = None,
) -> str:
    """Run a command with stderr appended to log_file; return its stdout or raise with the tail.

    ``user`` runs it as that account (the caller must be root); ``stdin_text`` is its input.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("a", encoding="utf-8") as log:
        log.write(f"$ {' '.join(command)}\n")
        log.flush()
        result = subprocess.run(
            command,
            cwd=cwd,
            input=stdin_text,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            check=False,
            user=user,
        )
        log.write(result.stdout)
    if result.returncode != 0:
        raise InfraError(
            f"{what} failed with exit code {result.returncode}; log {log_file}:\n"
            f"{tail_lines(log_file)}"
        )
    return result.stdout
