"""Proposals in a real browser, in English and in French: a chair writes a proposal (after one
refused attempt), saves a second version and reads the differences; a delegate reads it on a
phone, one language at a time, with the language toggle.

Every page goes through axe-core (no violation of any impact) at 1280 and 320 px, and fails if it
scrolls sideways at 320 px; screenshots at 1280 and 375 px go to
tests/artifacts/proposal-<page>-<lang>-<width>.png.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, Ui
from tests.browser.test_accessibility import Axe

pytestmark = pytest.mark.browser

SCREENSHOT_WIDTHS = (1280, 375)
AXE_WIDTHS = (320, 1280)
TEXTS = {
    "en": {"title": ("Regional caucus charter", "Charte des caucus régionaux"),
           "v1": ("## 1 Purpose\nRegional caucuses meet **twice** a year to prepare national meetings.\n\n"
                  "## 2 Members\nEvery LIP of the region belongs to its caucus."),
           "v1_fr": "## 1 Objet\nLes caucus régionaux se réunissent **deux fois** par année.",
           "v2": ("## 1 Purpose\nRegional caucuses meet three times a year to prepare national meetings.\n\n"
                  "## 2 Members\nEvery LIP of the region belongs to its caucus.\n\n"
                  "## 3 Reports\nEach caucus reports to the members.")},
    "fr": {"title": ("Regional caucus rules", "Règles des caucus régionaux"),
           "v1": "## 1 Purpose\nRegional caucuses meet **twice** a year.",
           "v1_fr": ("## 1 Objet\nLes caucus régionaux se réunissent **deux fois** par année pour préparer les "
                     "réunions nationales.\n\n## 2 Membres\nChaque PLI de la région fait partie de son caucus."),
           "v2": "## 1 Purpose\nRegional caucuses meet three times a year."},
}


class Look:
    def __init__(self, page: Page, axe: Axe, lang: str, artifacts: Path, widths: tuple[int, ...] = SCREENSHOT_WIDTHS) -> None:
        self.page, self.axe, self.lang, self.artifacts, self.widths = page, axe, lang, artifacts, widths

    def __call__(self, name: str) -> None:
        for width in self.widths:
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.screenshot(path=self.artifacts / f"proposal-{name}-{self.lang}-{width}.png", full_page=True)
        for width in AXE_WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            self.axe.check(f"{name} at {width} px")
        self.page.set_viewport_size({"width": self.widths[0], "height": 900})


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_chair_drafts_and_revises_and_a_delegate_reads_on_a_phone(
        lang: str, live_server: LiveServer, new_page: Callable[[], Page], axe_source: str, artifacts: Path) -> None:
    ui, texts = Ui(lang, live_server.url), TEXTS[lang]
    t = ui.t
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    axe = Axe(page, axe_source, lang, impacts=("minor", "moderate", "serious", "critical"))
    look = Look(page, axe, lang, artifacts)
    ui.sign_in(page, "chair")

    page.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t("Proposals"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Proposals"))
    look("list")

    page.get_by_role("link", name=t("Start a new proposal")).click()
    page.get_by_label(t("Title in English")).fill(texts["title"][0])
    page.get_by_label(t("Title in French")).fill(texts["title"][1])
    page.get_by_label(t("Text in English")).fill("No clause heading here.")
    page.get_by_role("button", name=t("Save the draft proposal")).click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(1)
    look("new-refused")
    summary.get_by_role("link").click()
    expect(page.get_by_label(t("Text in English"))).to_be_focused()

    page.get_by_label(t("Text in English")).fill(texts["v1"])
    page.get_by_label(t("Text in French")).fill(texts["v1_fr"])
    page.get_by_role("button", name=t("Save the draft proposal")).click()
    expect(page.locator(".flash")).to_contain_text(t("Draft proposal saved as version 1."))
    expect(page.locator(".lang-mark")).to_have_count(1)  # clause 2 exists in one language only
    slug_url = page.url
    look("version-1")

    page.get_by_role("link", name=t("Write a new version")).click()
    page.get_by_label(t("Text in English")).fill(texts["v2"])
    page.get_by_label(t("What changed, in English (optional)")).fill("Meets more often.")
    page.get_by_label(t("What changed, in French (optional)")).fill("Se réunit plus souvent.")
    look("new-version-form")
    page.get_by_role("button", name=t("Save as a new version")).click()
    expect(page.locator(".flash")).to_contain_text(t("Version %(n)s saved.", n=2))
    look("version-2")

    page.get_by_role("link", name=t("What changed since version %(n)s", n=1)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t("Changes from version %(old)s to version %(new)s", old=1, new=2))
    expect(page.locator(".clause-en del").first).to_contain_text("twice")
    expect(page.locator(".clause-en ins").first).to_contain_text("three times")
    look("compare")

    page.get_by_role("link", name=t("Back to the history")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("History of the versions"))
    look("history")

    # A delegate on a phone: one language at a time, the toggle shows the other.
    phone = new_page()
    phone.set_viewport_size({"width": 375, "height": 800})
    phone_axe = Axe(phone, axe_source, lang, impacts=("minor", "moderate", "serious", "critical"))
    phone_look = Look(phone, phone_axe, lang, artifacts, widths=(375,))
    ui.sign_in(phone, "delegate.halifax")
    phone.goto(slug_url)
    own, other = (".clause-en", ".clause-fr") if lang == "en" else (".clause-fr", ".clause-en")
    expect(phone.locator(own).first).to_be_visible()
    expect(phone.locator(other).first).to_be_hidden()
    phone_look("phone-own-language")
    phone.get_by_role("link", name=t("Show the French text") if lang == "en" else t("Show the English text")).click()
    expect(phone.locator(other).first).to_be_visible()
    expect(phone.locator(own).first).to_be_hidden()
    phone_look("phone-other-language")
    assert not phone.get_by_role("link", name=t("Write a new version")).count()

    # The demo's workplan, where a clause's French is missing and another's is older.
    phone.goto(live_server.url + "/proposals/workplan-demo?show=fr")
    expect(phone.locator(".clause-fr .lang-mark").first).to_be_visible()
    phone_look("demo-workplan")

    axe.report()
    phone_axe.report()
