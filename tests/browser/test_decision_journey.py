"""A proposal decided by a motion, in a real browser, in English and in French.

The chair moves the demo Workplan from consultation to "ready for decision" and is told its
latest version cannot go to a vote while clause 3 has no French text; once the text is
translated (version 3), the chair puts it to a vote from the proposal page, opens the yes/no motion, closes and certifies it
(ballots cast through the casting service), and the proposal shows as adopted, with the version
and a link to the motion's result, whose leaf 0 names that version's content hash. Every page
through axe-core (any impact) at 320 and 1280 px; screenshots at 1280 and 375 px go to
tests/artifacts/decision-<page>-<lang>-<width>.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pytest
from playwright.sync_api import Page, expect

from app.database import write_transaction
from app.deliberation import service
from app.deliberation.models import Proposal, ProposalState
from app.deliberation.text import ClauseText
from app.extensions import db
from app.motions.models import Motion
from tests.browser.conftest import LiveServer, Ui
from tests.browser.test_accessibility import Axe
from tests.browser.test_amendment_journey import Look, cast_for, confirm_motion_step, workplan

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_proposal_put_to_a_vote_carried_and_certified_is_adopted(
        lang: str, fresh_live_server: LiveServer, new_page: Callable[..., Page], axe_source: str,
        artifacts: Path) -> None:
    server = fresh_live_server
    ui = Ui(lang, server.url)
    slug, _en, _fr = workplan(server)

    chair = new_page()
    axe = Axe(chair, axe_source, lang, impacts=("minor", "moderate", "serious", "critical"))
    look = Look(chair, axe, "decision", lang, artifacts)
    ui.sign_in(chair, "chair")
    chair.goto(ui.url(f"/proposals/{slug}/state"))
    chair.get_by_label(ui.t("ready for decision"), exact=True).check()
    chair.get_by_role("button", name=ui.t("Change the state"), exact=True).click()
    expect(chair).to_have_url(re.compile(rf"/proposals/{slug}$"))
    look("ready")
    # The demo Workplan's latest version has no French text for clause 3: it cannot go to a vote.
    with server.app.app_context():
        untranslated = db.session.scalar(db.select(Proposal).where(Proposal.slug == slug)).latest.number
    expect(chair.locator(".notice")).to_contain_text(
        ui.t("Version %(n)s cannot be put to a vote yet.", n=untranslated))
    expect(chair.get_by_role("button", name=ui.t("Put version %(n)s to a vote", n=untranslated))).to_have_count(0)
    look("untranslated")
    with server.app.test_request_context(), write_transaction():  # the drafting committee translates it
        proposal = db.session.scalar(db.select(Proposal).where(Proposal.slug == slug))
        service.change_state(proposal, ProposalState.CONSULTATION)
        clauses = [ClauseText(c.key, c.heading_en, c.heading_fr, c.text_en,
                              c.text_fr or "La fédération cherche du financement pour un petit secrétariat.")
                   for c in proposal.latest.clauses]
        service.add_version(proposal, base_number=untranslated, clauses=clauses, note_en="French of clause 3.",
                            note_fr="Texte français de l’article 3.")
        service.change_state(proposal, ProposalState.READY)
        version = proposal.latest.number
    chair.reload()
    chair.get_by_role("button", name=ui.t("Put version %(n)s to a vote", n=version), exact=True).click()
    expect(chair).to_have_url(re.compile(r"/motions/\d+/preview$"))
    motion_id = int(re.search(r"/motions/(\d+)/preview", chair.url).group(1))
    confirm_motion_step(chair, ui, motion_id, "open", "Open the motion")
    chair.goto(ui.url(f"/proposals/{slug}"))
    expect(chair.locator(".facts")).to_contain_text(ui.t("At a vote"))
    look("at-vote")
    cast_for(server, motion_id, {"delegate.toronto-south": "yes", "delegate.toronto-north": "yes",
                                 "delegate.toronto-east": "no"})
    confirm_motion_step(chair, ui, motion_id, "close", "Close and count")
    confirm_motion_step(chair, ui, motion_id, "certify", "Certify the result")

    chair.goto(ui.url(f"/proposals/{slug}"))
    expect(chair.locator(".proposal-state")).to_have_text(ui.t("adopted"))
    look("adopted")
    chair.get_by_role("link", name=ui.t("the result of the motion, on version %(n)s", n=version), exact=True).click()
    expect(chair).to_have_url(re.compile(rf"/results/motions/{motion_id}$"))
    with server.app.app_context():
        proposal = db.session.scalar(db.select(Proposal).where(Proposal.slug == slug))
        motion = db.session.get(Motion, motion_id)
        assert proposal.state is ProposalState.ADOPTED and proposal.decided_version_number == version
        assert motion.opening.leaf.decides.sha256 == proposal.latest.content_hash
    axe.report()
