"""The whole deliberation, chained, in a real browser, in English and in French (issue 15):
a chair drafts a proposal; a consultation on it is opened, answered by two delegates and
closed with its breakdown; a delegate proposes an amendment, another member seconds it, it is
put to a vote, carried and certified, which makes version 2 with its diff; the chair makes the
proposal ready, puts version 2 to a vote, and the certified result adopts it: the proposal shows
"adopted" with the version and a link to the result, and the motion's leaf 0 names that
version's content hash. Ballots go through the casting service (the ballot pages have their own
journeys). axe-core (any impact) at 320 and 1280 px on every page looked at; screenshots at 1280
and 375 px in tests/artifacts/deliberation-<page>-<lang>-<width>.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pytest
from playwright.sync_api import Page, expect

from app.deliberation.models import Proposal, ProposalState
from app.extensions import db
from app.motions.models import Motion
from tests.browser.conftest import LiveServer, Ui
from tests.browser.test_accessibility import Axe
from tests.browser.test_amendment_journey import Look, cast_for, confirm_motion_step

pytestmark = pytest.mark.browser
ANY_IMPACT = ("minor", "moderate", "serious", "critical")
TITLE = {"en": ("Charter of the regional caucuses", "Charte des caucus régionaux"),
         "fr": ("Regional caucus rules", "Règles des caucus régionaux")}
TEXT_EN = "## 1 Purpose\n\nRegional caucuses meet twice a year.\n\n## 2 Reports\n\nEach caucus reports to the chair.\n"
TEXT_FR = ("## 1 Objet\n\nLes caucus régionaux se réunissent deux fois par année.\n\n## 2 Rapports\n\n"
           "Chaque caucus fait rapport à la présidence.\n")
ADDED_EN, ADDED_FR = " Rural members chair one meeting in two.", " Les membres ruraux président une réunion sur deux."


def vote_through(chair: Page, ui: Ui, server: LiveServer, choices: dict[str, str]) -> int:
    """From a motion's preview page: open it, cast `choices`, close and certify. The motion's id."""
    expect(chair).to_have_url(re.compile(r"/motions/\d+/preview$"))
    motion_id = int(re.search(r"/motions/(\d+)/preview", chair.url).group(1))
    confirm_motion_step(chair, ui, motion_id, "open", "Open the motion")
    cast_for(server, motion_id, choices)
    confirm_motion_step(chair, ui, motion_id, "close", "Close and count")
    confirm_motion_step(chair, ui, motion_id, "certify", "Certify the result")
    return motion_id


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_drafted_consulted_amended_and_adopted(lang: str, fresh_live_server: LiveServer,
                                              new_page: Callable[..., Page], axe_source: str,
                                              artifacts: Path) -> None:
    server = fresh_live_server
    ui = Ui(lang, server.url)

    def person(account: str) -> tuple[Page, Axe, Look]:
        page = new_page()
        axe = Axe(page, axe_source, lang, impacts=ANY_IMPACT)
        ui.sign_in(page, account)
        return page, axe, Look(page, axe, "deliberation", lang, artifacts)

    # 1. drafted
    chair, chair_axe, chair_look = person("chair")
    chair.goto(ui.url("/proposals/new"))
    chair.get_by_label(ui.t("Title in English"), exact=True).fill(TITLE[lang][0])
    chair.get_by_label(ui.t("Title in French"), exact=True).fill(TITLE[lang][1])
    chair.get_by_label(ui.t("Text in English"), exact=True).fill(TEXT_EN)
    chair.get_by_label(ui.t("Text in French"), exact=True).fill(TEXT_FR)
    chair.get_by_role("button", name=ui.t("Save the draft proposal"), exact=True).click()
    expect(chair.locator(".flash")).to_contain_text(ui.t("Draft proposal saved as version 1."))
    proposal_url = chair.url
    slug = proposal_url.rstrip("/").rsplit("/", 1)[1].split("?")[0]
    chair_look("drafted")

    # 2. consulted: opened, answered by two members, closed with its breakdown
    chair.get_by_role("link", name=ui.t("Start a consultation on version %(n)s", n=1), exact=True).click()
    chair.get_by_label(ui.t("Closing time"), exact=True).fill("2099-06-30T17:00")
    chair.get_by_role("button", name=ui.t("Start the consultation"), exact=True).click()
    expect(chair.locator(".flash")).to_have_text(ui.t("The consultation is open."))
    consultation_url = chair.url
    for account, answer in (("delegate.halifax", "Support"), ("delegate.calgary", "Support with changes")):
        delegate, delegate_axe, _look = person(account)
        delegate.goto(ui.url(f"/proposals/{slug}"))
        delegate.get_by_role("link", name=ui.t("Answer for your member"), exact=True).click()
        delegate.get_by_label(ui.t(answer), exact=True).check()
        delegate.get_by_role("button", name=ui.t("Send the answer"), exact=True).click()
        expect(delegate.locator(".flash")).to_be_visible()
        delegate_axe.check(f"answer by {account}")
        delegate_axe.report()
    chair.goto(consultation_url)
    chair.get_by_role("button", name=ui.t("Close the consultation now"), exact=True).click()
    expect(chair.locator(".flash")).to_have_text(ui.t("The consultation is closed."))
    expect(chair.locator("#grouping-region ~ table tbody tr")).to_have_count(2)
    chair_look("consultation-closed")

    # 3. amended: proposed, seconded by another member, carried -> version 2 with its diff
    proposer, proposer_axe, proposer_look = person("delegate.toronto-south")
    proposer.goto(proposal_url)
    proposer.get_by_role("link", name=ui.t("Propose an amendment"), exact=True).click()
    english = proposer.get_by_label(ui.t("Text in English"), exact=True)
    french = proposer.get_by_label(ui.t("Text in French"), exact=True)
    english.fill(english.input_value().replace("twice a year.", "twice a year." + ADDED_EN, 1))
    french.fill(french.input_value().replace("deux fois par année.", "deux fois par année." + ADDED_FR, 1))
    proposer.get_by_role("button", name=ui.t("Propose the amendment"), exact=True).click()
    expect(proposer).to_have_url(re.compile(rf"/proposals/{slug}/amendments/1$"))
    proposer_look("amendment-proposed")
    seconder, seconder_axe, _look = person("delegate.toronto-north")
    seconder.goto(ui.url(f"/proposals/{slug}/amendments/1"))
    seconder.get_by_role("button", name=ui.t("Second this amendment"), exact=True).click()
    expect(seconder.locator(".amendment-state")).to_have_text(ui.t("seconded"))
    chair.goto(ui.url(f"/proposals/{slug}/amendments/1"))
    chair.get_by_role("button", name=ui.t("Put it to a vote"), exact=True).click()
    vote_through(chair, ui, server, {"delegate.toronto-south": "yes", "delegate.toronto-north": "yes",
                                     "delegate.halifax": "no"})
    chair.goto(ui.url(f"/proposals/{slug}/amendments/1"))
    expect(chair.locator(".amendment-state")).to_have_text(ui.t("carried"))
    chair.goto(ui.url(f"/proposals/{slug}/compare?from=1&to=2"))
    expect(chair.locator(".clause-en ins").first).to_contain_text(ADDED_EN.strip())
    expect(chair.locator(".clause-fr ins").first).to_contain_text(ADDED_FR.strip())
    chair_look("amended-diff")

    # 4. decided: ready, version 2 put to a vote, carried, certified -> adopted
    chair.goto(ui.url(f"/proposals/{slug}/state"))
    chair.get_by_label(ui.t("ready for decision"), exact=True).check()
    chair.get_by_role("button", name=ui.t("Change the state"), exact=True).click()
    chair.get_by_role("button", name=ui.t("Put version %(n)s to a vote", n=2), exact=True).click()
    motion_id = vote_through(chair, ui, server, {"delegate.toronto-south": "yes", "delegate.halifax": "yes",
                                                 "delegate.calgary": "yes", "delegate.toronto-north": "no"})
    chair.goto(proposal_url)
    expect(chair.locator(".proposal-state")).to_have_text(ui.t("adopted"))
    chair_look("adopted")
    chair.get_by_role("link", name=ui.t("the result of the motion, on version %(n)s", n=2), exact=True).click()
    expect(chair).to_have_url(re.compile(rf"/results/motions/{motion_id}$"))
    with server.app.app_context():
        proposal = db.session.scalar(db.select(Proposal).where(Proposal.slug == slug))
        assert proposal.state is ProposalState.ADOPTED and proposal.decided_version_number == 2
        assert db.session.get(Motion, motion_id).opening.leaf.decides.sha256 == proposal.latest.content_hash
    for axe in (chair_axe, proposer_axe, seconder_axe):
        axe.checked.append("journey")
        axe.report()
