"""agora-infra: install, start, stop and inspect the local Kafka, Elasticsearch and FerretDB."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from agora.localinfra import demo
from agora.localinfra.errors import ComponentError, InfraError
from agora.localinfra.identity import sign_token
from agora.localinfra.install import install
from agora.localinfra.paths import deploy_dir, tail_lines
from agora.localinfra.profiles import PROFILE_NAMES
from agora.localinfra.services import load_services
from agora.localinfra.stack import ComponentStatus, LocalStack
from agora.localinfra.welcome import getting_started

DEMO_PROFILE = "dev"


def _report(message: str) -> None:
    print(f"agora-infra: {message}", file=sys.stderr, flush=True)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _print_table(statuses: Sequence[ComponentStatus]) -> None:
    rows = [("COMPONENT", "ADDRESS", "STATUS", "LOG")]
    for status in statuses:
        health = status.state.lower()
        if status.state == "RUNNING":
            health = "ready" if status.healthy else "not ready"
        rows.append((status.name, status.address, health, _shown(status.log_file)))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        print("  ".join(cells) + "  " + row[3])
    for status in statuses:
        if not status.healthy and status.state == "RUNNING":
            print(f"{status.name}: {status.problem}")


def _up(stack: LocalStack, timeout: float, load_demo: bool) -> int:
    started = time.monotonic()
    try:
        stack.start(timeout=timeout)
    except ComponentError as error:
        _report(f"{error}\n--- last lines of the {error.component} log ---\n{error.log_tail}")
        return 1
    _report(f"{stack.profile.name} stack ready in {time.monotonic() - started:.1f}s")
    _print_table(stack.status())
    if stack.profile.run_services:
        welcome = getting_started(load_services(deploy_dir() / "services.toml"))
        if welcome is not None:
            print(welcome, flush=True)
    if load_demo and stack.profile.name == DEMO_PROFILE:
        return _demo(stack, demo.CONCURRENCY, 1.0)
    return 0


def _demo(stack: LocalStack, concurrency: int, scale: float) -> int:
    if stack.profile.name != DEMO_PROFILE:
        raise InfraError(f"the demo organisation is loaded into the {DEMO_PROFILE} stack only")
    try:
        summary = demo.run_demo(stack.layout.root, _report, concurrency=concurrency, scale=scale)
    except InfraError as error:
        _report(f"{error}\n`agora-infra demo` (or `make up`) resumes loading the demo")
        return 1
    print(demo.try_it(summary, demo.gateway_url()))
    return 0


def _status(stack: LocalStack) -> int:
    statuses = stack.status()
    _print_table(statuses)
    return 0 if all(status.healthy for status in statuses) else 1


def _logs(stack: LocalStack, component: str | None, follow: bool, lines: int) -> int:
    names = [component] if component else [*stack.program_names(), "supervisord"]
    files = [stack.layout.log(name) for name in names]
    if follow:
        return subprocess.call(["tail", "-n", str(lines), "-F", *map(str, files)])
    for name, log_file in zip(names, files, strict=True):
        if component is None:
            print(f"==> {name}: {_shown(log_file)} <==")
        print(tail_lines(log_file, lines))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agora-infra",
        description="Real Kafka, Elasticsearch and FerretDB on loopback under supervisord.",
    )
    profile = argparse.ArgumentParser(add_help=False)
    profile.add_argument("--profile", choices=PROFILE_NAMES, default="dev")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("install", help="install the components into the cache")
    up = commands.add_parser("up", parents=[profile], help="start and wait until ready")
    up.add_argument("--timeout", type=float, default=300.0, help="seconds to wait (300)")
    up.add_argument(
        "--no-demo", action="store_true", help="do not load the demo organisation (dev profile)"
    )
    loader = commands.add_parser(
        "demo",
        parents=[profile],
        help="load the demo organisation into the running dev stack (resumes; once only)",
    )
    loader.add_argument(
        "--concurrency", type=int, default=demo.CONCURRENCY, help="requests in flight (8)"
    )
    loader.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="amount of content (1.0); a resumed load keeps the first run's",
    )
    commands.add_parser("down", parents=[profile], help="stop supervisord and everything it runs")
    commands.add_parser("status", parents=[profile], help="show state; exit 1 if unhealthy")
    logs = commands.add_parser("logs", parents=[profile], help="show or follow logs")
    logs.add_argument("component", nargs="?", help="kafka, elasticsearch, ferretdb, a service")
    logs.add_argument("-f", "--follow", action="store_true", help="keep following")
    logs.add_argument("-n", "--lines", type=int, default=40, help="lines to show (40)")
    token = commands.add_parser(
        "token", parents=[profile], help="print a bearer token the local services accept"
    )
    token.add_argument("person", help="the person id (the token's subject)")
    token.add_argument(
        "--demo",
        action="store_true",
        help="PERSON names a demo person (elodie.lefevre) of the loaded demo organisation",
    )
    token.add_argument("--role", action="append", default=[], help="a platform role (repeatable)")
    return parser


def _token(stack: LocalStack, person: str, roles: list[str], demo_person: bool) -> int:
    if demo_person:
        person = demo.demo_person_id(stack.layout.root, person)
    print(sign_token(stack.layout.identity_dir, person, roles))
    return 0


def _down(stack: LocalStack) -> int:
    if not stack.is_running():
        _report(f"{stack.profile.name} stack is not running")
        return 0
    stack.stop()
    _report(f"{stack.profile.name} stack stopped")
    return 0


def _install() -> int:
    install(_report)
    _report("installed")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the agora-infra command line."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "install":
            return _install()
        stack = LocalStack(args.profile, report=_report)
        handlers: dict[str, Callable[[], int]] = {
            "up": lambda: _up(stack, args.timeout, not args.no_demo),
            "demo": lambda: _demo(stack, args.concurrency, args.scale),
            "down": lambda: _down(stack),
            "status": lambda: _status(stack),
            "logs": lambda: _logs(stack, args.component, args.follow, args.lines),
            "token": lambda: _token(stack, args.person, args.role, args.demo),
        }
        return handlers[args.command]()
    except InfraError as error:
        _report(str(error))
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
