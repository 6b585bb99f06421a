"""The outbox on a real PostgreSQL server: the claim (FOR UPDATE SKIP LOCKED), delivery, the
bulk invitation and the migration down and up again."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask

from app.extensions import db
from app.mail import delivery
from tests.conftest import _add_people, csrf_token, make_app, sign_in
from tests.mail_server import MailServer, server  # noqa: F401  (fixture)
from tests.postgres import start_cluster

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    yield from start_cluster()


@pytest.fixture
def pg_app(pg_url: str, tmp_path: Path, server: MailServer) -> Iterator[Flask]:
    from flask_migrate import downgrade, upgrade

    app = make_app(tmp_path, tmp_path / "unused.sqlite3", SQLALCHEMY_DATABASE_URI=pg_url, **server.config())
    with app.app_context():
        upgrade()
        _add_people()
    yield app
    with app.app_context():
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()


def test_bulk_invitations_are_delivered_once_on_postgresql(pg_app: Flask, server: MailServer) -> None:
    client = pg_app.test_client()
    assert sign_in(client, "admin@example.org").status_code == 302
    csv = "member,name,email,language,rank\nbow-valley,Jane Doe,jane@example.org,en,primary\nhalifax,Sam Lee,sam@example.org,fr,alternate\n"
    preview = client.post("/accounts/invitations/preview", content_type="multipart/form-data",
                          data={"csrf_token": csrf_token(client, "/accounts/invitations"),
                                "file": (io.BytesIO(csv.encode()), "d.csv")})
    assert preview.status_code == 200
    checked = preview.get_data(as_text=True).split('name="csv" type="hidden" value="')[1].split('"')[0]
    sent = client.post("/accounts/invitations/send", data={"csrf_token": csrf_token(client, "/accounts/invitations"),
                                                          "csv": checked})
    assert sent.status_code == 303
    with pg_app.app_context():
        assert len(delivery.deliver_due().sent) == 2
        assert delivery.deliver_due().sent == []
    assert sorted(rcpt for [rcpt] in server.inbox.envelopes) == ["jane@example.org", "sam@example.org"]
