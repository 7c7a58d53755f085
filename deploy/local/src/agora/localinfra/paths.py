"""Where the local infrastructure keeps its downloads, builds and run-time state."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from agora.localinfra.errors import InfraError

# deploy/local/src/agora/localinfra -> deploy/local
_DEPLOY_FROM_PACKAGE = Path(__file__).resolve().parents[3]
# A unix socket path must fit in sockaddr_un.sun_path (108 bytes on Linux, 104 on macOS).
_MAX_SOCKET_PATH = 100


def deploy_dir() -> Path:
    """Return deploy/local, which holds the Maven poms, the Go tool module and services.toml."""
    override = os.environ.get("AGORA_DEPLOY_DIR")
    cwd = Path.cwd()
    candidates = (
        [Path(override)]
        if override
        else [_DEPLOY_FROM_PACKAGE, *(base / "deploy" / "local" for base in (cwd, *cwd.parents))]
    )
    for candidate in candidates:
        if (candidate / "kafka" / "pom.xml").is_file():
            return candidate.resolve()
    raise InfraError(
        "cannot find deploy/local of the Agora repository: run inside it or set AGORA_DEPLOY_DIR"
    )


def repo_root() -> Path:
    """Return the root of the Agora repository."""
    return deploy_dir().parents[1]


def cache_dir() -> Path:
    """Return the cache for jars and binaries (AGORA_CACHE_DIR, default ~/.cache/agora)."""
    override = os.environ.get("AGORA_CACHE_DIR")
    return Path(override).expanduser() if override else Path.home() / ".cache" / "agora"


def run_dir(profile: str) -> Path:
    """Return the run directory of a profile: <AGORA_RUN_DIR or <repo>/.run>/<profile>."""
    override = os.environ.get("AGORA_RUN_DIR")
    root = Path(override).expanduser() if override else repo_root() / ".run"
    return root.resolve() / profile


@dataclass(frozen=True)
class RunLayout:
    """Files and directories of one profile's running stack."""

    root: Path

    def data(self, component: str) -> Path:
        """Return the data directory of a component."""
        return self.root / "data" / component

    def log(self, component: str) -> Path:
        """Return the log file of a component (its stdout and stderr)."""
        return self.root / "logs" / f"{component}.log"

    @property
    def identity_dir(self) -> Path:
        """The development identity's key pair."""
        return self.root / "identity"

    @property
    def conf_dir(self) -> Path:
        """Directory of generated component configuration files."""
        return self.root / "conf"

    @property
    def supervisord_conf(self) -> Path:
        """The generated supervisord configuration."""
        return self.root / "supervisord.conf"

    @property
    def socket(self) -> Path:
        """The unix socket supervisord listens on."""
        return self.root / "supervisord.sock"

    @property
    def pidfile(self) -> Path:
        """The pid file supervisord writes."""
        return self.root / "supervisord.pid"

    def ensure(self, components: list[str]) -> None:
        """Create the run, log, configuration and data directories."""
        if len(str(self.socket)) > _MAX_SOCKET_PATH:
            raise InfraError(
                f"run directory {self.root} is too long for a unix socket: "
                "set AGORA_RUN_DIR to a shorter path"
            )
        for directory in (self.conf_dir, self.root / "logs", *map(self.data, components)):
            directory.mkdir(parents=True, exist_ok=True)


def write_if_changed(path: Path, text: str) -> bool:
    """Write text to path unless it already holds exactly that; return whether it changed."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    return True


def tail_lines(path: Path, count: int = 40) -> str:
    """Return the last count lines of a text file, or a note when it does not exist."""
    if not path.is_file():
        return f"({path} does not exist)"
    with path.open("rb") as stream:
        stream.seek(0, os.SEEK_END)
        stream.seek(max(0, stream.tell() - 256 * 1024))
        lines = stream.read().decode("utf-8", errors="replace").splitlines()
    return "\n".join(lines[-count:])


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on path (created if missing) for the duration of the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
