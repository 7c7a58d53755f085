"""Services under test as real processes: ``python -m <module>`` with its settings in the
environment, on a free loopback port, ready when handed over, stopped with SIGTERM after."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from agora.servicekit import ServiceSettings
from bench.facts import cpu_ranges

REPOSITORY = Path(__file__).resolve().parents[1]
"""The checkout the bench runs from (``bench`` must be importable by the service process)."""
READY_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 30.0


def free_port() -> int:
    """A TCP port nothing listens on right now (on loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def settings_environment(settings: ServiceSettings) -> dict[str, str]:
    """The ``AGORA_*`` variables that give a service process these settings."""
    values = settings.model_dump(mode="json", exclude_none=True)
    values["mongo_url"] = settings.mongo_url.get_secret_value()
    return {
        f"AGORA_{name.upper()}": value if isinstance(value, str) else json.dumps(value)
        for name, value in values.items()
    }


@dataclass(frozen=True)
class RunningProcess:
    """A started service process."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base_url(self) -> str:
        """Where it serves HTTP."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        """Its listening address (for the CPU meter)."""
        return f"127.0.0.1:{self.port}"


@contextlib.contextmanager
def service_process(
    *,
    name: str,
    module: str,
    settings: ServiceSettings,
    cpus: set[int],
    extra_environment: Mapping[str, str] | None = None,
) -> Iterator[RunningProcess]:
    """``python -m <module> --cpus …`` with the settings (and ``extra_environment``) in its
    environment, ready (``/readyz`` answers 200) when yielded, stopped with SIGTERM afterwards."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AGORA_")}
    environment.update(settings_environment(settings))
    environment.update(extra_environment or {})
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(REPOSITORY), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    with tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False) as log:
        log_path = Path(log.name)
    with log_path.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", module, "--cpus", cpu_ranges(sorted(cpus))],
            env=environment,
            cwd=REPOSITORY,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    running = RunningProcess(name, settings.port, process, log_path)
    try:
        _wait_ready(running)
        yield running
    finally:
        _stop(process)
        log_path.unlink(missing_ok=True)


def _wait_ready(service: RunningProcess) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"the {service.name} process exited early:\n{_tail(service.log)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{service.base_url}/readyz", timeout=2.0).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the {service.name} process was not ready in time:\n{_tail(service.log)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
