"""The demo's debate: comments (one reply, one hidden) and two amendments, one carried, one lost;
and the demo expert, invited onto the Representative Framework with one comment."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from app import demo
from app.deliberation.amendment_demo import FRAMEWORK, VISION
from app.deliberation.amendments import Amendment, AmendmentState
from app.deliberation.comments import Comment
from app.deliberation.models import Proposal
from app.extensions import db
from app.models import AuditEvent
from app.motions.models import Motion, MotionState
from tests.conftest import sign_in


def test_the_demo_has_a_carried_and_a_lost_amendment_and_a_hidden_comment(demo_app: Flask) -> None:
    app, client = demo_app, demo_app.test_client()
    with app.app_context():
        proposal = db.session.scalar(select(Proposal).where(Proposal.title_en == VISION))
        found = list(db.session.scalars(select(Amendment).order_by(Amendment.number)))
        assert [a.state for a in found] == [AmendmentState.CARRIED, AmendmentState.LOST]
        assert found[0].result_version_number == 3 == proposal.latest.number
        assert "in both official languages" in proposal.latest.clause("mission").text_en
        assert "dans les deux langues officielles" in proposal.latest.clause("mission").text_fr
        for amendment in found:
            motion = db.session.get(Motion, amendment.motion_id)
            assert motion.state is MotionState.CERTIFIED
            assert motion.result["carried"] == (amendment.state is AmendmentState.CARRIED)
        notes = list(db.session.scalars(select(Comment).where(Comment.proposal_id == proposal.id).order_by(Comment.id)))
        assert len(notes) == 4 and sum(c.hidden for c in notes) == 1 and notes[1].parent_id == notes[0].id
        slug = proposal.slug
    sign_in(client, "observer@demo.example", demo.DEMO_PASSWORD)
    page = client.get(f"/proposals/{slug}").get_data(as_text=True)
    assert "made version 3" in page and "lost" in page
    assert "Hors sujet" in client.get(f"/proposals/{slug}/comments").get_data(as_text=True)


def test_the_demo_expert_is_invited_onto_one_proposal_and_comments_there(demo_app: Flask) -> None:
    app, client = demo_app, demo_app.test_client()
    with app.app_context():
        framework = db.session.scalar(select(Proposal).where(Proposal.title_en == FRAMEWORK))
        vision = db.session.scalar(select(Proposal).where(Proposal.title_en == VISION))
        [note] = db.session.scalars(select(Comment).where(Comment.proposal_id == framework.id))
        assert note.clause_key == "2" and note.member_id is None
        framework_slug, vision_slug = framework.slug, vision.slug
    sign_in(client, "expert@demo.example", demo.DEMO_PASSWORD)
    home = client.get("/home").get_data(as_text=True)
    assert FRAMEWORK in home
    page = client.get(f"/proposals/{framework_slug}/comments").get_data(as_text=True)
    assert "a seat of their own" in page and "subject-matter expert" in page.lower()
    assert client.get(f"/proposals/{framework_slug}/comments/new").status_code == 200
    assert client.get(f"/proposals/{vision_slug}/comments/new").status_code == 403
    with app.app_context():
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "proposal.expert.invite"))
        assert "chair@demo.example" in event.actor_label
