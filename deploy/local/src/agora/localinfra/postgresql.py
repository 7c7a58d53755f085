"""PostgreSQL for FerretDB's postgresql backend: its binaries, cluster, settings and probe."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from agora.localinfra.errors import InfraError
from agora.localinfra.paths import RunLayout, write_if_changed
from agora.localinfra.profiles import Profile
from agora.localinfra.tools import run_logged

POSTGRESQL = "postgresql"
DATABASE = "ferretdb"
"""The database FerretDB keeps its schemas (one per MongoDB database) in."""
ROLE = "ferretdb"
"""The cluster's superuser, made by initdb; FerretDB connects as it."""
BIN_DIR_VARIABLE = "AGORA_POSTGRESQL_BIN_DIR"
OS_USER_VARIABLE = "AGORA_POSTGRESQL_OS_USER"
_DEFAULT_OS_USER = "postgres"
_SERVER_TOOLS = ("initdb", "postgres", "pg_isready")
_DEBIAN_BIN_DIRS = Path("/usr/lib/postgresql")
_PROBE_TIMEOUT_SECONDS = 3
# A unix socket path must fit in sockaddr_un.sun_path; ".s.PGSQL.<port>" is appended.
_MAX_SOCKET_DIR = 90

# Only loopback, and only without a password: the cluster lives and dies with the run directory.
PG_HBA = """\
# Written by agora-infra: local sockets and loopback TCP only, no password.
local all all               trust
host  all all 127.0.0.1/32  trust
host  all all ::1/128       trust
"""


def settings(profile: Profile, layout: RunLayout) -> dict[str, str]:
    """Return the server settings, passed as ``-c`` options so the command shows all of them.

    Durability matches the SQLite backend's promise: a crash of any process loses no write
    that was acknowledged. ``synchronous_commit=off`` would break that (a commit is
    acknowledged while its WAL is still in shared memory, which a server crash discards), so it
    stays on; ``fsync`` stays on too (turning it off keeps process-crash safety but an OS crash
    can then corrupt the cluster, not just lose the last commits), and a WAL flush costs about
    0.3 ms here (pg_test_fsync: fdatasync ~3,000/s).
    """
    return {
        "listen_addresses": "127.0.0.1",
        "port": str(profile.postgresql_port),
        "unix_socket_directories": str(socket_dir(layout)),
        "fsync": "on",
        "synchronous_commit": "on",
        "full_page_writes": "on",
        # FerretDB's pool, plus headroom for probes and psql.
        "max_connections": str(FERRETDB_POOL_SIZE + 20),
        "shared_buffers": "256MB",
        # FerretDB's jsonb scans cross the JIT cost threshold on large collections; compiling
        # costs more than those short queries gain.
        "jit": "off",
        # A writer waiting on another's row lock for over a second is logged: duplicate-key
        # inserts wait for the first inserter's transaction, which is where hangs show up.
        "log_lock_waits": "on",
        "deadlock_timeout": "1s",
        "log_line_prefix": "%m [%p] %a ",
        "log_timezone": "UTC",
    }


@dataclass(frozen=True)
class PostgresqlServer:
    """The server binaries and the account that runs them (None: the current one)."""

    bin_dir: Path
    os_user: str | None

    def tool(self, name: str) -> Path:
        """Return the path of one of the server's programs."""
        return self.bin_dir / name


def _has_server_tools(directory: Path) -> bool:
    return all(os.access(directory / tool, os.X_OK) for tool in _SERVER_TOOLS)


def _version_key(directory: Path) -> tuple[int, ...]:
    # /usr/lib/postgresql/15/bin -> (15,); the newest installed major version wins.
    return tuple(int(part) for part in re.findall(r"\d+", directory.parent.name))


def _bin_dir(env: Mapping[str, str]) -> Path:
    override = env.get(BIN_DIR_VARIABLE)
    if override:
        if _has_server_tools(Path(override)):
            return Path(override)
        raise InfraError(f"{BIN_DIR_VARIABLE}={override} has no {', '.join(_SERVER_TOOLS)}")
    on_path = shutil.which("postgres")
    candidates = [Path(on_path).parent] if on_path else []
    if _DEBIAN_BIN_DIRS.is_dir():
        candidates += sorted(_DEBIAN_BIN_DIRS.glob("*/bin"), key=_version_key, reverse=True)
    for candidate in candidates:
        if _has_server_tools(candidate):
            return candidate
    raise InfraError(
        "PostgreSQL server binaries (initdb, postgres) not found, needed by "
        "AGORA_FERRETDB_BACKEND=postgresql: apt-get install -y postgresql-15, "
        f"or set {BIN_DIR_VARIABLE}"
    )


def _os_user(env: Mapping[str, str]) -> str | None:
    if os.geteuid() != 0:
        return None
    # PostgreSQL refuses to run as root.
    name = env.get(OS_USER_VARIABLE) or _DEFAULT_OS_USER
    try:
        pwd.getpwnam(name)
    except KeyError:
        raise InfraError(
            f"PostgreSQL refuses to run as root and there is no account {name!r} to run it as: "
            f"create one (the postgresql package does) or set {OS_USER_VARIABLE}"
        ) from None
    return name


def find_server(environ: Mapping[str, str] | None = None) -> PostgresqlServer:
    """Find the PostgreSQL server binaries and the account to run them as."""
    env = os.environ if environ is None else environ
    return PostgresqlServer(_bin_dir(env), _os_user(env))


def data_dir(layout: RunLayout) -> Path:
    """The cluster's data directory (PGDATA)."""
    return layout.data(POSTGRESQL)


def socket_dir(layout: RunLayout) -> Path:
    """The directory of the server's unix socket, inside the run directory."""
    return layout.root / "postgresql-socket"


def _give_to(server: PostgresqlServer, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    if server.os_user is not None:
        shutil.chown(directory, user=server.os_user)
    directory.chmod(0o700)


def prepare_cluster(server: PostgresqlServer, layout: RunLayout) -> None:
    """Create the cluster and FerretDB's database once; later calls only refresh pg_hba.conf."""
    sockets = socket_dir(layout)
    if len(str(sockets)) > _MAX_SOCKET_DIR:
        raise InfraError(
            f"run directory {layout.root} is too long for PostgreSQL's unix socket: "
            "set AGORA_RUN_DIR to a shorter path"
        )
    _give_to(server, sockets)
    target = data_dir(layout)
    if not (target / "PG_VERSION").is_file():
        _initialise(server, layout, target)
    if write_if_changed(target / "pg_hba.conf", PG_HBA) and server.os_user is not None:
        shutil.chown(target / "pg_hba.conf", user=server.os_user)


def _initialise(server: PostgresqlServer, layout: RunLayout, target: Path) -> None:
    # Built aside and renamed, so an interrupted initdb never looks like a cluster.
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    _give_to(server, partial)
    log_file = layout.log("postgresql-init")
    run_logged(
        [
            str(server.tool("initdb")),
            f"--pgdata={partial}",
            f"--username={ROLE}",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
        ],
        log_file=log_file,
        what="PostgreSQL initdb",
        cwd=partial,
        user=server.os_user,
    )
    # Single-user mode creates the database before any server listens, so FerretDB never
    # sees a cluster without it.
    run_logged(
        [str(server.tool("postgres")), "--single", "-D", str(partial), "postgres"],
        log_file=log_file,
        what="creating FerretDB's PostgreSQL database",
        cwd=partial,
        user=server.os_user,
        stdin_text=f"CREATE DATABASE {DATABASE};\n",
    )
    if target.is_dir():
        shutil.rmtree(target)
    partial.rename(target)


def server_command(server: PostgresqlServer, profile: Profile, layout: RunLayout) -> list[str]:
    """Return the command that runs the server in the foreground."""
    command = [str(server.tool("postgres")), "-D", str(data_dir(layout))]
    for name, value in settings(profile, layout).items():
        command += ["-c", f"{name}={value}"]
    return command


FERRETDB_POOL_SIZE = 200
"""FerretDB's connection pool (its default is 50). An update or findAndModify statement holds
one connection for its query while it takes a second for its write, so as many commands
running at once as the pool has connections can wait for each other for ever; the pool must
therefore exceed the commands FerretDB's clients can run at once."""


def ferretdb_url(profile: Profile) -> str:
    """Return the ``--postgresql-url`` FerretDB connects with."""
    return (
        f"postgres://{ROLE}@127.0.0.1:{profile.postgresql_port}/{DATABASE}"
        f"?pool_max_conns={FERRETDB_POOL_SIZE}"
    )


def postgresql_problem(server: PostgresqlServer, profile: Profile) -> str | None:
    """Ask pg_isready whether the server accepts connections to FerretDB's database."""
    address = f"127.0.0.1:{profile.postgresql_port}"
    try:
        result = subprocess.run(
            [
                str(server.tool("pg_isready")),
                "--host=127.0.0.1",
                f"--port={profile.postgresql_port}",
                f"--dbname={DATABASE}",
                f"--username={ROLE}",
                f"--timeout={_PROBE_TIMEOUT_SECONDS}",
            ],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=_PROBE_TIMEOUT_SECONDS + 2,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"pg_isready failed ({type(error).__name__})"
    if result.returncode != 0:
        return f"{address} not accepting connections ({result.stdout.strip() or result.returncode})"
    return None
