"""Temporary subject-matter experts: what an expert may do on the proposal it is invited to,
before and after the invitation ends, and on another proposal; the chair's invite and end."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.database import write_transaction
from app.deliberation import experts, service
from app.deliberation.comments import Comment
from app.deliberation.text import ClauseText
from app.extensions import db
from app.models import AuditEvent, Role, User, utcnow
from tests.conftest import Person, add_user, csrf_token, sign_in

EXPERT_EMAIL = "expert@example.org"


@pytest.fixture
def setting(app: Flask, people: dict[str, Person]) -> None:
    with app.test_request_context(), write_transaction():
        invited = service.create_proposal(title_en="Workplan", title_fr="Plan de travail",
                                          clauses=[ClauseText("1", "Goals", "Objectifs", "Meet.", "Se réunir.")])
        service.create_proposal(title_en="Vision", title_fr="Vision",
                                clauses=[ClauseText("1", "Vision", "Vision", "See.", "Voir.")])
        expert = add_user(EXPERT_EMAIL, Role.EXPERT)
        chair = db.session.get(User, people["chair"].id)
        experts.invite(invited, expert, utcnow() + timedelta(days=3), chair)


# What the signed-in expert gets while invited to "workplan" (not to "vision").
EXPERT_EXPECTED: dict[tuple[str, str], int] = {
    ("GET", "/home"): 200,
    ("GET", "/proposals/"): 200,
    ("GET", "/proposals/workplan"): 200,
    ("GET", "/proposals/workplan/history"): 200,
    ("GET", "/proposals/workplan/comments"): 200,
    ("GET", "/proposals/workplan/comments/new"): 200,
    ("GET", "/proposals/workplan/amendments/new"): 403,
    ("POST", "/proposals/workplan/amendments/new"): 403,
    ("GET", "/proposals/workplan/experts/new"): 403,
    ("GET", "/proposals/workplan/state"): 403,
    ("GET", "/proposals/workplan/consultations/new"): 403,
    ("GET", "/proposals/vision"): 403,
    ("GET", "/proposals/vision/comments/new"): 403,
    ("GET", "/proposals/new"): 403,
    ("GET", "/motions/"): 403,
    ("GET", "/members/"): 403,
}


def _statuses(client: FlaskClient) -> dict[tuple[str, str], int]:
    got = {}
    for method, url in EXPERT_EXPECTED:
        response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": csrf_token(client, "/home")})
        got[(method, url)] = response.status_code
    return got


def test_expert_reads_and_comments_only_where_invited(client: FlaskClient, app: Flask, setting: None) -> None:
    assert sign_in(client, EXPERT_EMAIL).status_code == 302
    assert _statuses(client) == EXPERT_EXPECTED
    listing = client.get("/proposals/").get_data(as_text=True)
    assert "Workplan" in listing and "Vision" not in listing
    assert "Workplan" in client.get("/home").get_data(as_text=True)
    token = csrf_token(client, "/proposals/workplan/comments/new")
    response = client.post("/proposals/workplan/comments/new",
                           data={"csrf_token": token, "body": "Settlement data support goal 1.", "clause": ""})
    assert response.status_code == 302
    page = client.get("/proposals/workplan/comments").get_data(as_text=True)
    assert "Subject-matter expert" in page
    with app.app_context():
        comment = db.session.scalar(select(Comment))
        assert comment is not None and comment.member_id is None


def test_after_expiry_the_expert_gets_403_with_a_reason(client: FlaskClient, app: Flask, setting: None) -> None:
    with app.app_context(), write_transaction():
        grant = db.session.scalar(select(experts.ProposalExpert))
        grant.expires_at = utcnow() - timedelta(minutes=1)
    assert sign_in(client, EXPERT_EMAIL).status_code == 302
    response = client.get("/proposals/workplan")
    assert response.status_code == 403
    assert "invitation has ended" in response.get_data(as_text=True)
    assert client.get("/proposals/workplan/comments/new").status_code == 403
    assert "Workplan" not in client.get("/proposals/").get_data(as_text=True)


def test_chair_invites_and_ends_in_the_audit_trail(client: FlaskClient, app: Flask, people: dict[str, Person],
                                                   setting: None) -> None:
    with app.app_context(), write_transaction():
        add_user("second@example.org", Role.EXPERT)
    assert sign_in(client, people["chair"].email).status_code == 302
    assert "Experts" in client.get("/proposals/vision").get_data(as_text=True)
    token = csrf_token(client, "/proposals/vision/experts/new")
    refused = client.post("/proposals/vision/experts/new",
                          data={"csrf_token": token, "email": people["delegate"].email, "expires_at": "2099-01-01T10:00"})
    assert refused.status_code == 422 and "not an active subject-matter expert" in refused.get_data(as_text=True)
    past = client.post("/proposals/vision/experts/new",
                       data={"csrf_token": token, "email": "second@example.org", "expires_at": "2001-01-01T10:00"})
    assert past.status_code == 422
    response = client.post("/proposals/vision/experts/new",
                           data={"csrf_token": token, "email": "Second@example.org", "expires_at": "2099-01-01T10:00"})
    assert response.status_code == 302
    with app.app_context():
        grant_id = db.session.scalar(select(experts.ProposalExpert.id).where(
            experts.ProposalExpert.proposal.has(slug="vision")))
    assert grant_id is not None
    page = client.get("/proposals/vision").get_data(as_text=True)
    assert "invited until" in page and "1 January 2099" in page
    ended = client.post(f"/proposals/vision/experts/{grant_id}/end", data={"csrf_token": token})
    assert ended.status_code == 302
    again = client.post(f"/proposals/vision/experts/{grant_id}/end", data={"csrf_token": token})
    assert again.status_code == 409
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.target.like("proposal:vision/expert:%")).order_by(AuditEvent.id)))
    assert actions == ["proposal.expert.invite", "proposal.expert.end"]
