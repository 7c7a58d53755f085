"""The supervisord configuration of one profile and control of its supervisord process."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
import xmlrpc.client
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supervisor.xmlrpc import Faults, SupervisorTransport

from agora.localinfra.errors import InfraError
from agora.localinfra.paths import RunLayout, tail_lines


@dataclass(frozen=True)
class Program:
    """One supervisord program."""

    name: str
    command: Sequence[str]
    log_file: Path
    directory: Path
    environment: Mapping[str, str] = field(default_factory=dict)
    autostart: bool = True
    priority: int = 10
    startsecs: int = 3
    stopwaitsecs: int = 30
    stopsignal: str = "TERM"
    user: str | None = None
    """Run as this account (supervisord must run as root); None keeps supervisord's own."""


@dataclass(frozen=True)
class ProcessState:
    """What supervisord says about a program."""

    state: str
    pid: int


def _escape(value: str) -> str:
    # supervisord expands %(name)s in option values; a literal % must be doubled.
    return value.replace("%", "%%")


def _environment(values: Mapping[str, str]) -> str:
    quoted = (
        '{}="{}"'.format(key, value.replace("\\", "\\\\").replace('"', '\\"'))
        for key, value in values.items()
    )
    return _escape(",".join(quoted))


def render_config(layout: RunLayout, identifier: str, programs: Sequence[Program]) -> str:
    """Return the text of a supervisord.conf running programs under layout."""
    sections = [
        f"[unix_http_server]\nfile={_escape(str(layout.socket))}\nchmod=0700\n",
        "[supervisord]\n"
        f"identifier={identifier}\n"
        f"logfile={_escape(str(layout.log('supervisord')))}\n"
        f"pidfile={_escape(str(layout.pidfile))}\n"
        f"directory={_escape(str(layout.root))}\n"
        f"childlogdir={_escape(str(layout.root / 'logs'))}\n",
        "[rpcinterface:supervisor]\n"
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n",
        f"[supervisorctl]\nserverurl=unix://{_escape(str(layout.socket))}\n",
    ]
    for program in programs:
        lines = [
            f"[program:{program.name}]",
            f"command={_escape(shlex.join(program.command))}",
            f"directory={_escape(str(program.directory))}",
            f"autostart={str(program.autostart).lower()}",
            "autorestart=unexpected",
            f"priority={program.priority}",
            f"startsecs={program.startsecs}",
            "startretries=1",
            f"stopsignal={program.stopsignal}",
            f"stopwaitsecs={program.stopwaitsecs}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={_escape(str(program.log_file))}",
            "stdout_logfile_maxbytes=50MB",
            "stdout_logfile_backups=2",
        ]
        if program.user is not None:
            lines.append(f"user={program.user}")
        if program.environment:
            lines.append(f"environment={_environment(program.environment)}")
        sections.append("\n".join(lines) + "\n")
    return "\n".join(sections)


def _alive_process_groups(groups: set[int]) -> set[int]:
    """Return the process groups among groups that still have a live (non-zombie) member."""
    proc = Path("/proc")
    if not proc.is_dir():
        alive = set()
        for group in groups:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                continue
            except PermissionError:
                pass
            alive.add(group)
        return alive
    alive = set()
    for stat_file in proc.glob("[0-9]*/stat"):
        try:
            # Fields after the parenthesised command: state, ppid, pgrp, ...
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) in groups:
            alive.add(int(fields[2]))
    return alive


class Supervisor:
    """The supervisord of one run directory, controlled over its unix socket."""

    def __init__(self, layout: RunLayout) -> None:
        self.layout = layout

    def _call(self, method: str, *args: object) -> Any:
        transport = SupervisorTransport(None, None, f"unix://{self.layout.socket}")
        proxy = xmlrpc.client.ServerProxy("http://localhost", transport=transport)
        return getattr(proxy.supervisor, method)(*args)

    def is_running(self) -> bool:
        """Whether this run directory's supervisord answers on its socket."""
        if not self.layout.socket.exists():
            return False
        try:
            state = self._call("getState")
        except (OSError, xmlrpc.client.Error):
            return False
        return bool(state["statename"] == "RUNNING")

    def launch(self, timeout: float = 15.0) -> None:
        """Start supervisord as a daemon with the generated configuration."""
        output = self.layout.log("supervisord-launch")
        with output.open("a", encoding="utf-8") as stream:
            code = subprocess.call(
                [
                    sys.executable,
                    "-m",
                    "supervisor.supervisord",
                    "-c",
                    str(self.layout.supervisord_conf),
                ],
                stdin=subprocess.DEVNULL,
                stdout=stream,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while code == 0 and time.monotonic() < deadline:
            if self.is_running():
                return
            time.sleep(0.2)
        raise InfraError(f"supervisord did not start; log {output}:\n{tail_lines(output)}")

    def apply_config(self) -> None:
        """Make a running supervisord pick up a changed configuration (supervisorctl update)."""
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "supervisor.supervisorctl",
                "-c",
                str(self.layout.supervisord_conf),
                "update",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise InfraError(f"supervisorctl update failed: {result.stdout}{result.stderr}")

    def states(self) -> dict[str, ProcessState]:
        """Return each program's supervisord state, or an empty dict when not running."""
        if not self.is_running():
            return {}
        infos = self._call("getAllProcessInfo")
        return {info["name"]: ProcessState(info["statename"], info["pid"]) for info in infos}

    def start(self, name: str) -> None:
        """Ask supervisord to start a program without waiting for it."""
        try:
            self._call("startProcess", name, False)
        except xmlrpc.client.Fault as fault:
            # supervisord may have autostarted it since its state was read.
            if fault.faultCode != Faults.ALREADY_STARTED:
                raise InfraError(f"supervisord cannot start {name}: {fault.faultString}") from None

    def shutdown(self, timeout: float = 120.0) -> None:
        """Shut supervisord down and wait until it and every program's process group are gone."""
        if not self.is_running():
            return
        groups = {state.pid for state in self.states().values() if state.pid}
        if self.layout.pidfile.is_file():
            groups.add(int(self.layout.pidfile.read_text().strip()))
        self._call("shutdown")
        deadline = time.monotonic() + timeout
        while alive := _alive_process_groups(groups):
            if time.monotonic() > deadline:
                raise InfraError(
                    f"processes still running {timeout:.0f}s after shutdown: "
                    f"process groups {sorted(alive)}"
                )
            time.sleep(0.3)
