"""Per-request work kept small under load (issue 12): what every page or cast no longer repeats."""

from __future__ import annotations

import pytest
from flask import Flask

from app import demo
from app.database import write_transaction
from app.extensions import db
from app.models import SiteSetting


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
