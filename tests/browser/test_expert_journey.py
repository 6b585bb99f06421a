"""A subject-matter expert in a real browser, in English and in French, at 1280 and 375 px: the
chair invites the expert onto one demo proposal (first forgetting the end time), the expert
sees it on their home page and comments on it, the comment is marked "Subject-matter expert",
another proposal is refused, and the chair ends the invitation early.

Every page runs through axe-core (no violation of any impact, no sideways scrolling); screenshots
go to tests/artifacts/expert-<page>-<lang>-<width>.png.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from playwright.sync_api import Page, expect
from werkzeug.security import generate_password_hash

from app.database import write_transaction
from app.demo import DEMO_PASSWORD, email_for
from app.extensions import db
from app.models import Role, User
from tests.browser.conftest import LiveServer, Ui
from tests.browser.test_accessibility import Axe

pytestmark = pytest.mark.browser

ANY_IMPACT = ("minor", "moderate", "serious", "critical")
EXPERT = "expert.settlement"


def add_expert_account(server: LiveServer) -> None:
    with server.app.app_context(), write_transaction():
        db.session.add(User(email=email_for(EXPERT), display_name="Dr. Amara Okafor", role=Role.EXPERT,
                            locale="en", password_hash=generate_password_hash(DEMO_PASSWORD)))


def two_proposal_slugs(server: LiveServer) -> tuple[str, str]:
    """Two demo proposals still open to comments that no expert is invited to yet (the demo
    invites one onto the framework, and adopts the Statement of Intention)."""
    from app.deliberation.experts import ProposalExpert
    from app.deliberation.models import Proposal, ProposalState

    with server.app.app_context():
        slugs = sorted(db.session.scalars(db.select(Proposal.slug).where(
            ~Proposal.id.in_(db.select(ProposalExpert.proposal_id)),
            Proposal.state.in_([ProposalState.DRAFT, ProposalState.CONSULTATION, ProposalState.READY]))))
    return slugs[0], slugs[1]


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_chair_invites_an_expert_who_comments(lang: str, width: int, fresh_live_server: LiveServer,
                                              new_page: Callable[..., Page], axe_source: str,
                                              artifacts: Path) -> None:
    ui = Ui(lang, fresh_live_server.url)
    add_expert_account(fresh_live_server)
    invited, other = two_proposal_slugs(fresh_live_server)
    size = {"width": width, "height": 900}

    def person(account: str) -> tuple[Page, Axe]:
        page = new_page(viewport=size)
        axe = Axe(page, axe_source, lang, impacts=ANY_IMPACT)
        ui.sign_in(page, account)
        return page, axe

    def look(page: Page, axe: Axe, name: str) -> None:
        axe.check(name)
        page.screenshot(path=artifacts / f"expert-{name}-{lang}-{width}.png", full_page=True)

    expert, expert_axe = person(EXPERT)
    expect(expert.locator("main")).to_contain_text(ui.t("You are not invited to any proposal at the moment."))
    expect(expert.locator("header nav").get_by_role("link", name=ui.t("Motions"), exact=True)).to_have_count(0)
    expect(expert.locator("header")).to_contain_text(ui.t("Subject-matter expert"))

    chair, chair_axe = person("chair")
    chair.goto(ui.url(f"/proposals/{invited}"))
    expect(chair.locator("#experts")).to_contain_text(ui.t("No subject-matter expert is invited to this proposal."))
    chair.get_by_role("link", name=ui.t("Invite a subject-matter expert"), exact=True).click()
    chair.get_by_label(ui.t("Email address of the expert’s account"), exact=True).fill(email_for(EXPERT))
    chair.get_by_role("button", name=ui.t("Invite the expert"), exact=True).click()
    expect(chair.locator(".error-summary")).to_contain_text(ui.t("Enter when the invitation ends: a date and an hour."))
    look(chair, chair_axe, "invite-error")
    chair.get_by_label(ui.t("Invitation ends at"), exact=True).fill("2099-06-30T17:00")
    chair.get_by_role("button", name=ui.t("Invite the expert"), exact=True).click()
    expect(chair.locator(".flash")).to_have_text(ui.t("%(name)s is invited to comment on this proposal.",
                                                       name="Dr. Amara Okafor"))
    expect(chair.locator("#experts time")).to_be_visible()
    chair.locator("#experts").scroll_into_view_if_needed()
    look(chair, chair_axe, "proposal-chair")

    expert.goto(ui.url("/home"))
    look(expert, expert_axe, "home")
    expert.locator("main .expert-list a").first.click()
    expect(expert).to_have_url(ui.url(f"/proposals/{invited}"))
    expert.goto(ui.url(f"/proposals/{invited}/comments/new"))
    expect(expert.locator(".hint")).to_contain_text(
        ui.t("Your comment is shown as that of a subject-matter expert, not on behalf of any member."))
    expert.get_by_label(ui.t("Your comment"), exact=True).fill(
        "Settlement data from 2025 supports goal 1." if lang == "en" else "Les données d’établissement de 2025 appuient l’objectif 1.")
    look(expert, expert_axe, "comment-form")
    expert.get_by_role("button", name=ui.t("Publish the comment"), exact=True).click()
    expect(expert.locator(".comment-meta").last).to_contain_text(ui.t("Subject-matter expert"))
    look(expert, expert_axe, "comments")

    refused = expert.goto(ui.url(f"/proposals/{other}"))
    assert refused is not None and refused.status == 403
    expect(expert.locator("main")).to_contain_text(ui.t(
        "You are not invited to this proposal, or your invitation has ended. Ask the chair if you need more time."))
    look(expert, expert_axe, "refused")

    chair.goto(ui.url(f"/proposals/{invited}"))
    chair.get_by_role("button", name=ui.t("End the invitation of %(name)s now", name="Dr. Amara Okafor"),
                      exact=True).click()
    expect(chair.locator(".flash")).to_have_text(ui.t("The invitation of %(name)s has ended.", name="Dr. Amara Okafor"))
    refused = expert.goto(ui.url(f"/proposals/{invited}"))
    assert refused is not None and refused.status == 403
