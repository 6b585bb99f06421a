"""Comments and amendments in a real browser, in English and in French.

The amendment journey: a delegate proposes an amendment to the demo Workplan in both
languages, a delegate of another member seconds it, the chair puts it to a vote, opens the
yes/no motion, closes and certifies it (ballots cast through the casting service), and the
amendment shows as carried with the new version and its diff. The comment journey: a delegate
comments on a clause, another replies, the chair hides a comment with a reason, shows it again
and hides it once more.

Every page of the two areas runs through axe-core (no violation of any impact) at 320 and
1280 px, with no sideways scrolling; screenshots at 1280 and 375 px go to
tests/artifacts/amendment-<page>-<lang>-<width>.png and comment-<page>-....
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.deliberation.models import Proposal
from app.extensions import db
from app.models import User
from app.motions import service
from app.motions.models import Motion
from tests.browser.conftest import LiveServer, Ui
from tests.browser.test_accessibility import Axe

pytestmark = pytest.mark.browser
SCREENSHOT_WIDTHS = (1280, 375)
AXE_WIDTHS = (320, 1280)


class Look:
    def __init__(self, page: Page, axe: Axe, prefix: str, lang: str, artifacts: Path) -> None:
        self.page, self.axe, self.prefix, self.lang, self.artifacts = page, axe, prefix, lang, artifacts

    def __call__(self, name: str) -> None:
        for width in SCREENSHOT_WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.screenshot(path=self.artifacts / f"{self.prefix}-{name}-{self.lang}-{width}.png",
                                 full_page=True)
        for width in AXE_WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            self.axe.check(f"{self.prefix} {name} at {width} px")
        self.page.set_viewport_size({"width": 1280, "height": 900})


def workplan(server: LiveServer) -> tuple[str, str, str]:
    """The demo Workplan's slug and the English and French text of its first clause."""
    with server.app.app_context():
        proposal = db.session.scalar(select(Proposal).where(Proposal.title_en.startswith("Workplan")))
        first = proposal.latest.clauses[0]
        return proposal.slug, first.text_en, first.text_fr


def cast_for(server: LiveServer, motion_id: int, choices: dict[str, str]) -> None:
    """Ballots through the casting service: delegate e-mail prefix -> choice."""
    with server.app.app_context():
        for local, choice in choices.items():
            user = db.session.scalar(select(User).where(User.email.startswith(f"{local}@")))
            service.cast(motion_id, user.id, None, choice)


def confirm_motion_step(page: Page, ui: Ui, motion_id: int, action: str, button: str) -> None:
    page.goto(ui.url(f"/motions/{motion_id}/{action}"))
    page.get_by_role("button", name=ui.t(button), exact=True).click()
    expect(page.locator(".flash, .notice, main").first).to_be_visible()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_amendment_proposed_seconded_carried_makes_the_next_version(
        lang: str, fresh_live_server: LiveServer, new_page: Callable[..., Page], axe_source: str,
        artifacts: Path) -> None:
    server = fresh_live_server
    ui = Ui(lang, server.url)
    slug, first_en, first_fr = workplan(server)
    added_en, added_fr = " Each member reports once a year.", " Chaque membre fait rapport une fois par année."

    proposer = new_page()
    axe = Axe(proposer, axe_source, lang, impacts=("minor", "moderate", "serious", "critical"))
    look = Look(proposer, axe, "amendment", lang, artifacts)
    ui.sign_in(proposer, "delegate.toronto-south")
    proposer.goto(ui.url(f"/proposals/{slug}"))
    look("proposal-before")
    proposer.get_by_role("link", name=ui.t("Propose an amendment"), exact=True).click()
    look("form")
    english = proposer.get_by_label(ui.t("Text in English"), exact=True)
    french = proposer.get_by_label(ui.t("Text in French"), exact=True)
    english.fill(english.input_value().replace(first_en, first_en + added_en, 1))
    french.fill(french.input_value().replace(first_fr, first_fr + added_fr, 1))
    proposer.get_by_label(ui.t("Why this amendment, in English (optional)"), exact=True).fill(
        "Members asked for a yearly report.")
    proposer.get_by_role("button", name=ui.t("Propose the amendment"), exact=True).click()
    expect(proposer).to_have_url(re.compile(rf"/proposals/{slug}/amendments/1$"))
    expect(proposer.locator(".amendment-state")).to_have_text(ui.t("waiting for a seconder"))
    expect(proposer.locator(".clause-en ins").first).to_contain_text(added_en.strip())
    look("proposed")

    seconder = new_page()
    axe2 = Axe(seconder, axe_source, lang, impacts=("minor", "moderate", "serious", "critical"))
    ui.sign_in(seconder, "delegate.toronto-north")
    seconder.goto(ui.url(f"/proposals/{slug}/amendments/1"))
    Look(seconder, axe2, "amendment", lang, artifacts)("to-second")
    seconder.get_by_role("button", name=ui.t("Second this amendment"), exact=True).click()
    expect(seconder.locator(".amendment-state")).to_have_text(ui.t("seconded"))

    chair = new_page()
    axe3 = Axe(chair, axe_source, lang, impacts=("minor", "moderate", "serious", "critical"))
    chair_look = Look(chair, axe3, "amendment", lang, artifacts)
    ui.sign_in(chair, "chair")
    chair.goto(ui.url(f"/proposals/{slug}/amendments/1"))
    chair_look("to-vote")
    chair.get_by_role("button", name=ui.t("Put it to a vote"), exact=True).click()
    expect(chair).to_have_url(re.compile(r"/motions/\d+/preview$"))
    motion_id = int(re.search(r"/motions/(\d+)/preview", chair.url).group(1))
    with server.app.app_context():
        assert db.session.get(Motion, motion_id).title_en.startswith("Amendment 1: Workplan")
    confirm_motion_step(chair, ui, motion_id, "open", "Open the motion")
    cast_for(server, motion_id, {"delegate.toronto-south": "yes", "delegate.toronto-north": "yes",
                                 "delegate.toronto-east": "no"})
    proposer.goto(ui.url(f"/motions/{motion_id}/vote"))  # the delegate's ballot shows the amendment's text
    expect(proposer.locator(".motion-text")).to_contain_text(added_en.strip() if lang == "en" else added_fr.strip())
    for width in SCREENSHOT_WIDTHS:
        proposer.set_viewport_size({"width": width, "height": 900})
        proposer.screenshot(path=artifacts / f"amendment-ballot-{lang}-{width}.png", full_page=True)
    chair.goto(ui.url(f"/proposals/{slug}/amendments/1"))
    expect(chair.locator(".amendment-state")).to_have_text(ui.t("at a vote"))
    chair_look("at-vote")
    confirm_motion_step(chair, ui, motion_id, "close", "Close and count")
    confirm_motion_step(chair, ui, motion_id, "certify", "Certify the result")

    chair.goto(ui.url(f"/proposals/{slug}/amendments/1"))
    expect(chair.locator(".amendment-state")).to_have_text(ui.t("carried"))
    chair_look("carried")
    chair.get_by_role("link", name=re.compile(re.escape(ui.t("Version %(n)s, with its changes", n=3)))).click()
    expect(chair).to_have_url(re.compile(rf"/proposals/{slug}/compare\?from=2&to=3$"))
    expect(chair.locator(".clause-en ins").first).to_contain_text(added_en.strip())
    expect(chair.locator(".clause-fr ins").first).to_contain_text(added_fr.strip())
    chair_look("new-version-diff")
    chair.goto(ui.url(f"/proposals/{slug}"))
    expect(chair.locator(".clause-en").first).to_contain_text(added_en.strip())
    chair_look("proposal-after")
    for each in (axe, axe2, axe3):
        each.report()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_comments_reply_and_a_chair_hides_one(lang: str, fresh_live_server: LiveServer,
                                              new_page: Callable[..., Page], axe_source: str,
                                              artifacts: Path) -> None:
    server = fresh_live_server
    ui = Ui(lang, server.url)
    slug, _en, _fr = workplan(server)

    writer = new_page()
    axe = Axe(writer, axe_source, lang, impacts=("minor", "moderate", "serious", "critical"))
    look = Look(writer, axe, "comment", lang, artifacts)
    ui.sign_in(writer, "delegate.toronto-south")
    writer.goto(ui.url(f"/proposals/{slug}/comments"))
    look("empty")
    writer.get_by_role("link", name=ui.t("Write a comment"), exact=True).click()
    writer.get_by_role("button", name=ui.t("Publish the comment"), exact=True).click()
    expect(writer.locator(".error-summary")).to_be_visible()
    look("form-error")
    writer.get_by_label(ui.t("About"), exact=True).select_option("1")
    writer.get_by_label(ui.t("Your comment"), exact=True).fill(
        "We support **clause 1**.\n\n- meet in person\n- <script>alert(1)</script>")
    writer.get_by_role("button", name=ui.t("Publish the comment"), exact=True).click()
    expect(writer.locator(".comment-body strong")).to_have_text("clause 1")
    expect(writer.locator(".comment-body")).to_contain_text("<script>alert(1)</script>")

    other = new_page()
    axe2 = Axe(other, axe_source, lang, impacts=("minor", "moderate", "serious", "critical"))
    ui.sign_in(other, "delegate.toronto-north")
    other.goto(ui.url(f"/proposals/{slug}/comments"))
    other.get_by_role("link", name=re.compile("^" + re.escape(ui.t("Reply")))).first.click()
    Look(other, axe2, "comment", lang, artifacts)("reply-form")
    other.get_by_label(ui.t("Your comment"), exact=True).fill("Every two months would be enough.")
    other.get_by_role("button", name=ui.t("Publish the comment"), exact=True).click()
    expect(other.locator(".comment-replies .comment-body")).to_contain_text("Every two months")

    writer.goto(ui.url(f"/proposals/{slug}/comments"))
    writer.get_by_role("link", name=ui.t("Change your comment"), exact=True).click()
    writer.get_by_label(ui.t("Your comment"), exact=True).fill("We support **clause 1**, with changes.")
    writer.get_by_role("button", name=ui.t("Save the change"), exact=True).click()
    look("threads")

    chair = new_page()
    axe3 = Axe(chair, axe_source, lang, impacts=("minor", "moderate", "serious", "critical"))
    chair_look = Look(chair, axe3, "comment", lang, artifacts)
    ui.sign_in(chair, "chair")
    chair.goto(ui.url(f"/proposals/{slug}/comments"))
    chair.get_by_role("link", name=re.compile("^" + re.escape(ui.t("Hide")))).last.click()
    chair_look("hide-form")
    chair.get_by_label(ui.t("Reason for hiding it"), exact=True).fill("Off topic for this clause.")
    chair.get_by_role("button", name=ui.t("Hide the comment"), exact=True).click()
    expect(chair.locator(".comment-hidden-note")).to_contain_text("Off topic for this clause.")
    expect(chair.locator(".comment-replies")).not_to_contain_text("Every two months")
    chair_look("hidden")
    chair.get_by_role("link", name=re.compile("^" + re.escape(ui.t("Show again")))).click()
    chair_look("show-form")
    chair.get_by_label(ui.t("Reason for showing it again"), exact=True).fill("Hidden by mistake.")
    chair.get_by_role("button", name=ui.t("Show the comment again"), exact=True).click()
    expect(chair.locator(".comment-replies")).to_contain_text("Every two months")
    expect(chair.locator(".comment-hidden-note")).to_have_count(0)
    chair.get_by_role("link", name=re.compile("^" + re.escape(ui.t("Hide")))).last.click()
    chair.get_by_label(ui.t("Reason for hiding it"), exact=True).fill("Off topic for this clause.")
    chair.get_by_role("button", name=ui.t("Hide the comment"), exact=True).click()
    chair.goto(ui.url(f"/proposals/{slug}/comments"))
    chair.get_by_role("link", name=re.compile("^" + re.escape(ui.t("Edited")))).first.click()
    chair_look("history")
    chair.goto(ui.url(f"/proposals/{slug}"))
    chair.locator("#comments").scroll_into_view_if_needed()
    chair_look("proposal-section")
    with server.app.app_context():  # the demo's debate on the Vision: a carried and a lost amendment
        vision = db.session.scalar(select(Proposal).where(Proposal.title_en.startswith("Vision"))).slug
    chair.goto(ui.url(f"/proposals/{vision}"))
    expect(chair.locator(".amendment-state")).to_have_text([ui.t("carried"), ui.t("lost")])
    chair_look("demo-vision")
    chair.goto(ui.url(f"/proposals/{vision}/amendments/2"))
    chair_look("demo-lost")
    chair.goto(ui.url(f"/proposals/{vision}/comments"))
    chair_look("demo-comments")
    for each in (axe, axe2, axe3):
        each.report()
