"""A throw-away PostgreSQL cluster: private folder, Unix socket only, removed when stopped.

`durable=True` runs it as a production server would be run (fsync on, synchronous_commit on,
full_page_writes on): the bench measures that. The unit tests pass `durable=False` (fsync
off), which changes speed only, never what a query returns. As root, initdb and the server run
as the `postgres` system user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bench.loadkit.procs import tree_cpu_seconds

DURABLE = "-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
FAST = "-c fsync=off"


class MissingServer(RuntimeError):
    """PostgreSQL's programs are not installed on this machine."""


def server_binary(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise MissingServer(f"PostgreSQL's {name} is not installed (apt-get install postgresql); "
                            "`make test` installs it when run as root.")
    return path


def _as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _run(args: list[str]) -> None:
    subprocess.run(_as_server_user(args), check=True, capture_output=True, text=True)


class PostgresCluster:
    def __init__(self, durable: bool) -> None:
        self.durable = durable
        # Not under pytest's tmp_path: its parents are private to root, and the server runs as postgres.
        self.folder = Path(tempfile.mkdtemp(prefix="lipvote-pg-"))
        self.data = self.folder / "data"
        self.sockets = self.folder / "sockets"
        self.started = False

    def start(self) -> None:
        self.data.mkdir()
        self.sockets.mkdir()
        if os.geteuid() == 0:
            for path in (self.folder, self.data, self.sockets):
                shutil.chown(path, "postgres")
        _run([server_binary("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
        settings = DURABLE if self.durable else FAST
        _run([server_binary("pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w", "-o",
              f"-k {self.sockets} -c listen_addresses='' {settings}", "start"])
        self.started = True

    def create_database(self, name: str) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        _run([server_binary("createdb"), "-h", str(self.sockets), "-U", "postgres", name])
        return f"postgresql+psycopg://postgres@/{name}?host={self.sockets}"

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])

    def cpu_seconds(self) -> float:
        """CPU used so far by the server: postmaster, backends (live and exited), helpers."""
        return tree_cpu_seconds(self.postmaster_pid()) or 0.0

    def stop(self) -> None:
        if self.started:
            subprocess.run(_as_server_user([server_binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]),
                           capture_output=True)
            self.started = False
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def cluster(durable: bool) -> Iterator[PostgresCluster]:
    """A started cluster, stopped and removed on exit (also when starting it failed half-way)."""
    server = PostgresCluster(durable)
    try:
        server.start()
        yield server
    finally:
        server.stop()
