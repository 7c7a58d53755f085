"""CPU time used by this process and by the local servers, to see where a phase spends it.

Servers are found by the TCP port they listen on (Linux ``/proc``); when they run elsewhere, or
``/proc`` cannot tell, their figures are simply left out.
"""

import contextlib
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

_TCP_LISTEN = "0A"
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}  # noqa: S104 - compared, not bound


@dataclass
class CpuUsage:
    """CPU seconds per process over one phase, and the phase's wall-clock seconds."""

    wall_seconds: float = 0.0
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    def shares(self) -> dict[str, float]:
        """Each process's CPU time as a fraction of one core over the phase."""
        if self.wall_seconds <= 0:
            return {}
        return {name: used / self.wall_seconds for name, used in self.cpu_seconds.items()}


BENCH = "bench"
"""This process alone: the services a benchmark starts are its children, and are measured as
servers of their own, never as part of the load generator."""


class CpuMeter:
    """Measures CPU time of named processes (``bench`` is this one) around phases."""

    def __init__(self, servers: Mapping[str, str]) -> None:
        """``servers`` maps a name to an address such as ``127.0.0.1:9092`` or a mongo URL."""
        self._pids: dict[str, int] = {BENCH: os.getpid()}
        for name, address in servers.items():
            pid = _listener_pid(address)
            if pid is not None:
                self._pids[name] = pid
        self.phases: dict[str, CpuUsage] = {}

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[CpuUsage]:
        """Measure the block; the usage is filled in when it ends. A phase measured again
        (a later round) adds to what its earlier blocks used."""
        usage = self.phases.get(name) or CpuUsage()
        before = {
            process: _cpu_seconds(pid, process != BENCH) for process, pid in self._pids.items()
        }
        started = time.perf_counter()
        try:
            yield usage
        finally:
            usage.wall_seconds += time.perf_counter() - started
            for process, pid in self._pids.items():
                after = _cpu_seconds(pid, process != BENCH)
                if after is not None and before[process] is not None:
                    used = after - (before[process] or 0.0)
                    usage.cpu_seconds[process] = usage.cpu_seconds.get(process, 0.0) + used
            self.phases[name] = usage


def _stat_fields(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _cpu_seconds(pid: int, with_children: bool) -> float | None:
    """User plus system CPU seconds of a process and, ``with_children``, of its live children
    (PostgreSQL serves each connection in a child) and its reaped children, from /proc."""
    fields = _stat_fields(pid)
    if fields is None:
        return None
    if not with_children:
        return sum(int(value) for value in fields[11:13]) / os.sysconf("SC_CLK_TCK")
    ticks = sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    for process in Path("/proc").iterdir():
        if process.name.isdigit() and process.name != str(pid):
            child = _stat_fields(int(process.name))
            if child is not None and child[1] == str(pid):  # fields after ")": state, ppid
                ticks += sum(int(value) for value in child[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def _listener_pid(address: str) -> int | None:
    """The pid of the local process listening on the address's TCP port, if it can be told."""
    first = address.split(",", maxsplit=1)[0]
    parsed = urlsplit(first if "://" in first else f"tcp://{first}")
    if parsed.hostname not in _LOCAL_HOSTS or parsed.port is None:
        return None
    inodes = _listening_inodes(parsed.port)
    if not inodes:
        return None
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            for descriptor in (process / "fd").iterdir():
                target = str(descriptor.readlink())
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return int(process.name)
        except OSError:
            continue
    return None


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            columns = line.split()
            local, state, inode = columns[1], columns[3], columns[9]
            if state == _TCP_LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    return inodes
