"""``python -m bench.gateway`` end to end at its smallest, so the benchmark cannot rot.

Nothing here asserts on timings: the run must finish, both paths must give the same answers,
every request must have succeeded, and the report must hold every figure, ending with its
JSON line.
"""

import pytest

from bench.gateway.__main__ import main
from tests.benchmarks.conftest import RunBench

pytestmark = pytest.mark.integration

SMALLEST = [
    "--quick",
    "--people", "12",
    "--posts", "20",
    "--rounds", "2",
    "--round-seconds", "0.5",
    "--latency-rounds", "2",
    "--latency-round-seconds", "0.3",
    "--steady-rounds", "2",
    "--steady-round-seconds", "0.5",
    "--warm-up-seconds", "0.2",
    "--no-pin",
]  # fmt: skip
SIDE_FIGURES = {
    "requests",
    "seconds",
    "per_s",
    "catch_up_seconds",
    "sustained_per_s",
    "round_per_s",
    "latency",
    "failures",
    "cpu_cores",
    "feed_ms",
    "gateway_upstream_ms",
}
PERCENTILES = {"count", "p50_ms", "p95_ms", "p99_ms", "max_ms"}


def test_the_smallest_gateway_bench_runs_end_to_end(run_bench: RunBench) -> None:
    run = run_bench(main, SMALLEST)

    assert run.has_line_starting("Agora gateway benchmark")
    assert run.has_line_starting("Goals")
    figures = run.figures
    assert figures["bench"] == "agora-gateway"
    assert figures["organisation"]["people"] == 12
    assert figures["organisation"]["imported_posts"] == 20
    assert figures["paths"]["items"] > 0
    assert figures["paths"]["same_items"] is True
    assert figures["paths"]["gateway_location"].startswith("/api/v1/feed/posts/")
    assert set(figures["operations"]) == {"timeline", "post"}
    for operation in figures["operations"].values():
        assert set(operation) == {"loaded", "unloaded", "steady"}
        assert operation["loaded"]["per_second"] is None
        # Half what the feed sustained straight when loaded (its projection's catching up
        # counted), sent on schedule to both sides.
        loaded = operation["loaded"]["direct"]
        assert loaded["sustained_per_s"] == pytest.approx(
            loaded["requests"] / (loaded["seconds"] + loaded["catch_up_seconds"]), rel=0.01
        )
        steady_rate = operation["steady"]["per_second"]
        assert steady_rate == pytest.approx(loaded["sustained_per_s"] / 2, rel=0.01)
        assert operation["steady"]["direct"]["per_s"] == pytest.approx(steady_rate, rel=0.5)
        for comparison in operation.values():
            assert comparison["throughput_ratio"] > 0
            assert comparison["sustained_ratio"] > 0
            assert isinstance(comparison["p50_added_ms"], float)
            assert isinstance(comparison["p99_added_ms"], float)
            for side in ("direct", "gateway"):
                measured = comparison[side]
                assert set(measured) == SIDE_FIGURES
                assert measured["requests"] > 0
                assert isinstance(measured["catch_up_seconds"], float)
                assert measured["failures"] == {}
                assert len(measured["round_per_s"]) == comparison["rounds"]
                assert set(measured["latency"]) == PERCENTILES
                assert measured["latency"]["p99_ms"] is not None
                # The feed runs as deployed: its API, and its projection in a worker.
                assert {"bench", "gateway", "feed", "feed worker"} <= set(measured["cpu_cores"])
                # Read from the feed's own sums (None when they did not move with the rounds).
                assert isinstance(measured["feed_ms"], float)
            assert comparison["direct"]["gateway_upstream_ms"] is None
            assert isinstance(comparison["gateway"]["gateway_upstream_ms"], float)
    assert set(figures["stub_operations"]) == {"timeline", "post"}
    for operation in figures["stub_operations"].values():
        assert set(operation) == {"loaded", "unloaded"}  # no steady rate for the stub
        for comparison in operation.values():
            for side in ("direct", "gateway"):
                assert comparison[side]["requests"] > 0
                assert comparison[side]["failures"] == {}
                assert comparison[side]["feed_ms"] is None  # the stub keeps no such sums
            assert isinstance(comparison["gateway_cpu_ms_per_request"], float)
    assert run.has_line_starting("The gateway's own cost")
    assert run.has_line_starting("Latency at a steady rate")
    assert any("means: the feed serving a request" in line for line in run.lines)
    assert figures["failures"] == 0
    assert set(figures["goals"]) == {
        "throughput_ratio_min",
        "p50_added_max_ms",
        "throughput_met",
        "p50_met",
        "p50_loaded_met",
    }
    assert figures["machine"]["cores"] >= 1
    assert figures["machine"]["load_average"]
    assert isinstance(figures["client_max_cores"], float)


def test_the_stub_only_run_measures_the_gateways_own_cost_and_judges_nothing(
    run_bench: RunBench,
) -> None:
    run = run_bench(main, [*SMALLEST, "--stub-only"])

    figures = run.figures
    assert figures["operations"] == {}
    assert set(figures["stub_operations"]) == {"timeline", "post"}
    for operation in figures["stub_operations"].values():
        for comparison in operation.values():
            assert comparison["gateway"]["requests"] > 0
            assert isinstance(comparison["gateway_cpu_ms_per_request"], float)
    assert figures["paths"]["same_items"] is True  # the page the stub serves is the feed's
    assert run.has_line_starting("The gateway's own cost")
    assert not run.has_line_starting("Throughput at")
    assert any("not judged: --stub-only" in line for line in run.lines)
    goals = figures["goals"]
    assert goals["throughput_met"] is goals["p50_met"] is goals["p50_loaded_met"] is None
    assert figures["failures"] == 0
