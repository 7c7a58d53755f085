"""Running one benchmark command in-process against the test stack, as its smoke tests do."""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from agora.localinfra import InfraEndpoints
from bench.infra import KAFKA_VARIABLE, MONGO_VARIABLE


@dataclass(frozen=True)
class BenchRun:
    """What a benchmark printed: the report's lines and its final JSON line, parsed."""

    lines: list[str]
    figures: dict[str, Any]

    def has_line_starting(self, text: str) -> bool:
        """Whether a line of the report starts with ``text``."""
        return any(line.startswith(text) for line in self.lines)


RunBench = Callable[[Callable[[Sequence[str]], int], Sequence[str]], BenchRun]


@pytest.fixture
def run_bench(
    infra_endpoints: InfraEndpoints,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> RunBench:
    """Run a benchmark's ``main`` with the given arguments on the test stack's servers."""
    monkeypatch.setenv(KAFKA_VARIABLE, infra_endpoints.kafka_bootstrap)
    monkeypatch.setenv(MONGO_VARIABLE, infra_endpoints.mongo_url)

    def run(main: Callable[[Sequence[str]], int], arguments: Sequence[str]) -> BenchRun:
        assert main(arguments) == 0
        lines = capsys.readouterr().out.strip().splitlines()
        return BenchRun(lines=lines, figures=json.loads(lines[-1]))

    return run
