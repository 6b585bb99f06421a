"""Per-request work kept small under load (issue 12): what every page or cast no longer repeats."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from app import demo
from app.database import write_transaction
from app.extensions import db
from app.models import SiteSetting
from tests.app.motion_helpers import draft_motion, open_now
from tests.conftest import sign_in


def test_sqlite_connections_are_not_pinged_on_every_checkout(app: Flask) -> None:
    with app.app_context():
        assert db.engine.dialect.name == "sqlite"
        assert db.engine.pool._pre_ping is False


def test_a_demo_flag_once_seen_is_kept_without_asking_again(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    with app.app_context():
        assert demo.is_demo() is False
        with write_transaction():
            SiteSetting.put(demo.DEMO_FLAG, "yes")  # as `lipvote demo` in another process would
        assert demo.is_demo() is False  # a "no" is read again only after the recheck interval
        monkeypatch.setattr(demo, "DEMO_FLAG_RECHECK_SECONDS", 0.0)
        assert demo.is_demo() is True
        monkeypatch.setattr(SiteSetting, "get", classmethod(lambda cls, key: pytest.fail("asked the database again")))
        assert demo.is_demo() is True


def test_loading_the_demo_shows_its_banner_at_once(app: Flask) -> None:
    with app.app_context():
        assert demo.is_demo() is False
        demo.load()
        assert demo.is_demo() is True


def _statements_for(app: Flask, client: FlaskClient, path: str, containing: str = "") -> int:
    """How many SQL statements (those containing `containing`) one GET of `path` runs."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if containing in statement:
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_the_delegates_list_costs_the_same_queries_however_many_motions_are_open(demo_app: Flask) -> None:
    client = demo_app.test_client()
    assert sign_in(client, "delegate.halifax@demo.example", demo.DEMO_PASSWORD).status_code == 302
    client.get("/motions/ballots")  # warm: the schedule's first look, the session's first refresh
    before = _statements_for(demo_app, client, "/motions/ballots")
    with demo_app.app_context():
        for n in range(3):
            open_now(draft_motion(title=f"Extra motion {n}"))
    client.get("/motions/ballots")
    after = _statements_for(demo_app, client, "/motions/ballots")
    assert after == before


def _notification_reads(app: Flask, client: FlaskClient, path: str) -> int:
    return _statements_for(app, client, path, containing="FROM notification")


def test_the_unread_count_is_read_once_per_page_and_only_where_it_is_shown(demo_app: Flask) -> None:
    client = demo_app.test_client()
    assert sign_in(client, "delegate.halifax@demo.example", demo.DEMO_PASSWORD).status_code == 302
    client.get("/home")
    # the delegate's home renders a fragment as well as the page: the count is still read once
    assert _notification_reads(demo_app, client, "/home") == 1
    client.post("/logout", data={})
    anonymous = demo_app.test_client()
    assert _notification_reads(demo_app, anonymous, "/login") == 0
