"""Fixtures for the comment and amendment tests: a proposal, and delegates of two members."""

from __future__ import annotations

from typing import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.database import write_transaction
from app.deliberation import service
from app.deliberation.models import Proposal
from app.deliberation.text import ClauseText
from app.extensions import db
from app.models import DelegateRank, Member, Role
from tests.app.conftest import compiled_catalogues  # noqa: F401  (the .mo files the pages need)
from tests.conftest import Person, add_user, csrf_token, sign_in

SLUG = "workplan"
V1 = [ClauseText("1", "Goals", "Objectifs", "We meet every month.", "Nous nous réunissons chaque mois."),
      ClauseText("2", "Reports", "Rapports", "The chair reports each year.", "La présidence fait rapport chaque année.")]


@pytest.fixture
def proposal(app: Flask, people: dict[str, Person]) -> str:
    with app.test_request_context(), write_transaction():
        service.create_proposal(title_en="Workplan", title_fr="Plan de travail", clauses=V1)
    return SLUG


@pytest.fixture
def delegates(app: Flask, people: dict[str, Person]) -> dict[str, Person]:
    """`delegate` (Halifax, from `people`), `alternate` (also Halifax), `bow` (Bow Valley)."""
    with app.app_context():
        halifax = db.session.scalar(db.select(Member).where(Member.slug == "halifax"))
        bow = db.session.scalar(db.select(Member).where(Member.slug == "bow-valley"))
        alternate = add_user("alternate@example.org", Role.DELEGATE, halifax, DelegateRank.ALTERNATE)
        bow_delegate = add_user("bow@example.org", Role.DELEGATE, bow, DelegateRank.PRIMARY)
        db.session.commit()
        return {"delegate": people["delegate"], "alternate": Person(alternate.id, alternate.email),
                "bow": Person(bow_delegate.id, bow_delegate.email)}


@pytest.fixture
def as_user(client: FlaskClient) -> Callable[[str], FlaskClient]:
    """Sign the test client in as `email`, signing out whoever was signed in."""
    state = {"signed_in": False}

    def switch(email: str) -> FlaskClient:
        if state["signed_in"]:
            client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
        assert sign_in(client, email).status_code == 302
        state["signed_in"] = True
        return client

    return switch


def load_proposal(slug: str = SLUG) -> Proposal:
    proposal = db.session.scalar(db.select(Proposal).where(Proposal.slug == slug))
    assert proposal is not None
    return proposal
