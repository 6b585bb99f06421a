"""The delegate's journey on a phone and on a desktop, in English and French.

A delegate signs in, finds the motion on their home page, reads their weight, the rule and the
closing time on the motion, ballot and review pages, casts, gets a receipt that says what is
public for this motion, goes on to the next motion waiting for them (a secret ranked election,
ranked with the "Rank" and "Move" buttons), and finds the closed motions they voted on with
their outcomes. A member added after a motion opened is told so and offered no ballot.

Every page: axe-core with no violation of any impact, a screenshot at the run's width
(tests/artifacts/delegate-<lang>-<width>-<page>.png), and the same page at 320 px must not
scroll sideways (document.documentElement.scrollWidth > clientWidth fails the test).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

import pytest
from flask_babel import force_locale
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import select

from app.demo import DEMO_PASSWORD, LIPS, email_for
from app.extensions import db
from app.models import DelegateRank, Member, Role, utcnow
from app.motions.models import Motion
from app.motions.rule_words import WeightShare
from tests.app.motion_helpers import draft_motion, open_now
from tests.browser.conftest import LiveServer, Ui
from tests.browser.test_accessibility import Axe
from tests.conftest import add_member, add_user, password_hash

pytestmark = pytest.mark.browser

NAMES = {slug: {"en": en, "fr": fr} for slug, en, fr, *_rest in LIPS}
ALL_IMPACTS = ("minor", "moderate", "serious", "critical")
NARROWEST = 320
LATE_EMAIL = "late.delegate@example.org"
RULED_TITLE = "Adopt the phone-test budget"
SECRET_TITLE = "Elect the phone-test steward"
CANDIDATES = [{"id": "ada", "en": "Ada Lovelace", "fr": "Ada Lovelace"},
              {"id": "grace", "en": "Grace Hopper", "fr": "Grace Hopper"},
              {"id": "alan", "en": "Alan Turing", "fr": "Alan Turing"}]
# One member per run (none of them voted on the demo's open motion), so runs do not share a ballot.
RUNS = {("en", 1280): "yellowknife", ("fr", 1280): "whitehorse", ("en", 375): "windsor-essex", ("fr", 375): "wood-buffalo"}
TITLE_PREFIX = {"en": "", "fr": "FR: "}  # tests.app.motion_helpers.draft_motion's French titles
OVERFLOW = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.fixture(scope="module")
def motions(live_server: LiveServer) -> dict[str, int]:
    """A secret ranked election and a ruled yes/no motion (opened last, so it is first in the list),
    then a member added after they opened, with a delegate of its own."""
    with live_server.app.app_context():
        secret = draft_motion(method="irv", option_list=CANDIDATES, secret=True,
                              title=SECRET_TITLE, rules={"quorum": {"members": "1/3"}})
        ruled = draft_motion(title=RULED_TITLE, rules={"threshold": "two_thirds", "quorum": {"members": "1/2"},
                                                       "double_majority": {"members": False, "regions": "all"}})
        for motion_id in (secret, ruled):
            db.session.get(Motion, motion_id).closes_at = utcnow() + timedelta(hours=3)
            db.session.commit()
            open_now(motion_id)
        late = add_member("late-joiner", name_en="Late Joiner LIP", name_fr="PLI Arrivée tardive")
        late_delegate = add_user(LATE_EMAIL, Role.DELEGATE, late, DelegateRank.PRIMARY, password=None)
        late_delegate.password_hash = password_hash(DEMO_PASSWORD)
        db.session.commit()
    return {"ruled": ruled, "secret": secret}


class Tour:
    """One person's pages: each is checked by axe, photographed, and tried at 320 px."""

    def __init__(self, page: Page, ui: Ui, width: int, axe_source: str, artifacts: Path) -> None:
        self.page, self.ui, self.width, self.artifacts = page, ui, width, artifacts
        self.axe = Axe(page, axe_source, ui.lang, impacts=ALL_IMPACTS)
        self.too_wide: list[str] = []
        page.set_viewport_size({"width": width, "height": 800})

    def look(self, name: str) -> None:
        page = self.page
        self.axe.check(name)
        page.screenshot(path=self.artifacts / f"delegate-{self.ui.lang}-{self.width}-{name}.png", full_page=True)
        page.set_viewport_size({"width": NARROWEST, "height": 800})
        scroll_width, client_width = page.evaluate(OVERFLOW)
        if scroll_width > client_width:
            self.too_wide.append(f"{name} ({page.url}): {scroll_width} px wide at {client_width} px")
        page.set_viewport_size({"width": self.width, "height": 800})

    def report(self) -> None:
        self.axe.report()
        assert not self.too_wide, "pages that scroll sideways at 320 px:\n" + "\n".join(self.too_wide)


def sign_in(page: Page, ui: Ui, email: str) -> None:
    page.goto(ui.url("/login"))
    ui.ensure_language(page)
    page.get_by_label(ui.t("E-mail address"), exact=True).fill(email)
    page.get_by_label(ui.t("Password"), exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=ui.t("Sign in"), exact=True).click()
    expect(page).to_have_url(ui.url("/home"))
    ui.ensure_language(page)


def weight_words(server: LiveServer, motion_id: int, slug: str, lang: str) -> str:
    """ "365 of 10,000 units (3.65%)" as the server words it in that language."""
    with server.app.test_request_context(), force_locale(lang):
        weights = json.loads(db.session.get(Motion, motion_id).open_leaf_json or "{}")["weights"]["weights"]
        return WeightShare(weights[slug], sum(weights.values())).words()


def in_view_without_scrolling(page: Page, locator_name: str, locator: Locator) -> None:
    box = locator.bounding_box()
    assert box is not None, f"{locator_name} is not shown"
    width = page.evaluate("() => document.documentElement.clientWidth")
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{locator_name} is off-screen: {box}, window {width}"


@pytest.mark.parametrize("lang, width", list(RUNS), ids=[f"{lang}-{width}" for lang, width in RUNS])
def test_a_delegate_sees_weight_rule_and_deadline_casts_and_moves_on(
        lang: str, width: int, live_server: LiveServer, motions: dict[str, int], new_page: Callable[[], Page],
        axe_source: str, artifacts: Path) -> None:
    ui = Ui(lang, live_server.url)
    t = ui.t
    slug = RUNS[(lang, width)]
    ruled_title, secret_title = TITLE_PREFIX[lang] + RULED_TITLE, TITLE_PREFIX[lang] + SECRET_TITLE
    tour = Tour(new_page(), ui, width, axe_source, artifacts)
    page = tour.page
    sign_in(page, ui, email_for(f"delegate.{slug}"))

    # Home: the motion's "Vote" button is on screen, and the header leaves room for content.
    row = page.locator("table.ballot-rows tbody tr").filter(has_text=ruled_title)
    vote_button = row.get_by_role("link", name=t("Vote"), exact=True)
    in_view_without_scrolling(page, "the Vote button", vote_button)
    header_bottom = page.evaluate("() => document.querySelector('.site-header').getBoundingClientRect().bottom")
    assert header_bottom <= (170 if width < 400 else 120), f"the header ends {header_bottom} px down"
    tour.look("home")

    # The motion page: weight and share, the rule in words, abstentions, quorum, regions, deadline.
    row.get_by_role("link", name=ruled_title, exact=True).click()
    expect(page.locator("h1")).to_have_text(ruled_title)
    main = page.locator("main")
    units = weight_words(live_server, motions["ruled"], slug, lang)
    expect(main).to_contain_text(units)
    expect(main).to_contain_text(t("two thirds"))
    expect(main).to_contain_text(t("Abstentions"))
    expect(main).to_contain_text(t("Quorum"))
    expect(main).to_contain_text(t("Regional majority"))
    expect(main.locator(".ballot-rules time")).to_have_count(1)
    tour.look("motion")

    # The ballot page repeats weight and rule; review, then cast.
    page.get_by_role("link", name=t("Vote"), exact=True).click()
    expect(page.locator("h1")).to_have_text(t("Ballot: %(title)s", title=ruled_title))
    expect(page.locator(".ballot-for")).to_have_text(t("You are voting on behalf of %(member)s.", member=NAMES[slug][lang]))
    expect(main).to_contain_text(units)
    tour.look("ballot")
    page.get_by_role("button", name=t("Review my ballot"), exact=True).click()  # nothing chosen
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text(t("Choose one option."))
    summary.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"#ballot-choices$"))
    tour.look("ballot-error")
    page.get_by_role("radio", name="Yes" if lang == "en" else "Oui", exact=True).check()
    page.get_by_role("button", name=t("Review my ballot"), exact=True).click()
    expect(page.locator("h1")).to_have_text(t("Review your ballot"))
    expect(main).to_contain_text(units)
    expect(main).to_contain_text(t("two thirds"))
    tour.look("review")
    page.get_by_role("button", name=t("Cast ballot"), exact=True).click()

    # The receipt: tracking code first (no group broken across lines), honest about a recorded ballot.
    expect(page.locator("h1")).to_have_text(t("Ballot receipt"))
    groups = page.locator(".tracking-code .code-group")
    expect(groups).to_have_count(4)
    for i in range(4):
        assert groups.nth(i).evaluate("g => g.getClientRects().length") == 1
    expect(main).to_contain_text(NAMES[slug][lang])
    expect(main).not_to_contain_text("only you know")
    expect(page.locator("details.evidence")).not_to_have_attribute("open", "")
    expect(page.locator("pre.checkpoint")).to_be_hidden()
    tour.look("receipt-recorded")

    # The next motion waiting: the secret election, ranked with explicit buttons.
    page.get_by_role("link", name=t("Vote on the next motion"), exact=True).click()
    expect(page.locator("h1")).to_have_text(t("Ballot: %(title)s", title=secret_title))
    rank = t("Rank {option}")
    page.get_by_role("button", name=rank.replace("{option}", "Grace Hopper"), exact=True).click()
    page.get_by_role("button", name=rank.replace("{option}", "Ada Lovelace"), exact=True).click()
    ranked = page.locator(".ranker-ranked .ranker-label")
    expect(ranked).to_have_text(["Grace Hopper", "Ada Lovelace"])
    # Arrow keys read; they never reorder.
    page.locator(".ranker-ranked button").first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(ranked).to_have_text(["Grace Hopper", "Ada Lovelace"])
    move_up = page.get_by_role("button", name=t("Move {option} up").replace("{option}", "Ada Lovelace"), exact=True)
    assert move_up.inner_text().strip() != "", "the Move up button has no visible text"
    move_up.click()
    expect(ranked).to_have_text(["Ada Lovelace", "Grace Hopper"])
    expect(page.locator(".ranker-item[tabindex]")).to_have_count(0)  # the items are not tab stops
    tour.look("ranked-ballot")
    page.get_by_role("button", name=t("Review my ballot"), exact=True).click()
    page.get_by_role("button", name=t("Cast ballot"), exact=True).click()

    # A secret ballot's receipt does not name the member, and says what the operator can see.
    expect(page.locator("h1")).to_have_text(t("Ballot receipt"))
    expect(main).not_to_contain_text(NAMES[slug][lang])
    expect(main).to_contain_text(t("The server’s operator can see which member cast each ballot: the server must know it "
                                   "to count one ballot per member."))
    tour.look("receipt-secret")

    # Your ballots: closed motions lead to their outcomes.
    page.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t("Your ballots"), exact=True).click()
    expect(page.locator("h1")).to_have_text(t("Your ballots"))
    tour.look("ballots")
    proxy = page.locator("table.ballot-rows").get_by_role("link", name=t("Proxy"), exact=True)
    if proxy.count():  # the demo's draft motion: a proxy may be given before it opens
        proxy.first.click()
        expect(page.locator("h1")).to_have_text(t("Proxy for %(member)s", member=NAMES[slug][lang]))
        tour.look("proxy")
        page.go_back()
    outcome = page.locator(".closed-motions a[href^='/results/motions/']")
    if outcome.count():
        outcome.first.click()
        expect(page).to_have_url(re.compile(r"/results/motions/\d+$"))
    tour.report()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_member_added_after_opening_is_told_so_and_offered_no_ballot(
        lang: str, live_server: LiveServer, motions: dict[str, int], new_page: Callable[[], Page],
        axe_source: str, artifacts: Path) -> None:
    ui = Ui(lang, live_server.url)
    t = ui.t
    tour = Tour(new_page(), ui, 375, axe_source, artifacts)
    page = tour.page
    sign_in(page, ui, LATE_EMAIL)
    with live_server.app.app_context():
        name = db.session.scalar(select(Member).where(Member.slug == "late-joiner")).name(lang)
    refusal = t("%(member)s was not on the list of eligible members when this motion opened, so it has no vote on it.",
                member=name)
    page.goto(ui.url(f"/motions/{motions['ruled']}/vote"))
    expect(page.locator("main .notice")).to_have_text(refusal)
    expect(page.get_by_role("link", name=t("Vote"), exact=True)).to_have_count(0)
    tour.look("not-eligible")
    response = page.goto(ui.url(f"/motions/{motions['ruled']}/ballot"))
    assert response is not None and response.status == 403
    expect(page.locator("main")).to_contain_text(refusal)
    tour.report()


def test_touch_users_are_told_about_buttons_not_keys_or_dragging(
        live_server: LiveServer, motions: dict[str, int], browser: Browser, browser_context_args: dict[str, Any]) -> None:
    ui = Ui("en", live_server.url)
    hints = {}
    for device, extra in (("touch", {"has_touch": True, "is_mobile": True}), ("mouse", {})):
        context = browser.new_context(**{**browser_context_args, "viewport": {"width": 375, "height": 800}, **extra})
        try:
            page = context.new_page()
            sign_in(page, ui, email_for("delegate.york-region"))
            page.goto(ui.url(f"/motions/{motions['secret']}/ballot"))
            hints[device] = page.locator("#ranker-keys").inner_text()
        finally:
            context.close()
    for text in hints.values():
        assert "“Rank”" in text and "arrow" not in text.lower() and "Delete" not in text
    assert "drag" not in hints["touch"] and "drag" in hints["mouse"]
