"""LocalStack: install, start, check and stop one profile's supervised processes."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from agora.localinfra.components import Probe, endpoints, prepare, probes, programs
from agora.localinfra.endpoints import InfraEndpoints
from agora.localinfra.errors import ComponentError
from agora.localinfra.install import Installation, install
from agora.localinfra.paths import (
    RunLayout,
    deploy_dir,
    file_lock,
    repo_root,
    run_dir,
    tail_lines,
    write_if_changed,
)
from agora.localinfra.profiles import load_profile
from agora.localinfra.readiness import http_problem
from agora.localinfra.services import Service, load_services, service_program
from agora.localinfra.supervisor import Supervisor, render_config

# States in which waiting longer cannot help.
_GIVEN_UP = frozenset({"FATAL", "EXITED", "STOPPED", "UNKNOWN"})


@dataclass(frozen=True)
class ComponentStatus:
    """One line of `agora-infra status`."""

    name: str
    address: str
    state: str
    problem: str | None
    log_file: Path

    @property
    def healthy(self) -> bool:
        """Running under supervisord and answering its readiness probe."""
        return self.state == "RUNNING" and self.problem is None


def _service_probe(service: Service) -> Probe:
    url = service.readiness_url
    return Probe(service.name, url, lambda: http_problem(url))


class LocalStack:
    """Real Kafka, Elasticsearch and FerretDB (plus declared services) of one profile."""

    def __init__(self, profile: str = "test", report: Callable[[str], None] | None = None) -> None:
        self.profile = load_profile(profile)
        self.layout = RunLayout(run_dir(profile))
        self.supervisor = Supervisor(self.layout)
        self._report = report or (lambda _message: None)

    @property
    def endpoints(self) -> InfraEndpoints:
        """Connection settings of this stack, whether or not it runs."""
        return endpoints(self.profile)

    def install(self) -> Installation:
        """Install the components into the cache unless already installed."""
        return install(self._report)

    def is_running(self) -> bool:
        """Whether this profile's supervisord runs."""
        return self.supervisor.is_running()

    def program_names(self) -> list[str]:
        """Names of this profile's supervised programs, which are also its log names."""
        return [probe.name for probe in probes(self.profile, self.layout)] + [
            service.name for service in self._services()
        ]

    def _services(self) -> list[Service]:
        if not self.profile.run_services:
            return []
        return load_services(deploy_dir() / "services.toml")

    def start(self, timeout: float = 300.0) -> InfraEndpoints:
        """Start whatever is not running and wait until every component is ready."""
        with file_lock(self.layout.root / "stack.lock"):
            return self._start(timeout)

    def _start(self, timeout: float) -> InfraEndpoints:
        installation = self.install()
        prepare(self.profile, self.layout, installation)
        services = self._services()
        all_programs = programs(self.profile, self.layout, installation) + [
            service_program(service, self.layout, self.endpoints, repo_root())
            for service in services
        ]
        config_changed = write_if_changed(
            self.layout.supervisord_conf,
            render_config(self.layout, f"agora-{self.profile.name}", all_programs),
        )
        if not self.supervisor.is_running():
            self._report(f"starting supervisord ({self.layout.supervisord_conf})")
            self.supervisor.launch()
        elif config_changed:
            self.supervisor.apply_config()
        deadline = time.monotonic() + timeout
        for stage in (probes(self.profile, self.layout), list(map(_service_probe, services))):
            self._start_stopped([probe.name for probe in stage])
            for probe in stage:
                self._wait(probe, deadline)
        return self.endpoints

    def _start_stopped(self, names: list[str]) -> None:
        states = self.supervisor.states()
        for name in names:
            if states[name].state not in ("RUNNING", "STARTING", "BACKOFF"):
                self._report(f"starting {name}")
                self.supervisor.start(name)

    def _wait(self, probe: Probe, deadline: float) -> None:
        self._report(f"waiting for {probe.name} at {probe.address}")
        while True:
            states = self.supervisor.states()
            state = states[probe.name].state if probe.name in states else "UNKNOWN"
            if state in _GIVEN_UP:
                self._fail(probe.name, f"process is {state} under supervisord")
            problem = probe.problem() if state == "RUNNING" else f"process is {state}"
            if problem is None:
                return
            if time.monotonic() > deadline:
                self._fail(probe.name, f"not ready in time: {problem}")
            time.sleep(1.0)

    def _fail(self, name: str, reason: str) -> NoReturn:
        log_file = self.layout.log(name)
        raise ComponentError(name, f"{reason} (log {log_file})", tail_lines(log_file))

    def status(self) -> list[ComponentStatus]:
        """Report the supervisord state and readiness of every component and service."""
        states = self.supervisor.states()
        result = []
        for probe in probes(self.profile, self.layout) + list(
            map(_service_probe, self._services())
        ):
            state = states[probe.name].state if probe.name in states else "NOT RUNNING"
            problem = probe.problem() if state == "RUNNING" else f"process is {state}"
            log_file = self.layout.log(probe.name)
            result.append(ComponentStatus(probe.name, probe.address, state, problem, log_file))
        return result

    def discard_data(self) -> bool:
        """Delete the data (topics, indices, collections) unless the stack runs; logs are kept.

        Returns whether it did: a stack started meanwhile by someone else keeps its data.
        """
        with file_lock(self.layout.root / "stack.lock"):
            if self.supervisor.is_running():
                return False
            shutil.rmtree(self.layout.root / "data", ignore_errors=True)
            return True

    def stop(self) -> None:
        """Shut this profile's supervisord down and wait until its processes are gone."""
        with file_lock(self.layout.root / "stack.lock"):
            if self.supervisor.is_running():
                self._report(f"stopping the {self.profile.name} stack")
                self.supervisor.shutdown()
