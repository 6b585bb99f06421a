"""axe-core on the main pages, in English and French: no "serious" or "critical" violation.

Each test is a tour of one person (anonymous, admin, chair, delegate, auditor, observer) through
the pages they use, run through axe-core (node_modules/axe-core, installed by
.ci/install-test-deps). Violations of every page of the tour are collected and reported
together, rule by rule, with the elements that fail. The tours run in English and French at the
default width, and in English at 320 px, where each page must also reflow: nothing but a
table's own scroll box may be wider than the window.

How axe gets in: `page.add_script_tag(path=...)` would inject axe as an inline script, which our
CSP (`script-src 'self'`) blocks. Rather than switch the CSP off (`bypass_csp=True`), the test
serves axe at a same-origin URL through a Playwright route, so the pages are checked under the
very CSP they ship with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.motions.models import Motion, MotionState
from tests.app.motion_helpers import draft_motion, open_now, options
from tests.browser.conftest import LiveServer, Ui

pytestmark = pytest.mark.browser

AXE_PATH = "/__axe__/axe.min.js"  # answered by the test's route, never by the server
FAILING_IMPACTS = ("serious", "critical")
DELEGATE = "delegate.halifax"
NARROW = 320  # px: the narrowest screen the house rules support (WCAG 1.4.10 reflow)
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""

# The elements that stick out of the window furthest (outside any scrolling table), to name in a report.
WIDEST = """() => [...document.querySelectorAll("body *")]
  .filter(e => !e.closest(".table-scroll") && e.getBoundingClientRect().right > window.innerWidth + 1)
  .sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right).slice(0, 3)
  .map(e => e.tagName.toLowerCase() + (e.className && typeof e.className === "string" ? "." + e.className.split(" ")[0] : "")
       + " " + Math.round(e.getBoundingClientRect().right) + "px").join(", ")"""


@dataclass(frozen=True)
class Site:
    """Motion ids of the module's server: the demo history plus open approval and STV motions."""

    closed: dict[str, int]  # method -> a closed demo motion
    open_yes_no: int
    draft: int
    open_approval: int
    open_stv: int


@pytest.fixture(scope="module")
def site(live_server: LiveServer) -> Site:
    with live_server.app.app_context():
        motions = list(db.session.scalars(select(Motion).order_by(Motion.id)))
        closed = {m.method: m.id for m in motions if m.state in (MotionState.CLOSED, MotionState.CERTIFIED)}
        open_yes_no = next(m.id for m in motions if m.state is MotionState.OPEN and m.method == "yes_no" and m.revote)
        draft = next(m.id for m in motions if m.state is MotionState.DRAFT)
        # Revote is allowed, so the English and French tours can both cast in the shared database.
        approval = draft_motion(method="approval", option_list=options("health", "employment", "rural"), seats=2,
                                revote=True, title="Choose the working groups (accessibility check)")
        stv = draft_motion(method="stv", option_list=options("ada", "ben", "chloe", "dev"), seats=2, revote=True,
                           title="Elect two stewards (accessibility check)")
        open_now(approval)
        open_now(stv)
    assert set(closed) >= {"yes_no", "approval", "irv", "stv", "schulze", "ranked_pairs"}, closed
    return Site(closed, open_yes_no, draft, approval, stv)


@dataclass
class Axe:
    """Runs axe on the current page and keeps what fails, for one report at the end."""

    page: Page
    source: str
    lang: str
    checked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    impacts: tuple[str, ...] = FAILING_IMPACTS  # ("minor", "moderate", *FAILING_IMPACTS): any violation fails

    def __post_init__(self) -> None:
        self.page.context.route(f"**{AXE_PATH}", lambda route: route.fulfill(
            status=200, content_type="application/javascript; charset=utf-8", body=self.source))

    def check(self, name: str) -> None:
        page = self.page
        expect(page.locator("html")).to_have_attribute("lang", self.lang)
        page.add_script_tag(url=AXE_PATH)
        violations: list[dict[str, Any]] = page.evaluate(RUN_AXE)
        self.checked.append(name)
        overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        if overflow[0] > overflow[1]:
            wide = page.evaluate(WIDEST)
            self.failures.append(f"[{self.lang}] {name} ({page.url})\n  the page is {overflow[0]} px wide in a "
                                 f"{overflow[1]} px window (it must reflow, not scroll sideways); widest: {wide}")
        for v in violations:
            if v["impact"] not in self.impacts:
                continue
            nodes = "\n".join(f"      {n['target']}: {' '.join((n['summary'] or '').split())}" for n in v["nodes"][:5])
            more = f"\n      … and {len(v['nodes']) - 5} more" if len(v["nodes"]) > 5 else ""
            self.failures.append(f"[{self.lang}] {name} ({page.url})\n  {v['impact']}: {v['id']} - {v['help']} "
                                 f"<{v['helpUrl']}>\n{nodes}{more}")

    def visit(self, ui: Ui, path: str, name: str) -> None:
        response = self.page.goto(ui.url(path))
        assert response is not None and response.ok, f"{path}: HTTP {response.status if response else '?'}"
        self.check(name)

    def report(self) -> None:
        assert self.checked
        if self.failures:
            pytest.fail(f"axe found {' or '.join(self.impacts)} violations on {len(self.failures)} occasion(s):\n\n"
                        + "\n\n".join(self.failures), pytrace=False)


# --- the tours ---------------------------------------------------------------------------------


def anonymous(axe: Axe, ui: Ui, site: Site) -> None:
    axe.page.goto(ui.url("/login"))
    ui.ensure_language(axe.page)
    axe.check("login")
    axe.visit(ui, "/audit/", "audit index")
    axe.visit(ui, "/audit/key", "signing key")
    axe.visit(ui, f"/audit/motions/{site.closed['yes_no']}", "audit page of a closed motion")
    axe.visit(ui, f"/audit/motions/{site.open_yes_no}", "audit page of an open motion")
    axe.visit(ui, f"/audit/motions/{site.closed['stv']}/receipt", "audit receipt form")
    for method, motion_id in sorted(site.closed.items()):
        axe.visit(ui, f"/results/motions/{motion_id}", f"results ({method})")


def admin(axe: Axe, ui: Ui, site: Site) -> None:
    ui.sign_in(axe.page, "admin")
    axe.check("admin home")
    axe.visit(ui, "/members/", "members list")
    axe.visit(ui, "/accounts/", "accounts list")
    axe.visit(ui, "/audit/trail", "audit trail")


def chair(axe: Axe, ui: Ui, site: Site) -> None:
    ui.sign_in(axe.page, "chair")
    axe.check("chair home")
    axe.visit(ui, "/motions/", "motions list")
    axe.visit(ui, "/motions/new", "chair draft form")
    page = axe.page
    page.get_by_role("button", name=ui.t("Save draft"), exact=True).click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe.check("chair draft form with errors")
    axe.visit(ui, f"/motions/{site.draft}/edit", "chair edit form")
    axe.visit(ui, f"/motions/{site.draft}/preview", "weights preview")
    axe.visit(ui, f"/motions/{site.draft}/open", "confirm opening")
    axe.visit(ui, f"/motions/{site.open_yes_no}/console", "console of an open motion")
    axe.visit(ui, f"/motions/{site.open_yes_no}/close", "confirm closing")
    axe.visit(ui, f"/motions/{site.open_yes_no}/extend", "change the closing time")
    axe.visit(ui, f"/motions/{site.closed['stv']}/console", "console of a closed motion")


def delegate(axe: Axe, ui: Ui, site: Site) -> None:
    page = axe.page
    t = ui.t
    ui.sign_in(page, DELEGATE)
    axe.check("delegate home")
    axe.visit(ui, "/motions/ballots", "your ballots")
    axe.visit(ui, f"/motions/{site.open_yes_no}/vote", "a motion for the delegate")
    axe.visit(ui, f"/motions/{site.open_approval}/ballot", "approval ballot")
    axe.visit(ui, f"/motions/{site.open_stv}/ballot", "ranked ballot (enhanced by ranking.js)")
    expect(page.locator(".ranker")).to_be_visible()
    page.get_by_role("button", name=t("Rank {option}").replace("{option}", "Ben"), exact=True).click()
    page.get_by_role("button", name=t("Rank {option}").replace("{option}", "Ada"), exact=True).click()
    axe.check("ranked ballot with two options ranked")
    page.get_by_role("button", name=t("Review my ballot"), exact=True).click()
    axe.check("review of a ranked ballot")

    axe.visit(ui, f"/motions/{site.open_yes_no}/ballot", "yes/no ballot")
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name=t("Review my ballot"), exact=True).click()
    expect(page.locator("h1")).to_have_text(t("Review your ballot"))
    axe.check("review of a yes/no ballot")
    page.get_by_role("button", name=t("Cast ballot"), exact=True).click()
    expect(page.locator("h1")).to_have_text(t("Ballot receipt"))
    axe.check("receipt")
    href = page.get_by_role("link", name=t("Download the receipt"), exact=True).get_attribute("href")
    receipt = page.request.get(ui.url(href or "")).text()
    axe.visit(ui, f"/audit/motions/{site.open_yes_no}/receipt", "audit receipt form")
    page.get_by_label(t("Receipt"), exact=True).fill(receipt)
    page.get_by_role("button", name=t("Verify the receipt"), exact=True).click()
    expect(page.locator(".verdict")).to_be_visible()
    axe.check("audit receipt verdict")
    axe.visit(ui, f"/motions/{site.open_approval}/proxy", "proxy form")


def auditor(axe: Axe, ui: Ui, site: Site) -> None:
    ui.sign_in(axe.page, "auditor")
    axe.check("auditor home")
    axe.visit(ui, "/audit/trail", "audit trail")
    axe.visit(ui, "/members/", "members list")


def observer(axe: Axe, ui: Ui, site: Site) -> None:
    ui.sign_in(axe.page, "observer")
    axe.check("observer home")
    axe.visit(ui, "/motions/", "motions list")


TOURS: dict[str, Callable[[Axe, Ui, Site], None]] = {
    "anonymous": anonymous, "admin": admin, "chair": chair, "delegate": delegate, "auditor": auditor,
    "observer": observer,
}


@pytest.mark.parametrize("tour", list(TOURS))
@pytest.mark.parametrize("lang, width", [("en", None), ("fr", None), ("en", NARROW)], ids=["en", "fr", "en-320px"])
def test_no_serious_accessibility_violations(lang: str, width: int | None, tour: str, new_page: Callable[[], Page],
                                             live_server: LiveServer, site: Site, axe_source: str) -> None:
    """At the default width in both languages, and at 320 px, where wide tables must scroll
    (and so must be reachable by keyboard) and nothing else may."""
    page = new_page()
    if width is not None:
        page.set_viewport_size({"width": width, "height": 720})
    axe = Axe(page, axe_source, lang)
    TOURS[tour](axe, Ui(lang, live_server.url), site)
    axe.report()
