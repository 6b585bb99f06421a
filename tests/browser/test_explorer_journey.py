"""The framework explorer in a real browser: three frameworks side by side on the demo registry.

An observer compares the default frameworks, then picks others with the check boxes; the
page is checked by axe-core (no violation of any impact, no sideways scrolling) in English and
French at 1280 and 375 px, and a choice of one framework is refused with an error summary.
Screenshots: tests/artifacts/explorer-<lang>-<width>.png.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, Ui
from tests.browser.test_accessibility import Axe

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_frameworks_side_by_side(lang: str, width: int, live_server: LiveServer, new_page: Callable[[], Page],
                                 axe_source: str, artifacts: Path) -> None:
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    ui = Ui(lang, live_server.url)
    axe = Axe(page, axe_source, lang, impacts=("minor", "moderate", "serious", "critical"))
    ui.sign_in(page, "observer")
    axe.visit(ui, "/explorer/", "explorer (default frameworks)")
    expect(page.get_by_role("heading", level=1)).to_have_text(ui.t("Compare representation frameworks"))
    for label in ("One LIP, one vote", "Weights by size", "Majority of LIPs and of three regions"):
        expect(page.get_by_role("heading", level=2, name=ui.t(label))).to_be_visible()
    page.screenshot(path=artifacts / f"explorer-{lang}-{width}.png", full_page=True)

    # another choice: untick two, tick the square-root framework
    page.get_by_role("checkbox", name=ui.t("Weights by size"), exact=True).uncheck()
    page.get_by_role("checkbox", name=ui.t("Majority of LIPs and of three regions"), exact=True).uncheck()
    page.get_by_role("checkbox", name=ui.t("Square root of population"), exact=True).check()
    page.get_by_role("button", name=ui.t("Compare"), exact=True).click()
    expect(page.get_by_role("heading", level=2, name=ui.t("Square root of population"))).to_be_visible()
    axe.check("explorer (square root)")

    # one framework alone is refused, with the error summary linking to the choices
    page.get_by_role("checkbox", name=ui.t("One LIP, one vote"), exact=True).uncheck()
    page.get_by_role("button", name=ui.t("Compare"), exact=True).click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text(ui.t("Choose between %(low)d and %(high)d frameworks to compare.", low=2, high=4))
    axe.check("explorer (refused choice)")
    page.screenshot(path=artifacts / f"explorer-{lang}-{width}-refused.png", full_page=True)
    axe.report()


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_chair_builds_a_custom_framework(lang: str, width: int, live_server: LiveServer, new_page: Callable[[], Page],
                                           axe_source: str, artifacts: Path) -> None:
    """From a preset's card to the form, then a custom framework beside the presets; a bad
    percentage gets the error summary. Screenshots: explorer-custom-<lang>-<width>[-result|-refused].png."""
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    ui = Ui(lang, live_server.url)
    axe = Axe(page, axe_source, lang, impacts=("minor", "moderate", "serious", "critical"))
    ui.sign_in(page, "chair")
    axe.visit(ui, "/explorer/", "explorer as a chair")
    page.get_by_role("link", name=f"{ui.t('Change the parameters of this framework')} — {ui.t('Weights by size')}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ui.t("Build a custom framework"))
    axe.check("custom framework form")
    page.screenshot(path=artifacts / f"explorer-custom-{lang}-{width}.png", full_page=True)

    page.get_by_label(ui.t("Large centres"), exact=True).fill("5")
    members = page.get_by_role("group", name=ui.t("Condition on the number of LIPs"))
    members.get_by_label(ui.t("More than"), exact=True).check()
    page.get_by_label(ui.t("Share of the LIPs, in per cent"), exact=True).fill("50")
    page.get_by_role("button", name=ui.t("Compare"), exact=True).click()
    expect(page.get_by_role("heading", level=2, name=ui.t("Your framework"), exact=True)).to_be_visible()
    expect(page.get_by_role("heading", level=2, name=ui.t("One LIP, one vote"))).to_be_visible()
    assert "large=5" in page.url  # the comparison has an address to share
    axe.check("custom framework compared")
    page.screenshot(path=artifacts / f"explorer-custom-{lang}-{width}-result.png", full_page=True)

    page.get_by_label(ui.t("Cap: most weight for one LIP, in per cent (optional)"), exact=True).fill("a lot")
    page.get_by_role("button", name=ui.t("Compare"), exact=True).click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text(
        ui.t("Enter the cap as a percentage from 0 to 100, such as 10 or 12.5, or a fraction such as 1/8."))
    summary.get_by_role("link").first.click()
    expect(page.get_by_label(ui.t("Cap: most weight for one LIP, in per cent (optional)"), exact=True)).to_be_focused()
    axe.check("custom framework refused")
    page.screenshot(path=artifacts / f"explorer-custom-{lang}-{width}-refused.png", full_page=True)
    axe.report()
