"""The proposal service: versions never edited in place, the content hash, the state rules."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from flask import Flask

from app.database import write_transaction
from app.deliberation import service
from app.deliberation.models import Proposal, ProposalState
from app.deliberation.text import ClauseText, content_hash, parse_documents
from app.extensions import db
from app.models import AuditEvent

V1 = [ClauseText("1", "Purpose", "Objet", "We work together.", "Nous travaillons ensemble."),
      ClauseText("2", "Members", "Membres", "Every LIP may join.", "")]


def _create(app: Flask, clauses: list[ClauseText] = V1) -> str:
    with app.test_request_context(), write_transaction():
        return service.create_proposal(title_en="Statement of Intention", title_fr="Déclaration d'intention",
                                       clauses=clauses).slug


def test_a_new_version_keeps_the_old_one_and_marks_what_changed_per_language(app: Flask) -> None:
    slug = _create(app)
    v2 = [ClauseText("1", "Purpose", "Objet", "We work together, openly.", "Nous travaillons ensemble."),
          ClauseText("2", "Members", "Membres", "Every LIP may join.", "Chaque PLI peut adhérer.")]
    with app.test_request_context(), write_transaction():
        proposal = db.session.scalar(db.select(Proposal).where(Proposal.slug == slug))
        service.add_version(proposal, base_number=1, clauses=v2)
    with app.app_context():
        proposal = db.session.scalar(db.select(Proposal).where(Proposal.slug == slug))
        first, second = proposal.versions
        assert first.clause("1").text_en == "We work together."
        assert [(c.en_revised_in, c.fr_revised_in) for c in second.clauses] == [(2, 1), (1, 2)]
        assert second.clause("1").older("fr") and not second.clause("1").older("en")
        assert first.clause("2").missing("fr")
        assert second.content_hash == content_hash(v2) != first.content_hash
        actions = [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]
        assert actions == ["proposal.create", "proposal.version"]


def test_a_stale_base_version_is_refused_with_409(app: Flask) -> None:
    slug = _create(app)
    changed = [ClauseText("1", "Purpose", "Objet", "Changed.", "Modifié.")]
    with app.test_request_context(), write_transaction():
        proposal = db.session.scalar(db.select(Proposal).where(Proposal.slug == slug))
        service.add_version(proposal, base_number=1, clauses=changed)
    with app.test_request_context(), pytest.raises(service.ProposalError) as refused, write_transaction():
        proposal = db.session.scalar(db.select(Proposal).where(Proposal.slug == slug))
        service.add_version(proposal, base_number=1, clauses=V1)
    assert refused.value.status == 409


def test_the_hash_is_sha256_of_the_rfc8785_form(app: Flask) -> None:
    # Written out by hand, as a second implementation would (docs/deliberation.md).
    expected = ('{"clauses":[{"heading":{"en":"Purpose","fr":"Objet"},"id":"1","text":{"en":"We work together.",'
                '"fr":"Nous travaillons ensemble."}},{"heading":{"en":"Members","fr":"Membres"},"id":"2",'
                '"text":{"en":"Every LIP may join.","fr":""}}],"format":"lipvote-proposal-text/1"}')
    assert json.loads(expected)  # well-formed
    assert content_hash(V1) == hashlib.sha256(expected.encode()).hexdigest()


def test_states_follow_the_table_and_adoption_needs_a_motion(app: Flask) -> None:
    slug = _create(app)
    with app.test_request_context(), write_transaction():
        proposal = db.session.scalar(db.select(Proposal).where(Proposal.slug == slug))
        service.change_state(proposal, ProposalState.CONSULTATION)
        service.change_state(proposal, ProposalState.READY)
        with pytest.raises(service.ProposalError):
            service.change_state(proposal, ProposalState.ADOPTED)
    with app.app_context():
        assert db.session.scalar(db.select(Proposal.state).where(Proposal.slug == slug)) == ProposalState.READY


def test_documents_split_by_clause_headings() -> None:
    clauses = parse_documents("## 1. Purpose\nWe work.\n\n## 2.a\nMore.", "## 1 Objet\nNous travaillons.")
    assert clauses == [ClauseText("1", "Purpose", "Objet", "We work.", "Nous travaillons."),
                       ClauseText("2.a", "", "", "More.", "")]


def test_a_clause_in_one_language_only_takes_its_place_from_that_language() -> None:
    clauses = parse_documents("## 1 A\nx\n\n## 3 C\nz", "## 0 Z\n\n## 1 A\nx\n\n## 2 B\ny\n\n## 3 C\nz")
    assert [c.key for c in clauses] == ["0", "1", "2", "3"]
    assert clauses[2] == ClauseText("2", "", "B", "", "y")


def test_a_motion_decides_a_ready_proposal_and_the_page_links_to_its_result(app: Flask, login: Any) -> None:
    from tests.app.motion_helpers import draft_motion

    slug = _create(app)
    with app.app_context():
        motion_id = draft_motion(title="Adopt the statement of intention")
    with app.test_request_context(), write_transaction():
        proposal = db.session.scalar(db.select(Proposal).where(Proposal.slug == slug))
        with pytest.raises(service.ProposalError):  # a draft is not ready for decision
            service.adopt_from_motion(proposal, motion_id=motion_id, version_number=1, adopted=True)
        service.change_state(proposal, ProposalState.CONSULTATION)
        service.change_state(proposal, ProposalState.READY)
        service.adopt_from_motion(proposal, motion_id=motion_id, version_number=1, adopted=True)
    page = login("delegate").get(f"/proposals/{slug}").get_data(as_text=True)
    assert "adopted" in page and f'href="/results/motions/{motion_id}"' in page
    with app.app_context():
        event = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.action == "proposal.decided" and f'"motion": {motion_id}' in event.after_json
