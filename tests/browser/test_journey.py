"""The whole life of two motions, in a real browser, in English and in French.

A chair drafts and opens a yes/no motion (change of vote allowed) and a 3-seat STV election
through the real forms; three delegates vote - one with the keyboard only (the STV ranking
with ranking.js's keyboard controls), one who changes their vote, and one who casts another
member's ballot by proxy; each keeps the receipt page and its JSON; the chair closes both
motions; an auditor downloads each bundle and verifies it offline with
`ballots.verify.verify_bundle` and the downloaded receipts, checks a receipt on the audit page,
and reads the results. Every label the test clicks is the one the page renders in the run's
language (`Ui.t` reads the server's own compiled catalogue), and every page is checked to be in
that language. Each language gets a fresh server and database (`fresh_live_server`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest
from playwright.sync_api import Page, expect

from app.demo import DEMO_PASSWORD, LIPS, email_for
from ballots.verify import CHECKS, verify_bundle
from tests.browser.conftest import LiveServer, Ui
from tests.browser.test_accessibility import NARROW, RUN_AXE, WIDEST

pytestmark = pytest.mark.browser

NAMES = {slug: {"en": en, "fr": fr} for slug, en, fr, *_rest in LIPS}
KEYBOARD, REVOTER, GRANTOR, HOLDER = "halifax", "calgary", "edmonton", "bow-valley"
YES_NO = {"en": {"yes": "Yes", "no": "No"}, "fr": {"yes": "Oui", "no": "Non"}}
CANDIDATES = {
    "alpha": {"en": "Alpha Nominee", "fr": "Candidature Alpha"},
    "bravo": {"en": "Bravo Nominee", "fr": "Candidature Bravo"},
    "charlie": {"en": "Charlie Nominee", "fr": "Candidature Charlie"},
    "delta": {"en": "Delta Nominee", "fr": "Candidature Delta"},
    "echo": {"en": "Echo Nominee", "fr": "Candidature Echo"},
}
YES_NO_TITLE = {"en": "Fund the journey-test translation pool", "fr": "Financer le fonds de traduction du parcours d’essai"}
STV_TITLE = {"en": "Elect three journey-test stewards", "fr": "Élire trois intendances du parcours d’essai"}
TRACKING_CODE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$")
RECEIPT_NAME = re.compile(r"^lipvote-receipt-motion-(\d+)-leaf-(\d+)\.json$")


@dataclass
class Journey:
    ui: Ui
    artifacts: Path
    new_page: Callable[..., Page]
    width: int  # the window's width in px: a chair's laptop (1280) or a delegate's phone (375)
    axe_source: str
    receipts: dict[int, list[str]] = field(default_factory=dict)  # motion id -> receipt JSON texts
    problems: list[str] = field(default_factory=list)  # axe violations and sideways scrolling, reported at the end

    @property
    def lang(self) -> str:
        return self.ui.lang

    def person(self, account: str) -> Page:
        page = self.new_page(viewport={"width": self.width, "height": 900})
        self.ui.sign_in(page, account)
        return page

    def shot(self, page: Page, name: str) -> None:
        """Check the page (axe, any impact; no sideways scrolling, also at 320 px on a phone run)
        and keep its screenshot."""
        expect(page.locator("html")).to_have_attribute("lang", self.lang)
        label = f"[{self.lang} {self.width}px] {name} ({page.url})"
        for width in ((NARROW, self.width) if self.width < 400 else (self.width,)):
            page.set_viewport_size({"width": width, "height": 900})
            wide, window = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            if wide > window:
                self.problems.append(f"{label}: {wide} px wide in a {window} px window; widest: {page.evaluate(WIDEST)}")
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        if not page.evaluate("() => typeof axe !== 'undefined'"):
            page.evaluate(self.axe_source)  # through the debugging protocol, which the page's CSP does not govern
        for v in page.evaluate(RUN_AXE):
            nodes = "; ".join(n["target"] for n in v["nodes"][:3])
            self.problems.append(f"{label}: axe {v['impact']} {v['id']} - {v['help']} ({nodes})")
        page.screenshot(path=self.artifacts / f"journey-{self.lang}-{self.width}-{name}.png", full_page=True)

    def name(self, slug: str) -> str:
        return NAMES[slug][self.lang]


# --- the chair ---------------------------------------------------------------------------------


def draft_and_open(j: Journey, chair: Page, *, title: dict[str, str], method: str,
                   options: list[dict[str, str]] | None = None, seats: int = 1, revote: bool = False, shots: str) -> int:
    t = j.ui.t
    chair.goto(j.ui.url("/home"))
    chair.get_by_role("link", name=t("Draft a new motion"), exact=True).click()
    expect(chair.locator("h1")).to_have_text(t("New motion"))
    chair.get_by_label(t("Title in English"), exact=True).fill(title["en"])
    chair.get_by_label(t("Title in French"), exact=True).fill(title["fr"])
    chair.get_by_label(method, exact=True).check()
    rows = chair.locator("fieldset.option-row")
    for index, labels in enumerate(options or []):
        if rows.count() <= index:
            chair.get_by_role("button", name=t("Add another option"), exact=True).click()
        rows.nth(index).get_by_label(t("In English"), exact=True).fill(labels["en"])
        rows.nth(index).get_by_label(t("In French"), exact=True).fill(labels["fr"])
    if seats != 1:
        chair.get_by_label(t("Seats"), exact=True).fill(str(seats))
        # Move on from the number field as a person does: at 375 px a click straight from it
        # onto "Save draft" reached the form, not the button (see the closing note of issue 13).
        chair.get_by_label(t("Seats"), exact=True).press("Tab")
    if revote:
        chair.get_by_label(t("Delegates may change their vote until the motion closes"), exact=True).check()
    j.shot(chair, f"{shots}-1-chair-form")
    chair.get_by_role("button", name=t("Save draft"), exact=True).click()

    expect(chair).to_have_url(re.compile(r"/motions/\d+/preview$"))
    motion_id = int(re.findall(r"/motions/(\d+)/preview$", chair.url)[0])
    expect(chair.locator(".flashes")).to_contain_text(t("Draft saved. Preview the weights before opening it."))
    expect(chair.locator("h1")).to_have_text(t("Weights and voting power"))
    j.shot(chair, f"{shots}-2-preview")

    chair.get_by_role("link", name=t("Open the motion…"), exact=True).click()
    expect(chair.locator("h1")).to_have_text(t("Open this motion?"))
    j.shot(chair, f"{shots}-3-confirm-open")
    chair.get_by_role("button", name=t("Open the motion"), exact=True).click()
    expect(chair).to_have_url(j.ui.url(f"/motions/{motion_id}/console"))
    expect(chair.locator(".flashes")).to_contain_text(t("The motion is open: delegates can vote, and its rules and weights are published in its public log."))
    expect(chair.locator(".facts .state")).to_have_text(t("open"))
    return motion_id


def close_motion(j: Journey, chair: Page, title: str, motion_id: int, shots: str) -> None:
    t = j.ui.t
    chair.goto(j.ui.url("/home"))
    row = chair.locator(".motion-list li").filter(has_text=title)
    row.get_by_role("link", name=t("Close"), exact=True).click()
    expect(chair.locator("h1")).to_have_text(t("Close this motion now?"))
    j.shot(chair, f"{shots}-confirm-close")
    chair.get_by_role("button", name=t("Close and count"), exact=True).click()
    expect(chair).to_have_url(j.ui.url(f"/motions/{motion_id}/outcome"))
    expect(chair.locator(".flashes")).to_contain_text(t("The motion is closed and counted."))
    expect(chair.locator(".facts .state")).to_have_text(t("closed, not certified"))


# --- delegates ---------------------------------------------------------------------------------


def open_ballot(j: Journey, page: Page, title: str, *, for_member: str | None = None, change: bool = False) -> None:
    """From "Your ballots", the Vote (or Change vote) button of this motion's row (for that member)."""
    t = j.ui.t
    page.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t("Your ballots"), exact=True).click()
    expect(page.locator("h1")).to_have_text(t("Your ballots"))
    row = page.locator("table.ballot-rows tbody tr").filter(has_text=title)
    if for_member is not None:
        row = row.filter(has_text=j.name(for_member))
    row.get_by_role("link", name=t("Change vote") if change else t("Vote"), exact=True).click()
    expect(page.locator("h1")).to_have_text(t("Ballot: %(title)s", title=title))


def review_and_cast(j: Journey, page: Page, shot: str | None = None) -> None:
    t = j.ui.t
    page.get_by_role("button", name=t("Review my ballot"), exact=True).click()
    expect(page.locator("h1")).to_have_text(t("Review your ballot"))
    if shot:
        j.shot(page, shot)
    page.get_by_role("button", name=t("Cast ballot"), exact=True).click()


def keep_receipt(j: Journey, page: Page, motion_id: int, shot: str | None = None,
                 download: Callable[[Page], None] | None = None) -> dict[str, Any]:
    """The receipt page shows the tracking code; the JSON download carries the same receipt."""
    t = j.ui.t
    expect(page.locator("h1")).to_have_text(t("Ballot receipt"))
    expect(page.locator(".flashes")).to_contain_text(
        t("Your ballot was cast. Keep this receipt: its tracking code lets you find your ballot in the public log."))
    code_box = page.locator(".tracking-code")
    expect(code_box).to_be_visible()
    code = code_box.inner_text().strip()
    assert TRACKING_CODE.match(code), f"tracking code {code!r} does not look like four groups of four Crockford base32 characters"
    if shot:
        j.shot(page, shot)
    with page.expect_download() as info:
        if download is None:
            page.get_by_role("link", name=t("Download the receipt"), exact=True).click()
        else:
            download(page)
    saved = info.value
    named = RECEIPT_NAME.match(saved.suggested_filename)
    assert named and int(named.group(1)) == motion_id, saved.suggested_filename
    text = Path(saved.path()).read_text(encoding="utf-8")
    receipt: dict[str, Any] = json.loads(text)
    assert receipt["tracking_code"] == code
    assert receipt["index"] == int(named.group(2))
    j.receipts.setdefault(motion_id, []).append(text)
    return receipt


def pick_yes_no(j: Journey, page: Page, answer: str) -> None:
    page.get_by_role("radio", name=YES_NO[j.lang][answer], exact=True).check()


def rank_with_buttons(j: Journey, page: Page, order: list[str]) -> None:
    t = j.ui.t
    for option in order:
        label = CANDIDATES[option][j.lang]
        page.get_by_role("button", name=t("Rank {option}").replace("{option}", label), exact=True).click()


# --- keyboard only -----------------------------------------------------------------------------


def tab_to(page: Page, what: str, predicate: str, arg: Any = None, limit: int = 120) -> None:
    """Press Tab until `predicate(document.activeElement, arg)` holds; the focus must be visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(arg) => ({predicate})(document.activeElement, arg)", arg):
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{what} has the keyboard focus but no visible focus outline"
            return
    pytest.fail(f"{limit} presses of Tab never reached {what}")


TEXT_IS = "(el, text) => (el.innerText || el.value || '').trim() === text"
LINK_IN_ROW = ("(el, a) => el.tagName === 'A' && el.innerText.trim() === a.link"
               " && !!el.closest('tr') && el.closest('tr').innerText.includes(a.row)")
# A ranking button's words are visible, the option's name is there for screen readers only.
BUTTON_NAMED = "(el, text) => el.tagName === 'BUTTON' && el.textContent.replace(/\\s+/g, ' ').trim() === text"
RADIO = "(el, value) => el.type === 'radio' && el.name === 'choice' && el.value === value"


def press_and_load(page: Page, key: str) -> None:
    """Press a key that leaves the page (a link, a submit button) and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def keyboard_sign_in(j: Journey, page: Page, account: str) -> None:
    t = j.ui.t
    page.goto(j.ui.url("/login"))
    if j.lang != "en":
        tab_to(page, "the language button", TEXT_IS, "Français")
        press_and_load(page, "Enter")
        expect(page.locator("html")).to_have_attribute("lang", j.lang)
    tab_to(page, "the e-mail field", "(el) => el.name === 'email'")
    page.keyboard.type(email_for(f"delegate.{account}"))
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    press_and_load(page, "Enter")
    expect(page).to_have_url(j.ui.url("/home"))
    if page.locator("html").get_attribute("lang") != j.lang:
        tab_to(page, "the language button", TEXT_IS, "Français" if j.lang == "fr" else "English")
        press_and_load(page, "Enter")
    expect(page.locator("html")).to_have_attribute("lang", j.lang)
    expect(page.locator("h1")).to_contain_text(t("Delegate for %(member)s", member=j.name(account)))


def keyboard_voter(j: Journey, yes_no_id: int, stv_id: int) -> None:
    """Signs in, votes yes on the motion and ranks charlie > alpha > bravo, without a mouse."""
    t = j.ui.t
    page = j.new_page()
    keyboard_sign_in(j, page, KEYBOARD)

    def follow(what: str, predicate: str, arg: Any = None) -> None:
        tab_to(page, what, predicate, arg)
        press_and_load(page, "Enter")

    # yes/no: Tab reaches the first radio of the group, Space chooses it.
    follow("Your ballots", TEXT_IS, t("Your ballots"))
    follow("the Vote link of the yes/no motion", LINK_IN_ROW, {"link": t("Vote"), "row": YES_NO_TITLE[j.lang]})
    expect(page.locator("h1")).to_have_text(t("Ballot: %(title)s", title=YES_NO_TITLE[j.lang]))
    tab_to(page, "the Yes radio button", RADIO, "yes")
    page.keyboard.press("Space")
    expect(page.get_by_role("radio", name=YES_NO[j.lang]["yes"], exact=True)).to_be_checked()
    follow("Review my ballot", TEXT_IS, t("Review my ballot"))
    expect(page.locator("h1")).to_have_text(t("Review your ballot"))
    expect(page.locator(".review .selection")).to_have_text(t("Your choice: %(option)s", option=YES_NO[j.lang]["yes"]))
    follow("Cast ballot", TEXT_IS, t("Cast ballot"))

    def download_by_keyboard(p: Page) -> None:
        tab_to(p, "the receipt download link", TEXT_IS, t("Download the receipt"))
        p.keyboard.press("Enter")

    keep_receipt(j, page, yes_no_id, shot="yes-no-receipt-keyboard", download=download_by_keyboard)

    # STV: the "Rank" and "Move up" buttons (ranking.js); keys alone never reorder.
    follow("Your ballots", TEXT_IS, t("Your ballots"))
    follow("the Vote link of the election", LINK_IN_ROW, {"link": t("Vote"), "row": STV_TITLE[j.lang]})
    expect(page.locator("h1")).to_have_text(t("Ballot: %(title)s", title=STV_TITLE[j.lang]))
    expect(page.locator(".ranker")).to_be_visible()
    expect(page.locator(".rank-fields")).to_be_hidden()
    def button_text(msgid: str, option: str) -> str:
        return t(msgid).replace("{option}", CANDIDATES[option][j.lang])

    for option in ("alpha", "bravo", "charlie"):
        tab_to(page, f"the Rank button of {option}", BUTTON_NAMED, button_text("Rank {option}", option))
        page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_text(button_text("Move {option} up", "charlie"))
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    charlie = CANDIDATES["charlie"][j.lang]
    expect(page.locator(".ranker [aria-live]")).to_have_text(
        t("{option}: now number {position} of {count}.").replace("{option}", charlie)
        .replace("{position}", "1").replace("{count}", "3"))
    expect(page.locator(".ranker-ranked .ranker-label")).to_have_text(
        [CANDIDATES[o][j.lang] for o in ("charlie", "alpha", "bravo")])
    ranks = page.evaluate("() => Object.fromEntries([...document.querySelectorAll('.rank-field select')]"
                          ".map(s => [s.name, s.value]))")
    # identifiers derived from the English labels
    assert ranks == {"rank-alpha-nominee": "2", "rank-bravo-nominee": "3", "rank-charlie-nominee": "1",
                     "rank-delta-nominee": "", "rank-echo-nominee": ""}
    j.shot(page, "stv-ballot-keyboard")
    follow("Review my ballot", TEXT_IS, t("Review my ballot"))
    expect(page.locator(".review ol.selection-list li")).to_have_text(
        [CANDIDATES[o][j.lang] for o in ("charlie", "alpha", "bravo")])
    j.shot(page, "stv-review-keyboard")
    follow("Cast ballot", TEXT_IS, t("Cast ballot"))
    keep_receipt(j, page, stv_id, shot="stv-receipt-keyboard", download=download_by_keyboard)


# --- the journey -------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_two_motions_from_drafting_to_verified_results(lang: str, width: int, fresh_live_server: LiveServer,
                                                        artifacts: Path, new_page: Callable[..., Page],
                                                        axe_source: str) -> None:
    j = Journey(Ui(lang, fresh_live_server.url), artifacts, new_page, width, axe_source)
    t = j.ui.t

    # The chair drafts and opens both motions through the real forms, confirming each step.
    chair = j.person("chair")
    yes_no_id = draft_and_open(j, chair, title=YES_NO_TITLE, method=t("Yes or no (with abstention)"), revote=True,
                               shots="yes-no")
    j.shot(chair, "yes-no-4-console")
    options = list(CANDIDATES.values())
    stv_id = draft_and_open(j, chair, title=STV_TITLE, method=t("Single transferable vote: ranked ballots, several seats"),
                            options=options, seats=3, shots="stv")

    # 1. Keyboard only: yes, and charlie > alpha > bravo.
    keyboard_voter(j, yes_no_id, stv_id)

    # 2. A change of vote: no, then yes; and alpha > bravo, ordered with the buttons.
    revoter = j.person(f"delegate.{REVOTER}")
    open_ballot(j, revoter, YES_NO_TITLE[lang])
    j.shot(revoter, "yes-no-ballot")
    pick_yes_no(j, revoter, "no")
    review_and_cast(j, revoter, shot="yes-no-review")
    first = keep_receipt(j, revoter, yes_no_id, shot="yes-no-receipt")
    open_ballot(j, revoter, YES_NO_TITLE[lang], change=True)
    expect(revoter.get_by_role("note").filter(has_text=j.name(REVOTER))).to_contain_text(
        t("%(member)s has already voted on this motion. Casting again replaces that ballot; the earlier one stays in the "
          "public log, marked as replaced.", member=j.name(REVOTER)))
    pick_yes_no(j, revoter, "yes")
    review_and_cast(j, revoter)
    second = keep_receipt(j, revoter, yes_no_id)
    assert second["index"] > first["index"]
    open_ballot(j, revoter, STV_TITLE[lang])
    rank_with_buttons(j, revoter, ["bravo", "alpha"])
    revoter.get_by_role("button", name=t("Move {option} up").replace("{option}", CANDIDATES["alpha"][lang]),
                        exact=True).click()
    expect(revoter.locator(".ranker-ranked .ranker-label")).to_have_text([CANDIDATES[o][lang] for o in ("alpha", "bravo")])
    review_and_cast(j, revoter)
    keep_receipt(j, revoter, stv_id)

    # 3. A proxy: the grantor's delegate gives its vote to the holder, whose delegate casts it.
    grantor = j.person(f"delegate.{GRANTOR}")
    grantor.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t("Your ballots"), exact=True).click()
    grantor.get_by_role("link", name=YES_NO_TITLE[lang], exact=True).click()
    grantor.get_by_role("link", name=t("Proxy"), exact=True).click()
    expect(grantor.locator("h1")).to_have_text(t("Proxy for %(member)s", member=j.name(GRANTOR)))
    grantor.get_by_label(t("Give our vote to"), exact=True).select_option(label=j.name(HOLDER))
    grantor.get_by_role("button", name=t("Give the proxy"), exact=True).click()
    expect(grantor.locator(".flashes")).to_contain_text(
        t("The delegates of %(holder)s may now cast your member's ballot on this motion.", holder=j.name(HOLDER)))
    expect(grantor.locator("main")).to_contain_text(
        t("Your member’s vote on this motion is given to %(holder)s.", holder=j.name(HOLDER)))
    j.shot(grantor, "proxy-given")

    holder = j.person(f"delegate.{HOLDER}")
    open_ballot(j, holder, YES_NO_TITLE[lang], for_member=GRANTOR)
    expect(holder.locator(".ballot-for")).to_have_text(
        t("You are voting on behalf of %(member)s, by proxy given to %(holder)s.", member=j.name(GRANTOR),
          holder=j.name(HOLDER)))
    pick_yes_no(j, holder, "no")
    review_and_cast(j, holder)
    keep_receipt(j, holder, yes_no_id, shot="yes-no-receipt-proxy")
    expect(holder.locator("main")).to_contain_text(t("cast by proxy by a delegate of %(holder)s", holder=j.name(HOLDER)))
    open_ballot(j, holder, STV_TITLE[lang], for_member=HOLDER)
    rank_with_buttons(j, holder, ["bravo", "delta"])
    j.shot(holder, "stv-ballot")
    review_and_cast(j, holder)
    keep_receipt(j, holder, stv_id)

    # The chair's console counts them, then the chair closes both motions.
    chair.goto(j.ui.url(f"/motions/{yes_no_id}/console"))
    expect(chair.locator("[data-field='turnout.ballots_text']")).to_have_text("3")
    close_motion(j, chair, YES_NO_TITLE[lang], yes_no_id, "yes-no")
    close_motion(j, chair, STV_TITLE[lang], stv_id, "stv")
    j.shot(chair, "stv-outcome")

    # The chair certifies the yes/no motion looking at its outcome.
    chair.goto(j.ui.url(f"/motions/{yes_no_id}/outcome"))
    headline = chair.locator("p.chair-outcome-headline").inner_text()
    chair.get_by_role("link", name=t("Certify the result…"), exact=True).click()
    expect(chair.locator(".chair-outcome .outcome")).to_have_text(headline)
    j.shot(chair, "yes-no-confirm-certify")
    chair.get_by_role("button", name=t("Certify the result"), exact=True).click()
    expect(chair).to_have_url(j.ui.url(f"/motions/{yes_no_id}/outcome"))
    j.shot(chair, "yes-no-certified")

    # The auditor: bundles verified offline with every receipt, a receipt checked online, results.
    auditor = j.person("auditor")
    for motion_id, title, prefix in ((yes_no_id, YES_NO_TITLE[lang], "yes-no"), (stv_id, STV_TITLE[lang], "stv")):
        auditor.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t("Audit"), exact=True).click()
        auditor.locator("tbody tr").filter(has_text=title).get_by_role("link", name=t("Audit"), exact=True).click()
        expect(auditor.locator("h1")).to_have_text(t("%(label)s: %(value)s", label=t("Audit"), value=title))
        j.shot(auditor, f"{prefix}-audit")
        with auditor.expect_download() as info:
            auditor.get_by_role("link", name=t("Download the bundle (JSON)"), exact=True).click()
        bundle = Path(info.value.path()).read_text(encoding="utf-8")
        receipts = j.receipts[motion_id]
        report = verify_bundle(bundle, receipts)
        expected = [(name, "skipped" if name == "witnesses" else "ok") for name in CHECKS]  # no witness keys given
        assert [(c.name, c.status) for c in report.checks] == expected, report.as_dict()
        assert report.check("receipts").message.startswith(f"{len(receipts)} receipts")

        # Online: the keyboard voter's receipt is in the log and counts; on the yes/no motion the
        # changed vote's first receipt is in the log too, but replaced.
        checks = [(receipts[0], "Your ballot is in the log", "included",
                   "Entry %(index)d of this motion's log, tracking code %(code)s, is in the log the server shows now, "
                   "unchanged, and it is counted.")]
        if motion_id == yes_no_id:
            checks.append((receipts[1], "Your ballot is in the log, but it was replaced", "replaced",
                           "Entry %(index)d (tracking code %(code)s) is in the log, unchanged, but it no longer counts: "
                           "it was replaced by a later ballot of the same member, and entry %(counted)d is the one "
                           "counted."))
        for number, (text, heading, verdict_class, message) in enumerate(checks):
            if number:
                auditor.get_by_role("link", name=t("Audit page of this motion"), exact=True).click()
            receipt = json.loads(text)
            auditor.get_by_label(t("Receipt"), exact=True).fill(text)
            auditor.get_by_role("button", name=t("Verify the receipt"), exact=True).click()
            verdict = auditor.locator(".verdict")
            expect(verdict).to_have_class(re.compile(rf"\bverdict-{verdict_class}\b"))
            expect(verdict.locator("h2")).to_have_text(t(heading))
            # the counted entry's index is the server's to say: any number in its place
            words = t(message, index=receipt["index"], code=receipt["tracking_code"], counted=999999)
            expect(verdict.locator("p").first).to_have_text(re.compile(re.escape(words).replace("999999", r"\d+")))
            j.shot(auditor, f"{prefix}-receipt-verified-{number + 1}")

        auditor.get_by_role("link", name=t("Audit page of this motion"), exact=True).click()
        auditor.get_by_role("link", name=t("Results"), exact=True).click()
        expect(auditor.locator("h1")).to_have_text(t("%(label)s: %(value)s", label=t("Results"), value=title))
        j.shot(auditor, f"{prefix}-results")
        headline = auditor.locator("p.outcome")
        if motion_id == yes_no_id:
            # Yes: the keyboard voter and the changed vote; no: the proxy ballot.
            expect(headline).to_contain_text(t("Carried"))
            expect(headline).not_to_contain_text(t("Defeated"))
        else:
            # Each first preference is a different candidate, each well above the quota.
            for winner in ("alpha", "bravo", "charlie"):
                expect(headline).to_contain_text(CANDIDATES[winner][lang])
            for loser in ("delta", "echo"):
                expect(headline).not_to_contain_text(CANDIDATES[loser][lang])

        # The auditor records the verification: the root the verifier reported, at its size.
        root = re.search(r"signed root ([0-9a-f]{64})", report.check("merkle root").message)
        assert root is not None, report.check("merkle root").message
        auditor.goto(j.ui.url(f"/audit/motions/{motion_id}/verified"))
        auditor.get_by_label(t("Root the verifier reported"), exact=True).fill(root.group(1))
        auditor.get_by_label(t("I ran the verifier on this motion's bundle with the key shown here, every check "
                               "passed, and the key's fingerprint is the one my federation published."), exact=True).check()
        auditor.get_by_role("button", name=t("Record my verification"), exact=True).click()
        expect(auditor).to_have_url(j.ui.url(f"/results/motions/{motion_id}"))
        expect(auditor.locator(".verifications li")).to_have_count(1)
        j.shot(auditor, f"{prefix}-results-verified")

    assert not j.problems, "\n".join(j.problems)
