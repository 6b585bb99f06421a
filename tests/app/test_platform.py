"""Configuration, database settings, migrations, error pages and the command line."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from app import demo
from app.config import database_url, read_or_create_secret
from app.database import write_transaction
from app.extensions import db
from app.models import Member, User


def test_secret_key_is_created_once_with_private_permissions(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(read_or_create_secret(path))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and len(results[0]) >= 48
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_database_url_defaults_and_postgres_spelling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIPVOTE_DATABASE_URL", raising=False)
    assert database_url(tmp_path) == f"sqlite:///{tmp_path / 'lipvote.sqlite3'}"
    monkeypatch.setenv("LIPVOTE_DATABASE_URL", "postgres://u:p@db/lipvote")
    assert database_url(tmp_path) == "postgresql+psycopg://u:p@db/lipvote"


def test_sqlite_runs_with_wal_foreign_keys_full_sync_and_busy_timeout(app: Flask) -> None:
    with app.app_context():
        pragma = lambda name: db.session.execute(text(f"PRAGMA {name}")).scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("synchronous") == 2  # FULL
        assert pragma("busy_timeout") == 10_000


def test_write_transaction_takes_the_write_lock_up_front(app: Flask) -> None:
    database = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with app.app_context():
        with write_transaction():
            db.session.execute(select(1))  # a read only: a deferred BEGIN would hold no write lock yet
            other = sqlite3.connect(database, timeout=0, isolation_level=None)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            other.close()
        other = sqlite3.connect(database, timeout=0, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # released after the commit
        other.execute("ROLLBACK")
        other.close()


def test_write_transaction_rolls_back_everything_on_error(app: Flask) -> None:
    with app.app_context():
        with pytest.raises(RuntimeError):
            with write_transaction():
                db.session.add(Member(slug="half-written", name_en="x", name_fr="x", province="ON", region="ontario",
                                      setting="urban", size_class="small", holder_type="spo"))
                db.session.flush()
                raise RuntimeError("boom")
        assert db.session.scalar(select(Member).where(Member.slug == "half-written")) is None


def test_a_write_transaction_inside_another_is_refused_not_a_deadlock(app: Flask) -> None:
    """On a SQLite file the inner one would wait forever for the writers' turn the outer one
    holds; elsewhere it would end the outer one's work. Either way: refuse at once."""
    with app.app_context():
        with pytest.raises(RuntimeError, match="inside write_transaction"):
            with write_transaction():
                with write_transaction():
                    pass
        with write_transaction():  # the turn was given back
            db.session.execute(select(1))


def test_migrations_match_the_models(app: Flask) -> None:
    with app.app_context():
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_errors_never_show_a_traceback(app: Flask) -> None:
    @app.get("/explode")
    def explode() -> str:
        raise ZeroDivisionError("secret internals")

    client = app.test_client()
    response = client.get("/explode")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page
    assert "secret internals" not in page and "Traceback" not in page
    as_json = client.get("/explode", headers={"Accept": "application/json"})
    assert as_json.status_code == 500 and as_json.json["status"] == 500
    missing = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert missing.status_code == 404 and missing.json["error"] == "Page not found"


def test_security_headers(client: FlaskClient) -> None:
    response = client.get("/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_demo_loads_once_into_an_empty_database(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "DEMO DATA" in result.output and demo.DEMO_PASSWORD in result.output
    with app.app_context():
        members = list(db.session.scalars(select(Member)))
        assert len(members) == len(demo.LIPS) == 80
        assert {m.region for m in members} >= {"atlantic", "ontario", "prairies_nt", "bc_yukon"}
        assert {m.setting for m in members} == {"urban", "rural"}
        assert {m.holder_type for m in members} == {"spo", "municipal"}
        assert {m.size_class for m in members} == {"small", "medium", "large"}
        seed_lips = {"toronto-south", "halton", "pei", "halifax", "calgary", "south-okanagan", "ottawa",
                     "bow-valley", "regina-region", "st-johns"}
        assert seed_lips <= {m.slug for m in members}
        roles = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
        assert {r.value: n for r, n in roles.items()} == {"admin": 1, "chair": 2, "delegate": len(demo.LIPS),
                                                          "auditor": 1, "observer": 1, "expert": 1}
    again = runner.invoke(args=["demo"])
    assert again.exit_code != 0 and "already holds" in again.output
    quiet = runner.invoke(args=["demo", "--if-empty"])
    assert quiet.exit_code == 0 and "Demo logins" in quiet.output
    client = app.test_client()
    from tests.conftest import sign_in

    assert sign_in(client, "chair@demo.example", demo.DEMO_PASSWORD).status_code == 302
    assert "Demo data" in client.get("/home").get_data(as_text=True)


def test_create_admin_prints_a_single_use_link(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "Root@Example.org", "Federation Admin"])
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1].strip()
    assert "/invite/" in link
    client = app.test_client()
    assert client.get(link[link.index("/invite/"):]).status_code == 200
    bad = runner.invoke(args=["create-admin", "not-an-address", "X"])
    assert bad.exit_code != 0 and "not a valid e-mail address" in bad.output
    twice = runner.invoke(args=["create-admin", "root@example.org", "Again"])
    assert twice.exit_code != 0 and "already exists" in twice.output


def test_the_tests_refuse_a_request_that_writes_without_beginning_as_a_write(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    """The guard behind every web test: on SQLite a deferred read upgraded to a write fails with
    "database is locked" under concurrent writers, so no request may write that way."""
    from app.models import SiteSetting

    @app.post("/_deferred_write")
    def deferred_write() -> str:
        SiteSetting.put("probe", "deferred")
        db.session.commit()
        return "written"

    @app.post("/_immediate_write")
    def immediate_write() -> str:
        with write_transaction():
            SiteSetting.put("probe", "immediate")
        return "written"

    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    assert client.post("/_deferred_write").status_code == 500
    assert "a request wrote outside write_transaction()" in caplog.text
    assert client.post("/_immediate_write").status_code == 200
