"""``python -m bench`` (the event pipeline against raw Kafka and raw FerretDB) at its smallest,
so the benchmark cannot rot.

Nothing here asserts on timings: the run must finish, every phase must have done its work, the
read model must have counted every event once (both rounds' and the latency phase's), and the
report must end with its JSON line.
"""

import pytest

from bench.__main__ import main
from tests.benchmarks.conftest import RunBench

pytestmark = pytest.mark.integration

SMALLEST = [
    *("--quick", "--events", "100", "--rate", "20", "--latency-seconds", "1"),
    *("--rounds", "2"),  # a second round restarts the relay and the runner
]


def test_the_smallest_pipeline_bench_runs_end_to_end(run_bench: RunBench) -> None:
    run = run_bench(main, SMALLEST)

    assert run.has_line_starting("Agora event pipeline benchmark")
    figures = run.figures
    assert figures["bench"] == "agora-pipeline"
    assert figures["raw_kafka"]["messages"] > 0
    assert figures["raw_ferretdb"]["inserts"] == 100
    concurrency = figures["raw_ferretdb"]["concurrency"]
    assert figures["raw_ferretdb_updates"]["updates"] == 100 + concurrency  # and the warm-up's
    assert figures["writes_ceiling_per_s"] > 0
    assert figures["pipeline_throughput"]["events"] == 100
    assert len(figures["rounds"]["raw_ferretdb_inserts_per_s"]) == 2
    assert len(figures["rounds"]["pipeline_events_per_s"]) == 2
    latency = figures["pipeline_latency"]
    assert latency["applied"] == latency["events"] == 20
    assert figures["read_model_verified"] is True
