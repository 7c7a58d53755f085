"""One operation measured on both sides, fairly: the same client, the same concurrency, a
warm-up on each side that is never counted, then rounds in the order A B B A A B B A… so that
a slow drift (a projection catching up, another process waking, caches filling) weighs on
both sides alike. The CPU of every process is measured round by round and summed per side."""

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bench.cpu import CpuMeter, CpuUsage
from bench.gateway.load import Operation, RoundResult, Target, run_round, run_steady_round
from bench.gateway.server_time import ServerTimer, ServerTimes
from bench.stats import Distribution, distribution, rate

GATEWAY = "gateway"
"""The gateway process's name in the CPU meter."""

Report = Callable[[str], None]
CatchUp = Callable[[], Awaitable[float]]
"""Returns once the feed's projection has applied every event published so far, with the
seconds it waited for that (0 when nothing was left to apply: checking is not waiting)."""


@dataclass(frozen=True)
class SideResult:
    """Every measured round of one side, taken together."""

    side: str
    requests: int
    seconds: float
    latency: Distribution
    round_rates: list[float]
    failures: dict[str, int]
    cpu: CpuUsage
    server: ServerTimes | None = None
    """The services' own time over these rounds (``None``: not measured, as with the stub)."""
    catch_up_seconds: float = 0.0
    """How long the feed's projection took, after these rounds, to apply what they created."""

    @property
    def per_second(self) -> float:
        """Successful requests per second over the measured rounds."""
        return rate(self.requests, self.seconds)

    @property
    def sustained_per_second(self) -> float:
        """Requests per second counting the time the projection needed after the rounds to
        catch up: the rate the whole feed (API and projection) can keep up."""
        return rate(self.requests, self.seconds + self.catch_up_seconds)

    def as_dict(self) -> dict[str, Any]:
        """The figures for the JSON line."""
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 2),
            "per_s": round(self.per_second, 1),
            "catch_up_seconds": round(self.catch_up_seconds, 2),
            "sustained_per_s": round(self.sustained_per_second, 1),
            "round_per_s": [round(value, 1) for value in self.round_rates],
            "latency": self.latency.as_dict(),
            "failures": self.failures,
            "cpu_cores": {name: round(share, 2) for name, share in self.cpu.shares().items()},
            "feed_ms": _rounded(self.server.feed_ms if self.server else None),
            "gateway_upstream_ms": _rounded(self.server.upstream_ms if self.server else None),
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@dataclass(frozen=True)
class Comparison:
    """One operation under one load, straight to the feed and through the gateway."""

    operation: str
    concurrency: int
    """Requests in flight (closed loop); with ``per_second``, the most allowed at once."""
    rounds: int
    round_seconds: float
    direct: SideResult
    gateway: SideResult
    per_second: float | None = None
    """The steady rate requests were sent at (open loop), or None for a closed loop."""

    @property
    def load(self) -> str:
        """The load in words: ``8 in flight`` or ``137/s steady``."""
        if self.per_second is None:
            return f"{self.concurrency} in flight"
        return f"{self.per_second:,.0f}/s steady"

    @property
    def throughput_ratio(self) -> float:
        """Gateway requests per second over direct requests per second."""
        return self.gateway.per_second / self.direct.per_second

    @property
    def sustained_ratio(self) -> float:
        """The same, counting the projection's catching up after each side's rounds."""
        return self.gateway.sustained_per_second / self.direct.sustained_per_second

    @property
    def p50_added_ms(self) -> float:
        """What the gateway adds to the median latency, in milliseconds."""
        return self.gateway.latency.p50 - self.direct.latency.p50

    @property
    def p99_added_ms(self) -> float:
        """What the gateway adds to the 99th percentile, in milliseconds."""
        return self.gateway.latency.p99 - self.direct.latency.p99

    @property
    def gateway_cpu_ms_per_request(self) -> float | None:
        """The gateway's CPU per forwarded request, in milliseconds: its CPU over the gateway
        rounds less what it used idle meanwhile (its rate during the direct rounds: the
        Kafka consumer, the relay), over their requests; None when it could not be measured."""
        idle, busy = self.direct.cpu, self.gateway.cpu
        if GATEWAY not in idle.cpu_seconds or GATEWAY not in busy.cpu_seconds:
            return None
        if not self.gateway.requests or idle.wall_seconds <= 0:
            return None
        background = idle.cpu_seconds[GATEWAY] / idle.wall_seconds * busy.wall_seconds
        return max(0.0, busy.cpu_seconds[GATEWAY] - background) / self.gateway.requests * 1000

    @property
    def failures(self) -> int:
        """Requests that did not get their expected status, on either side."""
        return sum(self.direct.failures.values()) + sum(self.gateway.failures.values())

    def as_dict(self) -> dict[str, Any]:
        """The figures for the JSON line."""
        return {
            "concurrency": self.concurrency,
            "per_second": None if self.per_second is None else round(self.per_second, 1),
            "rounds": self.rounds,
            "round_seconds": self.round_seconds,
            "direct": self.direct.as_dict(),
            "gateway": self.gateway.as_dict(),
            "throughput_ratio": round(self.throughput_ratio, 3),
            "sustained_ratio": round(self.sustained_ratio, 3),
            "p50_added_ms": round(self.p50_added_ms, 2),
            "p99_added_ms": round(self.p99_added_ms, 2),
            "gateway_cpu_ms_per_request": (
                None
                if (per_request := self.gateway_cpu_ms_per_request) is None
                else round(per_request, 2)
            ),
        }


def round_order(rounds: int, first: Target, second: Target) -> list[Target]:
    """``first second second first first second…``: each side leads every other pair."""
    order: list[Target] = []
    for number in range(rounds):
        order += [first, second] if number % 2 == 0 else [second, first]
    return order


async def compare(
    *,
    operation: Operation,
    direct: Target,
    gateway: Target,
    concurrency: int,
    rounds: int,
    round_seconds: float,
    warm_up_seconds: float,
    meter: CpuMeter,
    label: str,
    report: Report,
    timer: ServerTimer | None = None,
    per_second: float | None = None,
    catch_up: CatchUp | None = None,
) -> Comparison:
    """Warm both sides up, then measure ``rounds`` rounds of each, interleaved (with the
    services' own time per side when ``timer`` reads it); ``concurrency`` requests in flight,
    or with ``per_second`` requests sent at that steady rate. With ``catch_up``, every round
    starts once the feed's projection has applied what the ones before created (a post's
    fan-out, which would otherwise run during the next round, on the other side's time)."""

    async def caught_up() -> float:
        return 0.0 if catch_up is None else await catch_up()

    async def load(target: Target, seconds: float) -> RoundResult:
        if per_second is None:
            return await run_round(
                target=target, operation=operation, concurrency=concurrency, seconds=seconds
            )
        return await run_steady_round(
            target=target, operation=operation, per_second=per_second, seconds=seconds
        )

    for target in (direct, gateway):
        await load(target, warm_up_seconds)
    await caught_up()
    results: dict[str, list[RoundResult]] = {direct.side: [], gateway.side: []}
    usages: dict[str, list[CpuUsage]] = {direct.side: [], gateway.side: []}
    server: dict[str, ServerTimes] = {direct.side: ServerTimes(), gateway.side: ServerTimes()}
    catch_up_seconds = {direct.side: 0.0, gateway.side: 0.0}
    for number, target in enumerate(round_order(rounds, direct, gateway)):
        before = await timer.snapshot() if timer else None
        with meter.phase(f"{label} {target.side} {number}") as usage:
            result = await load(target, round_seconds)
        if timer and before:
            server[target.side] += await timer.snapshot() - before
        results[target.side].append(result)
        usages[target.side].append(usage)
        catch_up_seconds[target.side] += await caught_up()
    sides = {
        side: _side(
            side,
            results[side],
            usages[side],
            server[side] if timer else None,
            catch_up_seconds[side],
        )
        for side in results
    }
    comparison = Comparison(
        operation=operation.name,
        concurrency=concurrency,
        rounds=rounds,
        round_seconds=round_seconds,
        direct=sides[direct.side],
        gateway=sides[gateway.side],
        per_second=per_second,
    )
    report(
        f"{label}: direct {comparison.direct.per_second:,.0f}/s "
        f"p50 {comparison.direct.latency.p50:.1f} ms, gateway "
        f"{comparison.gateway.per_second:,.0f}/s p50 {comparison.gateway.latency.p50:.1f} ms "
        f"(ratio {comparison.throughput_ratio:.2f}, +{comparison.p50_added_ms:.1f} ms)"
    )
    return comparison


def _side(
    side: str,
    rounds: Sequence[RoundResult],
    usages: Sequence[CpuUsage],
    server: ServerTimes | None,
    catch_up_seconds: float,
) -> SideResult:
    durations = [value for result in rounds for value in result.durations]
    failures: Counter[str] = Counter()
    for result in rounds:
        failures.update(result.failures)
    return SideResult(
        side=side,
        requests=len(durations),
        seconds=sum(result.seconds for result in rounds),
        latency=distribution(durations or [float("inf")]),
        round_rates=[result.per_second for result in rounds],
        failures=dict(failures),
        cpu=_summed(usages),
        server=server,
        catch_up_seconds=catch_up_seconds,
    )


def _summed(usages: Sequence[CpuUsage]) -> CpuUsage:
    total = CpuUsage(wall_seconds=sum(usage.wall_seconds for usage in usages))
    for usage in usages:
        for name, seconds in usage.cpu_seconds.items():
            total.cpu_seconds[name] = total.cpu_seconds.get(name, 0.0) + seconds
    return total
