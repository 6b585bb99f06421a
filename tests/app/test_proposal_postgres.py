"""Proposals on a real PostgreSQL server: the row lock, the stale-version refusal, the demo's texts."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from app import demo
from app.deliberation.models import Proposal, ProposalVersion
from app.extensions import db
from tests.app.test_postgres import pg_app, pg_url  # noqa: F401  (fixtures)
from tests.conftest import post_form, sign_in

pytestmark = pytest.mark.slow


def test_versions_and_a_stale_base_on_postgresql(pg_app: Flask) -> None:  # noqa: F811
    with pg_app.app_context():
        demo.load()
        assert db.session.scalar(select(func.count()).select_from(Proposal)) == 4
    client = pg_app.test_client()
    assert sign_in(client, "chair2@demo.example", demo.DEMO_PASSWORD).status_code == 302
    url = "/proposals/workplan-demo/versions/new"
    text = {"text_en": "## 1 First year\nMeet.", "text_fr": "## 1 Première année\nSe réunir."}
    assert post_form(client, url, {"base_version": "2", **text}).status_code == 302
    assert post_form(client, url, {"base_version": "2", **text, "text_en": "## 1 Other\nx"}).status_code == 409
    with pg_app.app_context():
        numbers = db.session.scalars(select(ProposalVersion.number).join(Proposal)
                                     .where(Proposal.slug == "workplan-demo").order_by(ProposalVersion.number))
        assert list(numbers) == [1, 2, 3]
