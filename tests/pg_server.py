"""A real PostgreSQL server for the tests: ``initdb`` + ``pg_ctl start`` in a temporary folder.

The server listens on a Unix socket in that folder only (no TCP, ``trust`` authentication, no
password) and is stopped at the end of the session. PostgreSQL refuses to run as root, so as
root the server runs as the system user ``parareop-pg`` (created when missing, with
``useradd``) through ``runuser``. Debian's server binaries are looked up under
``/usr/lib/postgresql/<version>/bin`` (``make setup`` installs the ``postgresql`` package);
without them the PostgreSQL tests are skipped, saying why.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from pathlib import Path

PG_USER = "parareop-pg"
_names = count(1)


def pg_bin() -> Path | None:
    """The folder of Debian's newest PostgreSQL server binaries, or one on PATH, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_server_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER],
            check=True,
            capture_output=True,
        )
    return ["runuser", "-u", PG_USER, "--"]


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a throw-away server; yields the SQLAlchemy URL of its ``postgres`` database."""
    binaries = pg_bin()
    if binaries is None:
        raise FileNotFoundError("PostgreSQL server binaries not found (make setup installs postgresql)")
    run_as = _as_server_user()
    base = Path(tempfile.mkdtemp(prefix="parareop-pg-"))
    base.chmod(0o755)
    data, sock, log = base / "data", base / "sock", base / "server.log"
    sock.mkdir()
    if run_as:
        uid = pwd.getpwnam(PG_USER).pw_uid
        for p in (base, sock):
            os.chown(p, uid, -1)
    env = {**os.environ, "LC_ALL": "C"}
    try:
        subprocess.run(
            [*run_as, str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
             "-E", "UTF8", "--no-sync", "--locale=C"],
            check=True, capture_output=True, env=env, cwd=base,
        )  # fmt: skip
        subprocess.run(
            [*run_as, str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "30",
             "-o", f"-k {sock} -c listen_addresses='' -c fsync=off -c max_connections=40", "start"],
            check=True, capture_output=True, env=env, cwd=base,
        )  # fmt: skip
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode(errors="replace").strip().splitlines()[-3:]
        tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {' | '.join(detail)} {tail}") from exc
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={sock}"
    finally:
        subprocess.run(
            [*run_as, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True, env=env, cwd=base,
        )  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """A new empty database on the server; returns its URL."""
    import psycopg

    name = f"t{os.getpid()}_{next(_names)}"
    host = server_url.split("host=", 1)[1]
    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@/{name}?host={host}"


_shared: list[str] = []


def shared_server() -> str:
    """One server for the whole test process (started on first use, stopped at exit)."""
    if not _shared:
        import atexit

        server = postgres_server()
        _shared.append(server.__enter__())
        atexit.register(server.__exit__, None, None, None)
    return _shared[0]
