"""The results, receipt-check and auditor pages in a real browser, in English and French.

On the demo federation (six certified motions, one of each method) plus the demo's open motion,
closed here and left uncertified (a provisional result) after a delegate replaced their ballot:
each page is checked by axe-core (no violation of any impact) at 1280 and 320 px, must not
scroll sideways at 320 px, and is screenshot at 1280 and 375 px to
tests/artifacts/results-<page>-<lang>-<width>.png. Chart text must be at least 12 px at 375 px.
The auditor downloads a bundle, verifies it offline and records it; the results page shows it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.database import write_transaction
from app.demo import email_for
from app.extensions import db
from app.motions import service
from app.motions.models import Motion, MotionState
from ballots.verify import verify_bundle_bytes
from tests.app.motion_helpers import cast_as
from tests.browser.conftest import LiveServer, Ui
from tests.browser.test_accessibility import Axe

pytestmark = pytest.mark.browser

ALL_IMPACTS = ("minor", "moderate", "serious", "critical")
WIDE, PHONE, NARROW = 1280, 375, 320
DELEGATE = "delegate.halifax"
# font size as drawn: the SVG's font-size scaled by its rendered width over its viewBox width
CHART_TEXT_PX = """() => [...document.querySelectorAll("svg.chart")].map(svg =>
  parseFloat(svg.getAttribute("font-size")) * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width)"""


@dataclass(frozen=True)
class Site:
    certified: dict[str, int]  # method -> a certified demo motion
    regional: int  # a certified yes/no motion with a regional double majority
    provisional: int  # closed, not certified
    replaced_receipt: dict[str, Any]
    counted_index: int


@pytest.fixture(scope="module")
def site(live_server: LiveServer) -> Site:
    with live_server.app.app_context():
        motions = list(db.session.scalars(select(Motion).order_by(Motion.id)))
        certified = {m.method: m.id for m in motions if m.state is MotionState.CERTIFIED}
        regional = next(m.id for m in motions if m.state is MotionState.CERTIFIED and m.method == "yes_no"
                        and (m.rules.get("double_majority") or {}).get("regions"))
        open_id = next(m.id for m in motions if m.state is MotionState.OPEN and m.revote)
        first = cast_as(open_id, email_for(DELEGATE), "yes").receipt
        second = cast_as(open_id, email_for(DELEGATE), "no").receipt
        with write_transaction():
            service.close_motion(db.session.get(Motion, open_id))
    assert set(certified) >= {"yes_no", "approval", "irv", "stv", "schulze", "ranked_pairs"}, certified
    return Site(certified, regional, open_id, first, second["index"])


# the visible scroll boxes of tables that stack into one block per row on phones (the
# weight derivation's dozen columns among them)
STACKED_TABLES_SCROLLING = """() => [...document.querySelectorAll('.table-scroll')]
  .filter(e => e.querySelector('table.stack, table.weight-derivation') && e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
  .map(e => e.getAttribute('aria-labelledby'))"""


class Tour:
    """Looks at each page as a chair, a delegate on a phone and an auditor would: axe at 1280 and
    320 px (which also fails on sideways scrolling), screenshots at 1280 and 375 px."""

    def __init__(self, page: Page, ui: Ui, axe_source: str, artifacts: Path) -> None:
        self.page, self.ui, self.artifacts = page, ui, artifacts
        self.axe = Axe(page, axe_source, ui.lang, impacts=ALL_IMPACTS)
        self.small_chart_text: list[str] = []
        self.sideways: list[str] = []

    def look(self, name: str) -> None:
        page = self.page
        for width in (WIDE, PHONE, NARROW):
            page.set_viewport_size({"width": width, "height": 900})
            if width == PHONE:
                sizes = page.evaluate(CHART_TEXT_PX)
                if sizes and min(sizes) < 12:
                    self.small_chart_text.append(f"{name}: chart text {min(sizes):.1f} px at {width} px")
                boxes = page.evaluate(STACKED_TABLES_SCROLLING)
                if boxes:
                    self.sideways.append(f"{name}: {boxes} scroll sideways at {width} px")
            if width in (WIDE, PHONE):
                page.screenshot(path=self.artifacts / f"results-{name}-{self.ui.lang}-{width}.png", full_page=True)
            if width in (WIDE, NARROW):
                self.axe.check(f"{name} at {width} px")
        page.set_viewport_size({"width": WIDE, "height": 900})

    def report(self) -> None:
        assert not self.small_chart_text, "\n".join(self.small_chart_text)
        assert not self.sideways, "\n".join(self.sideways)  # a table built to stack on phones
        self.axe.report()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_results_and_receipt_pages(lang: str, live_server: LiveServer, site: Site, new_page: Callable[[], Page],
                                   axe_source: str, artifacts: Path) -> None:
    page = new_page()
    ui = Ui(lang, live_server.url)
    tour = Tour(page, ui, axe_source, artifacts)
    page.goto(ui.url("/audit/"))
    ui.ensure_language(page)

    for method, motion_id in site.certified.items():
        page.goto(ui.url(f"/results/motions/{motion_id}"))
        expect(page.locator(".outcome")).to_be_visible()
        expect(page.locator(".provisional")).to_have_count(0)
        if method in ("schulze", "ranked_pairs", "irv"):
            heading = ui.t("The last round") if method == "irv" else ui.t("What decided it")
            expect(page.locator("#charts-heading")).to_have_text(heading)
        tour.look(method.replace("_", "-"))
        power = page.locator(".power-report")
        expect(power.locator("table.power-regions")).to_have_count(1 if method == "yes_no" else 0)

    # voting power under the demo's regional double majority: by region, then each member folded
    for path in (f"/results/motions/{site.regional}", f"/audit/motions/{site.regional}"):
        page.goto(ui.url(path))
        power = page.locator(".power-report")
        expect(power.locator("table.power-regions tbody tr")).to_have_count(4)  # the demo LIPs lie in four
        expect(power).to_contain_text(ui.t("more than half of the units of every region"))
        table = power.locator("table.weight-derivation")
        expect(table).not_to_be_visible()
        power.locator("summary").click()
        expect(table.locator("tbody tr")).to_have_count(80)
        tour.look("power-" + path.split("/")[1])

    page.goto(ui.url(f"/results/motions/{site.provisional}"))
    provisional = page.locator(".provisional")
    expect(provisional).to_contain_text(ui.t("Provisional result"))
    assert provisional.bounding_box()["y"] < page.locator(".outcome").bounding_box()["y"]
    tour.look("provisional")

    page.goto(ui.url(f"/audit/motions/{site.provisional}"))
    yes = "Oui" if lang == "fr" else "Yes"
    expect(page.locator("#log-heading + .table-scroll td", has_text=re.compile(f"^{yes}$")).first).to_be_visible()
    tour.look("audit-log")

    page.goto(ui.url(f"/audit/motions/{site.provisional}/receipt"))
    page.get_by_label(ui.t("Receipt"), exact=True).fill(json.dumps(site.replaced_receipt))
    page.get_by_role("button", name=ui.t("Verify the receipt"), exact=True).click()
    verdict = page.locator(".verdict")
    expect(verdict.locator("h2")).to_have_text(ui.t("Your ballot is in the log, but it was replaced"))
    expect(verdict).to_contain_text(str(site.counted_index))
    # the check anchors on the server's own key: it says so and shows the key's fingerprint
    expect(verdict.locator(".key-fingerprint")).to_have_text(site.replaced_receipt["key_fingerprint"])
    tour.look("receipt-replaced")

    page.get_by_label(ui.t("Receipt"), exact=True).fill(json.dumps(dict(site.replaced_receipt,
                                                                        tracking_code="0000-0000-0000-0000")))
    page.get_by_role("button", name=ui.t("Verify the receipt"), exact=True).click()
    expect(verdict.locator("h2")).to_have_text(ui.t("This receipt could not be verified"))
    details = verdict.locator("details")
    expect(details.locator("code")).not_to_be_visible()  # folded: the technical line is for auditors
    details.locator("summary").click()
    expect(details.locator("code")).to_contain_text("tracking code: got")
    tour.look("receipt-invalid")

    page.goto(ui.url("/audit/key"))
    expect(page.locator(".key-fingerprint").first).to_have_text(site.replaced_receipt["key_fingerprint"])  # then the witnesses
    expect(page.get_by_role("heading", name=ui.t("Compare the fingerprint"))).to_be_visible()
    tour.look("signing-key")
    tour.report()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_auditor_verifies_a_bundle_and_records_it(lang: str, live_server: LiveServer, site: Site,
                                                      new_page: Callable[[], Page], axe_source: str,
                                                      artifacts: Path) -> None:
    page = new_page()
    ui = Ui(lang, live_server.url)
    tour = Tour(page, ui, axe_source, artifacts)
    ui.sign_in(page, "auditor")
    motion_id = site.certified["schulze" if lang == "en" else "irv"]
    row = page.locator(".audit-motion").filter(has=page.locator(f'a[href="/audit/motions/{motion_id}/verified"]'))
    expect(row).to_have_count(1)
    tour.look("auditor-home")

    with page.expect_download() as download:
        row.locator(f'a[href="/audit/motions/{motion_id}/bundle.json"]').click()
    data = Path(download.value.path()).read_bytes()
    with live_server.app.app_context():
        key = db.session.get(Motion, motion_id).log.verifier_key
    report = verify_bundle_bytes(data, trusted_keys=[key])
    assert report.verified  # the key from the server's page is the anchor
    root = re.search(r"signed root ([0-9a-f]{64})", report.check("merkle root").message).group(1)
    size = re.search(r"the (\d+) leaves", report.check("merkle root").message).group(1)

    row.locator(f'a[href="/audit/motions/{motion_id}/verified"]').click()
    expect(page.locator("h1")).to_contain_text(ui.t("Record your verification"))
    page.get_by_role("button", name=ui.t("Record my verification"), exact=True).click()
    expect(page.locator(".error-summary")).to_be_visible()
    tour.look("record-verification-errors")
    page.get_by_label(ui.t("Root the verifier reported"), exact=True).fill(root)
    expect(page.locator(".key-fingerprint")).to_have_text(report.summary["key_fingerprint"])
    page.get_by_label(ui.t("I ran the verifier on this motion's bundle with the key shown here, every check passed, "
                           "and the key's fingerprint is the one my federation published."), exact=True).check()
    page.get_by_role("button", name=ui.t("Record my verification"), exact=True).click()
    expect(page).to_have_url(ui.url(f"/results/motions/{motion_id}"))
    verified = page.locator(".verifications li")
    expect(verified).to_contain_text("Auditor")
    expect(verified).to_contain_text(size)
    tour.look("results-verified")
    tour.report()
