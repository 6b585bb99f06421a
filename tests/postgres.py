"""A throw-away PostgreSQL cluster for tests that must run on the real server.

The cluster itself is `bench.loadkit.postgres` (the load bench starts the same one with fsync
on). Tests run it with fsync off: faster, and nothing a query returns depends on it. A missing
server fails the test with one sentence; it is never skipped.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import pytest

from bench.loadkit.postgres import MissingServer, PostgresCluster, cluster


@contextmanager
def _cluster_or_fail(durable: bool) -> Iterator[PostgresCluster]:
    try:
        with cluster(durable) as server:
            yield server
    except MissingServer as e:
        pytest.fail(str(e))


def running_cluster(durable: bool = False) -> Iterator[PostgresCluster]:
    """Yield a started cluster (for fixtures that create one database per test); stop it after."""
    with _cluster_or_fail(durable) as server:
        yield server


def start_cluster(durable: bool = False) -> Iterator[str]:
    """Yield a SQLAlchemy URL of a fresh database on a private cluster; stop and remove it after."""
    with _cluster_or_fail(durable) as server:
        yield server.create_database("lipvote")
