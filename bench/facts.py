"""What the numbers were measured on: CPU, cores, memory, Python, client and server versions."""

import os
import platform
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient


@dataclass(frozen=True)
class MachineFacts:
    """The machine and software one run measured on."""

    cpu_model: str
    cores: int
    usable_cores: str
    memory_gib: float
    python: str
    aiokafka: str
    pymongo: str
    load_average: str

    def as_dict(self) -> dict[str, Any]:
        """The facts for the JSON line."""
        return asdict(self)


def machine_facts() -> MachineFacts:
    """Read the facts from /proc and the installed packages."""
    return MachineFacts(
        cpu_model=_cpu_model(),
        cores=os.cpu_count() or 0,
        usable_cores=cpu_ranges(sorted(os.sched_getaffinity(0))),
        memory_gib=round(_memory_kib() / 1024 / 1024, 1),
        python=platform.python_version(),
        aiokafka=version("aiokafka"),
        pymongo=version("pymongo"),
        load_average=load_average(),
    )


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (other work on the machine shows up here)."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


async def database_version(client: AsyncMongoClient[dict[str, Any]]) -> str:
    """``FerretDB v1.24.2`` or ``MongoDB 7.0.x``, as the server reports itself."""
    info = await client.admin.command("buildInfo")
    if "ferretdbVersion" in info:
        return f"FerretDB {info['ferretdbVersion']} (MongoDB {info.get('version', '?')} API)"
    return f"MongoDB {info.get('version', '?')}"


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_kib() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_ranges(cpus: list[int]) -> str:
    """``[0, 1, 2, 5]`` → ``0-2,5``."""
    parts: list[str] = []
    start = previous = None
    for cpu in [*cpus, None]:
        if cpu is not None and previous is not None and cpu == previous + 1:
            previous = cpu
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = cpu
    return ",".join(parts)
