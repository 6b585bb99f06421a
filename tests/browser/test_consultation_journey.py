"""A consultation in a real browser, in English and in French, at 1280 and 375 px: the chair
starts one on the draft Representative Framework, two delegates answer (one first forgets to
choose, then changes the answer), the chair closes it, and the breakdown is shown.

Every page runs through axe-core (no violation of any impact, no sideways scrolling); screenshots
go to tests/artifacts/consultation-<page>-<lang>-<width>.png.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, Ui, catalogue
from tests.browser.test_accessibility import Axe

pytestmark = pytest.mark.browser

SLUG = "representative-framework-demo"
ANY_IMPACT = ("minor", "moderate", "serious", "critical")


def in_support(ui: Ui, k: int, n: int) -> str:
    """The headline, with the catalogue's plural for k."""
    text = "%(k)s of %(n)s members in support"
    return catalogue(ui.lang).ngettext(text, text, k) % {"k": k, "n": n}


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_chair_opens_delegates_answer_chair_closes(lang: str, width: int, fresh_live_server: LiveServer,
                                                   new_page: Callable[..., Page], axe_source: str,
                                                   artifacts: Path) -> None:
    ui = Ui(lang, fresh_live_server.url)
    size = {"width": width, "height": 900}

    def person(account: str) -> tuple[Page, Axe]:
        page = new_page(viewport=size)
        axe = Axe(page, axe_source, lang, impacts=ANY_IMPACT)
        ui.sign_in(page, account)
        return page, axe

    def look(page: Page, axe: Axe, name: str) -> None:
        axe.check(name)
        page.screenshot(path=artifacts / f"consultation-{name}-{lang}-{width}.png", full_page=True)

    chair, chair_axe = person("chair")
    chair.goto(ui.url(f"/proposals/{SLUG}"))
    chair.get_by_role("link", name=ui.t("Start a consultation on version %(n)s", n=2), exact=True).click()
    expect(chair.locator("h1")).to_have_text(ui.t("Start a consultation"))
    look(chair, chair_axe, "start")
    chair.get_by_role("button", name=ui.t("Start the consultation"), exact=True).click()
    expect(chair.locator(".error-summary")).to_be_visible()  # no closing time
    look(chair, chair_axe, "start-error")
    chair.get_by_label(ui.t("Closing time"), exact=True).fill("2099-06-30T17:00")
    chair.get_by_role("button", name=ui.t("Start the consultation"), exact=True).click()
    expect(chair.locator(".flash")).to_have_text(ui.t("The consultation is open."))
    consultation_url = chair.url
    look(chair, chair_axe, "open-chair")

    halifax, halifax_axe = person("delegate.halifax")
    halifax.goto(ui.url(f"/proposals/{SLUG}"))
    look(halifax, halifax_axe, "proposal-delegate")
    halifax.get_by_role("link", name=ui.t("Answer for your member"), exact=True).click()
    expect(halifax.locator("h1")).to_have_text(ui.t("Answer the consultation"))
    halifax.get_by_role("button", name=ui.t("Send the answer"), exact=True).click()
    expect(halifax.locator(".error-summary")).to_contain_text(ui.t("Choose an answer."))
    look(halifax, halifax_axe, "answer-error")
    halifax.get_by_label(ui.t("Support"), exact=True).check()
    look(halifax, halifax_axe, "answer")
    halifax.get_by_role("button", name=ui.t("Send the answer"), exact=True).click()
    expect(halifax.locator(".flash")).to_have_text(
        ui.t("Your member’s answer is saved. You can change it until the consultation closes."))

    calgary, calgary_axe = person("delegate.calgary")
    calgary.goto(consultation_url)
    calgary.get_by_role("link", name=ui.t("Answer for %(member)s", member="Calgary LIP" if lang == "en"
                                          else "PLI de Calgary"), exact=True).click()
    calgary.get_by_label(ui.t("Oppose"), exact=True).check()
    calgary.get_by_label(ui.t("Comment (optional)"), exact=True).fill(
        "Rural and small LIPs are not named; <script>alert(1)</script>")
    calgary.get_by_role("button", name=ui.t("Send the answer"), exact=True).click()
    expect(calgary.locator(".consultation-headline")).to_have_text(
        in_support(ui, 1, 2))

    # Halifax changes its answer
    halifax.goto(consultation_url)
    halifax.get_by_role("link", name=ui.t("Change your member’s answer"), exact=True).click()
    expect(halifax.get_by_label(ui.t("Support"), exact=True)).to_be_checked()
    halifax.get_by_label(ui.t("Support with changes"), exact=True).check()
    halifax.get_by_label(ui.t("Comment (optional)"), exact=True).fill("Name the Atlantic provinces.")
    look(halifax, halifax_axe, "answer-change")
    halifax.get_by_role("button", name=ui.t("Change the answer"), exact=True).click()
    expect(halifax.locator(".flash")).to_be_visible()
    look(halifax, halifax_axe, "results-delegate")

    chair.goto(consultation_url)
    chair.get_by_role("button", name=ui.t("Close the consultation now"), exact=True).click()
    expect(chair.locator(".flash")).to_have_text(ui.t("The consultation is closed."))
    expect(chair.locator(".consultation-headline")).to_have_text(in_support(ui, 1, 2))
    region = chair.locator("#grouping-region ~ table tbody tr")
    expect(region).to_have_count(2)  # Atlantic and the Prairies, one answer each
    expect(chair.locator("#grouping-region ~ p.consultation-spread")).to_contain_text(
        catalogue(lang).ngettext(*["Support is divided: a majority in %(k)s of %(n)s groups."] * 2, 1) % {"k": 1, "n": 2})
    expect(chair.get_by_text("<script>alert(1)</script>", exact=False)).to_have_count(1)  # shown as text
    look(chair, chair_axe, "results-closed")
    with chair.expect_download() as download:
        chair.get_by_role("link", name=ui.t("Download the results as a spreadsheet (CSV)"), exact=True).click()
    assert download.value.suggested_filename == f"lipvote-{SLUG}-v2-consultation.csv"

    halifax.goto(consultation_url)
    expect(halifax.get_by_role("link", name=ui.t("Change your member’s answer"), exact=True)).to_have_count(0)
    chair.goto(ui.url(f"/proposals/{SLUG}"))
    expect(chair.locator(".consultation-summary .consultation-headline")).to_have_text(
        in_support(ui, 1, 2))
    look(chair, chair_axe, "proposal-chair")
    for axe in (chair_axe, halifax_axe, calgary_axe):
        axe.checked.append("journey")
        axe.report()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_demo_consultation_pages_at_320_px(lang: str, live_server: LiveServer, new_page: Callable[..., Page],
                                               axe_source: str, artifacts: Path) -> None:
    """The demo survey (confidential, every grouping), the open Workplan consultation with its
    comments, the answer form and the chair's form: no violation, no sideways scrolling at 320 px."""
    ui = Ui(lang, live_server.url)
    for account, paths in {
        "chair": ["/proposals/representative-framework-demo/consultations/new", "/proposals/statement-of-intention-demo"],
        "delegate.halifax": ["/proposals/workplan-demo/consultations/2/answer", "/proposals/workplan-demo"],
    }.items():
        page = new_page(viewport={"width": 320, "height": 720})
        axe = Axe(page, axe_source, lang, impacts=ANY_IMPACT)
        ui.sign_in(page, account)
        for path in paths:
            axe.visit(ui, path, path)
        page.locator(".consultation-summary a[href*='/consultations/']").last.click()
        axe.check(f"{account} consultation")
        page.screenshot(path=artifacts / f"consultation-demo-{account}-{lang}-320.png", full_page=True)
        axe.report()
