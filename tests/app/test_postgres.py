"""The same app, migrations and demo on a real PostgreSQL server (docs/configuration.md)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from app import demo
from app.extensions import db
from app.models import Member
from tests.conftest import make_app, post_form, sign_in
from tests.postgres import start_cluster

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    yield from start_cluster()


@pytest.fixture
def pg_app(pg_url: str, tmp_path: Path) -> Iterator[Flask]:
    from flask_migrate import downgrade, upgrade

    app = make_app(tmp_path, tmp_path / "unused.sqlite3", SQLALCHEMY_DATABASE_URI=pg_url)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()


def test_app_runs_on_postgresql(pg_app: Flask) -> None:
    with pg_app.app_context():
        assert db.engine.dialect.name == "postgresql"
        demo.load()
    client = pg_app.test_client()
    assert sign_in(client, "admin@demo.example", demo.DEMO_PASSWORD).status_code == 302
    assert "Administration" in client.get("/home").get_data(as_text=True)
    csv = ("slug,name_en,name_fr,province,setting,size_class,holder_type\r\n"
           "kingston,Kingston LIP,PLI de Kingston,ON,urban,medium,municipal\r\n"
           "halifax,Duplicate,PLI,NS,urban,large,municipal\r\n")
    refused = post_form(client, "/members/import", {"file": (io.BytesIO(csv.encode()), "m.csv")},
                        content_type="multipart/form-data")
    assert refused.status_code == 422
    with pg_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Member)) == len(demo.LIPS)
    # The partial unique index (one primary delegate per member) holds on PostgreSQL too.
    second_primary = post_form(client, "/accounts/new", {
        "email": "x@example.org", "display_name": "X", "role": "delegate", "member": "halifax",
        "delegate_rank": "primary", "locale": "en"})
    assert second_primary.status_code == 422


def test_hostile_ids_text_and_the_nfc_migration_on_postgresql(pg_app: Flask) -> None:
    import unicodedata

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from app.whole_numbers import MAX_ID

    client = pg_app.test_client()
    # ids beyond int4 (the id columns) and int8, and other scripts' digits: 404, not a driver error
    for path in (f"/audit/motions/{MAX_ID}", f"/audit/motions/{MAX_ID + 1}", f"/results/motions/{2**63}",
                 f"/motions/1/receipts/{MAX_ID + 1}", "/audit/motions/99999999999999999999", "/audit/motions/\u0661"):
        assert client.get(path).status_code == 404, path
    nfd = unicodedata.normalize("NFD", "Lévis LIP")
    with pg_app.app_context():
        demo.load()
        downgrade(revision="d7a1f3c9e2b4")
        db.session.execute(text(
            "INSERT INTO member (slug, name_en, name_fr, province, region, setting, size_class, holder_type, clusters, "
            "active, created_at) VALUES ('levis', :n, :n, 'QC', 'quebec', 'urban', 'small', 'spo', '', true, now())"),
            {"n": nfd})
        db.session.commit()
        upgrade()
        assert db.session.scalar(select(Member.name_en).where(Member.slug == "levis")) == "Lévis LIP"
    assert sign_in(client, "admin@demo.example", demo.DEMO_PASSWORD).status_code == 302
    lookalike = post_form(client, "/members/new", {
        "slug": "levis-2", "name_en": "LÉVIS  lip", "name_fr": "PLI de Lévis", "province": "QC", "setting": "urban",
        "size_class": "small", "population": "", "holder_type": "spo", "clusters": "", "active": "y"})
    assert lookalike.status_code == 422 and "Another member (levis) already has this name" in lookalike.get_data(as_text=True)
