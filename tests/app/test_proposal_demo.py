"""The demo's proposals: the four draft documents, bilingual, with versions, loaded by `lipvote demo`."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from app.deliberation.demo import PROPOSALS
from app.deliberation.models import Proposal, ProposalState
from app.deliberation.text import content_hash
from app.extensions import db
from app.models import AuditEvent
from app.motions.models import Motion, MotionState


def test_the_demo_loads_the_four_documents_with_versions_and_translation_marks(demo_app: Flask) -> None:
    app = demo_app
    with app.app_context():
        proposals = list(db.session.scalars(select(Proposal).order_by(Proposal.id)))
        assert [p.title_en for p in proposals] == [spec.title_en for spec in PROPOSALS]
        assert all(len(p.versions) >= 2 and p.title_fr for p in proposals)
        assert {p.state for p in proposals} == {ProposalState.DRAFT, ProposalState.CONSULTATION, ProposalState.ADOPTED}
        for proposal in proposals:
            for version in proposal.versions:
                assert version.content_hash == content_hash(version.clauses)
        actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.startswith("proposal.")))]
        # proposal.version: 4 written by the chair, 1 by the demo's carried amendment
        assert (actions.count("proposal.create"), actions.count("proposal.version"), actions.count("proposal.state")) == (4, 5, 4)
        statement = next(p for p in proposals if p.title_en.startswith("Statement of Intention"))
        assert statement.state is ProposalState.ADOPTED and statement.decided_version_number == statement.latest.number
        decision = db.session.get(Motion, statement.decided_by_motion_id)
        assert decision.state is MotionState.CERTIFIED
        assert decision.opening.leaf.decides.sha256 == statement.latest.content_hash
        clauses = [c for p in proposals for c in p.latest.clauses]
        assert any(c.missing("fr") for c in clauses) and any(c.older("fr") for c in clauses)
