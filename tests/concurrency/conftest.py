"""Fixtures for tests that run gunicorn: an empty migrated database on each engine.

`engine_url` is parametrised over SQLite and PostgreSQL, so every test that takes it runs on
both. The PostgreSQL cluster (fsync off: only speed differs) is started once per module and
gives each test its own database.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask

from app import create_app
from app.extensions import db
from bench.loadkit.federation import migrate
from bench.loadkit.postgres import PostgresCluster
from bench.loadkit.server import app_config
from tests.postgres import running_cluster

ENGINES = ["sqlite", "postgresql"]
_database_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def pg_cluster() -> Iterator[PostgresCluster]:
    yield from running_cluster(durable=False)


@pytest.fixture(params=ENGINES)
def engine_url(request: pytest.FixtureRequest, tmp_path: Path, migrated_database: Path) -> str:
    """The URL of an empty, migrated database on the engine the test is parametrised with."""
    if request.param == "sqlite":
        database = tmp_path / "lipvote.sqlite3"
        shutil.copyfile(migrated_database, database)
        return f"sqlite:///{database}"
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    url = cluster.create_database(f"lipvote_{next(_database_numbers)}")
    app = create_app(app_config(url, tmp_path))
    migrate(app)
    with app.app_context():
        db.engine.dispose()
    return url


@pytest.fixture
def served_app(engine_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app in this process on the same database and keys as the gunicorn the test starts."""
    app = create_app(app_config(engine_url, tmp_path))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
