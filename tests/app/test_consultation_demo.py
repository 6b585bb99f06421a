"""The demo's consultations: the member survey on the Statement of Intention (77 of the demo's 80
members answer, 75 in support, as in the federation's survey) and an open one on the Workplan that
the demo delegates can answer."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from app import demo
from app.deliberation import consultations
from app.deliberation.consultation_demo import STATEMENT_SLUG, WORKPLAN_SLUG
from app.deliberation.consultation_models import ConsultationState
from app.deliberation.models import Proposal
from app.extensions import db
from app.models import Member
from tests.conftest import sign_in


def test_the_demo_survey_and_the_open_workplan_consultation(demo_app: Flask) -> None:
    app = demo_app
    with app.app_context():
        statement = db.session.scalar(select(Proposal).where(Proposal.slug == STATEMENT_SLUG))
        [survey] = consultations.consultations_of(statement)
        results, problem = consultations.results(survey)
        assert len(Member.active_ordered()) == 80
        assert problem is None and survey.confidential and survey.state is ConsultationState.CLOSED
        assert (results.total.responses, results.total.in_support) == (77, 75)
        region = next(b for b in results.breakdowns if b.grouping == "region")
        assert len(region.cells) == 4 and all(c.responses >= 3 for c in region.cells)
        assert results.total.weight > results.total.responses  # tiered weights: large centres count 3
        workplan = db.session.scalar(select(Proposal).where(Proposal.slug == WORKPLAN_SLUG))
        [open_one] = consultations.consultations_of(workplan)
        assert open_one.state is ConsultationState.OPEN and len(open_one.responses) == 4
    client = app.test_client()
    sign_in(client, "delegate.halifax@demo.example", demo.DEMO_PASSWORD)
    page = client.get(f"/proposals/{STATEMENT_SLUG}").get_data(as_text=True)
    assert "75 of 77 members in support" in page
    assert "By IRCC region:" in page and "Support is broad" in page
    assert "Answer for your member" in client.get(f"/proposals/{WORKPLAN_SLUG}").get_data(as_text=True)
