"""A throw-away PostgreSQL cluster for tests that must run on the real server.

The cluster lives in a temporary folder, listens only on a Unix socket there, and is stopped at
the end. As root, initdb and the server run as the `postgres` system user (PostgreSQL refuses
to run as root). A missing server fails the test with one sentence; it is never skipped.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import pytest


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"PostgreSQL's {name} is not installed (apt-get install postgresql); `make test` installs it when run as root.")
    return path


def _as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def start_cluster() -> Iterator[str]:
    """Yield a SQLAlchemy URL of a fresh database on a private cluster; stop and remove it after."""
    # Not under pytest's tmp_path: its parents are private to root, and the server runs as postgres.
    folder = Path(tempfile.mkdtemp(prefix="lipvote-pg-"))
    data, sockets = folder / "data", folder / "sockets"
    data.mkdir()
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(data, "postgres")
        shutil.chown(sockets, "postgres")
    run = lambda args: subprocess.run(_as_server_user(args), check=True, capture_output=True, text=True)  # noqa: E731
    run([_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
    run([_bin("pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w", "-o",
         f"-k {sockets} -c listen_addresses='' -c fsync=off", "start"])
    try:
        run([_bin("createdb"), "-h", str(sockets), "-U", "postgres", "lipvote"])
        yield f"postgresql+psycopg://postgres@/lipvote?host={sockets}"
    finally:
        subprocess.run(_as_server_user([_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
