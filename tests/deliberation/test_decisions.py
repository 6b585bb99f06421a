"""A proposal decided through the motion machinery: a chair puts the latest version to a vote,
the motion's leaf 0 names that version and its content hash, and the certified result adopts
or rejects the proposal (issue 15)."""

from __future__ import annotations

import json
from typing import Callable

from flask import Flask
from flask.testing import FlaskClient

from app.database import write_transaction
from app.deliberation import service
from app.deliberation.models import Proposal, ProposalState
from app.deliberation.text import ClauseText
from app.extensions import db
from app.models import AuditEvent
from app.motions.models import Motion, MotionState
from ballots.verify import verify_bundle
from app.motions.service import bundle_for
from tests.conftest import Person, csrf_token, post_form
from tests.deliberation.conftest import SLUG, V1, load_proposal
from tests.deliberation.test_amendments import act, propose, run_vote

VOTE = f"/proposals/{SLUG}/vote"


def make_ready(app: Flask) -> None:
    with app.test_request_context(), write_transaction():
        service.change_state(load_proposal(), ProposalState.CONSULTATION)
        service.change_state(load_proposal(), ProposalState.READY)


def put_to_vote(client: FlaskClient) -> tuple[int, int | None]:
    response = client.post(VOTE, data={"csrf_token": csrf_token(client, f"/proposals/{SLUG}")})
    if response.status_code != 303:
        return response.status_code, None
    return 303, int(response.headers["Location"].split("/motions/")[1].split("/")[0])


def test_a_carried_motion_adopts_the_version_its_leaf_names(
        app: Flask, as_user: Callable[[str], FlaskClient], people: dict[str, Person],
        delegates: dict[str, Person], proposal: str) -> None:
    make_ready(app)
    client = as_user(people["chair"].email)
    assert "Put version 1 to a vote" in client.get(f"/proposals/{SLUG}").get_data(as_text=True)
    status, motion_id = put_to_vote(client)
    assert status == 303 and motion_id is not None
    with app.app_context():
        motion = db.session.get(Motion, motion_id)
        assert motion.state is MotionState.DRAFT and motion.method == "yes_no"
        assert motion.title_en == "Adopt Workplan, version 1" and motion.title_fr == "Adopter Plan de travail, version 1"
    assert put_to_vote(client)[0] == 409  # already at a vote
    run_vote(app, client, motion_id, {delegates["delegate"].email: "yes", delegates["bow"].email: "yes"})
    with app.app_context():
        proposal_row = load_proposal()
        motion = db.session.get(Motion, motion_id)
        decided = motion.opening.leaf.decides
        assert (decided.proposal, decided.version, decided.sha256) == (SLUG, 1, proposal_row.latest.content_hash)
        assert proposal_row.state is ProposalState.ADOPTED
        assert (proposal_row.decided_by_motion_id, proposal_row.decided_version_number) == (motion_id, 1)
        report = verify_bundle(json.dumps(bundle_for(motion)))
        assert report.ok and report.summary["decides"]["sha256"] == proposal_row.latest.content_hash
        actions = [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]
    assert actions.index("proposal.to_vote") < actions.index("motion.certify") < actions.index("proposal.decided")
    page = client.get(f"/proposals/{SLUG}").get_data(as_text=True)
    assert "adopted" in page and f"/results/motions/{motion_id}" in page


def test_a_lost_motion_rejects_the_proposal(app: Flask, as_user: Callable[[str], FlaskClient], people: dict[str, Person],
                                           delegates: dict[str, Person], proposal: str) -> None:
    make_ready(app)
    client = as_user(people["chair"].email)
    motion_id = put_to_vote(client)[1]
    run_vote(app, client, motion_id, {delegates["delegate"].email: "no", delegates["bow"].email: "no"})
    with app.app_context():
        assert load_proposal().state is ProposalState.REJECTED


def test_only_a_ready_proposal_without_pending_amendments_goes_to_a_vote(
        app: Flask, as_user: Callable[[str], FlaskClient], people: dict[str, Person],
        delegates: dict[str, Person], proposal: str) -> None:
    client = as_user(people["chair"].email)
    assert put_to_vote(client)[0] == 409  # still a draft
    client = as_user(delegates["delegate"].email)
    assert propose(client).status_code == 302
    make_ready(app)
    assert put_to_vote(client)[0] == 403  # delegates do not put proposals to a vote
    client = as_user(people["chair"].email)
    assert put_to_vote(client)[0] == 409  # amendment 1 is pending
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Motion)) == 0


def test_a_version_missing_a_language_is_not_put_to_a_vote(
        app: Flask, as_user: Callable[[str], FlaskClient], people: dict[str, Person], proposal: str) -> None:
    untranslated = [V1[0], ClauseText("2", "Reports", "", "The chair reports every six months.", "")]
    with app.test_request_context(), write_transaction():
        service.add_version(load_proposal(), base_number=1, clauses=untranslated)
    make_ready(app)
    client = as_user(people["chair"].email)
    page = client.get(f"/proposals/{SLUG}").get_data(as_text=True)
    assert "Version 2 cannot be put to a vote yet." in page and "Clause(s) 2 have no French text." in page
    assert "Put version 2 to a vote" not in page
    response = client.post(VOTE, data={"csrf_token": csrf_token(client, f"/proposals/{SLUG}")})
    assert response.status_code == 409
    assert "French text of clause(s) 2" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Motion)) == 0
        assert load_proposal().vote_motion_id is None


def test_a_motion_on_a_version_that_is_no_longer_the_latest_does_not_open(
        app: Flask, as_user: Callable[[str], FlaskClient], people: dict[str, Person],
        delegates: dict[str, Person], proposal: str) -> None:
    make_ready(app)
    client = as_user(people["chair"].email)
    motion_id = put_to_vote(client)[1]
    with app.test_request_context(), write_transaction():  # as if a version were added since
        found: Proposal = load_proposal()
        found.vote_version_number = 0
    response = post_form(client, f"/motions/{motion_id}/open", {})
    assert response.status_code == 409 and "put the proposal to a vote again" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Motion, motion_id).state is MotionState.DRAFT


def test_a_decision_motion_must_stay_yes_or_no(app: Flask, as_user: Callable[[str], FlaskClient],
                                               people: dict[str, Person], proposal: str) -> None:
    make_ready(app)
    client = as_user(people["chair"].email)
    motion_id = put_to_vote(client)[1]
    with app.test_request_context(), write_transaction():
        db.session.get(Motion, motion_id).method = "approval"
    assert post_form(client, f"/motions/{motion_id}/open", {}).status_code == 422
