"""The chair's motion form in a real browser, in English and French, at 1280 and 375 px.

The form shows only what the chosen method takes, adds option rows ("add another"), derives
the options' identifiers, and on a refusal puts a GOV.UK error summary at the top, focused,
with a link to each field. Without JavaScript every part is shown and the server decides.
Every state of the page goes through axe-core (any impact) and must not scroll sideways at
320 px; screenshots go to tests/artifacts/form-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app.extensions import db
from app.motions.models import Motion
from tests.browser.conftest import LiveServer, Ui
from tests.browser.test_accessibility import Axe

pytestmark = pytest.mark.browser

ALL_IMPACTS = ("minor", "moderate", "serious", "critical")


def method_label(ui: Ui, method: str) -> str:
    from app.motions.forms import METHOD_LABELS

    return ui.t(METHOD_LABELS[method]._args[0])  # the msgid behind the lazy label


def parts_shown(page: Page, ui: Ui) -> dict[str, bool]:
    return {
        "options": page.locator("fieldset.option-rows").is_visible(),
        "seats": page.get_by_label(ui.t("Seats"), exact=True).is_visible(),
        "threshold": page.get_by_label(ui.t("Threshold"), exact=True).is_visible(),
        "double majority": page.get_by_label(ui.t("Double majority by region"), exact=True).is_visible(),
    }


def option_field(page: Page, ui: Ui, number: int, language: str) -> Any:
    row = page.locator("fieldset.option-row").nth(number - 1)
    return row.get_by_label(ui.t("In English" if language == "en" else "In French"), exact=True)


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_form_follows_the_method_and_saves_options_with_derived_ids(
        lang: str, width: int, live_server: LiveServer, new_page: Callable[[], Page], axe_source: str,
        artifacts: Path) -> None:
    ui = Ui(lang, live_server.url)
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    axe = Axe(page, axe_source, lang, impacts=ALL_IMPACTS)

    def look(name: str) -> None:
        axe.check(name)
        page.screenshot(path=artifacts / f"form-{name}-{lang}-{width}.png", full_page=True)

    ui.sign_in(page, "chair")
    page.goto(ui.url("/motions/new"))
    # yes or no: fixed options, a threshold and a double majority, one seat
    assert parts_shown(page, ui) == {"options": False, "seats": False, "threshold": True, "double majority": True}
    look("yes-no")

    page.get_by_label(method_label(ui, "irv"), exact=True).check()
    assert parts_shown(page, ui) == {"options": True, "seats": False, "threshold": False, "double majority": False}
    page.get_by_label(method_label(ui, "stv"), exact=True).check()
    assert parts_shown(page, ui) == {"options": True, "seats": True, "threshold": False, "double majority": False}
    look("stv")
    # Schulze STV cannot be recounted independently (docs/methods.md §2.8): the chair is told
    warning = page.locator("p.notice[data-methods='schulze_stv']")
    expect(warning).to_be_hidden()
    page.get_by_label(method_label(ui, "schulze_stv"), exact=True).check()
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(ui.t("Choose single transferable vote if an independent recount matters.")
                                    if lang == "en" else "recomptage indépendant")
    look("schulze-stv")
    page.get_by_label(method_label(ui, "stv"), exact=True).check()
    expect(warning).to_be_hidden()

    rows = page.locator("fieldset.option-row")
    before = rows.count()
    page.get_by_role("button", name=ui.t("Add another option"), exact=True).click()
    expect(rows).to_have_count(before + 1)
    expect(option_field(page, ui, before + 1, "en")).to_be_focused()
    expect(rows.nth(before).locator("legend")).to_have_text(ui.t("Option %(n)d", n=before + 1))
    # Removing a row renumbers the rest and moves focus to the row that took its place.
    rows.nth(1).get_by_role("button", name=ui.t("Remove option %(n)d", n=2), exact=True).click()
    expect(rows).to_have_count(before)
    expect(rows.nth(1).locator("legend")).to_have_text(ui.t("Option %(n)d", n=2))
    expect(rows.nth(1).get_by_label(ui.t("In English"), exact=True)).to_be_focused()
    expect(rows.last.get_by_role("button")).to_have_text(ui.t("Remove option %(n)d", n=before))

    # A refusal: one option only. The summary is at the top, focused, and links to the field.
    title = f"Elect the stewards ({lang}, {width})"
    page.get_by_label(ui.t("Title in English"), exact=True).fill(title)
    page.get_by_label(ui.t("Title in French"), exact=True).fill(f"Élire les intendants ({lang}, {width})")
    option_field(page, ui, 1, "en").fill("Ana Silva")
    option_field(page, ui, 1, "fr").fill("Ana Silva")
    page.get_by_role("button", name=ui.t("Save draft"), exact=True).click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text(ui.t("There is a problem"))
    assert page.title().startswith(ui.t("Error:"))
    # The page came back with the method and option kept, showing what STV takes.
    assert parts_shown(page, ui)["seats"]
    look("errors")
    summary.get_by_role("link").first.click()
    expect(option_field(page, ui, 1, "en")).to_be_focused()

    option_field(page, ui, 2, "en").fill("Chloé Roy")
    option_field(page, ui, 2, "fr").fill("Chloé Roy")
    option_field(page, ui, 3, "en").fill("Riverside site")
    option_field(page, ui, 3, "fr").fill("Site Riverside")
    page.get_by_label(ui.t("Seats"), exact=True).fill("2")
    page.get_by_role("button", name=ui.t("Save draft"), exact=True).click()
    expect(page).to_have_url(re.compile(r".*/motions/\d+/preview(#.*)?$"))
    with live_server.app.app_context():
        motion = db.session.scalars(select(Motion).where(Motion.title_en == title)).one()
        assert motion.option_ids == ["ana-silva", "chloe-roy", "riverside-site"]
        assert motion.method == "stv" and motion.seats == 2 and motion.rules["threshold"] == "majority_cast"
        motion_id = motion.id

    page.goto(ui.url(f"/motions/{motion_id}/edit"))
    assert parts_shown(page, ui)["options"]
    look("edit")
    axe.report()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_without_javascript_every_part_is_shown_and_the_server_decides(
        lang: str, live_server: LiveServer, browser: Browser, artifacts: Path) -> None:
    ui = Ui(lang, live_server.url)
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        ui.sign_in(page, "chair")
        page.goto(ui.url("/motions/new"))
        assert all(parts_shown(page, ui).values())
        rows = page.locator("fieldset.option-row")
        before = rows.count()
        page.get_by_role("button", name=ui.t("Add another option"), exact=True).click()
        expect(rows).to_have_count(before + 1)  # the form comes back with one more row
        page.get_by_label(ui.t("Title in English"), exact=True).fill("Choose a venue")
        page.get_by_label(ui.t("Title in French"), exact=True).fill("Choisir un lieu")
        page.get_by_label(method_label(ui, "irv"), exact=True).check()
        for number, (en, fr) in enumerate((("Halifax", "Halifax"), ("Montreal", "Montréal")), start=1):
            option_field(page, ui, number, "en").fill(en)
            option_field(page, ui, number, "fr").fill(fr)
        page.get_by_label(ui.t("Threshold"), exact=True).select_option("two_thirds")
        page.get_by_role("button", name=ui.t("Save draft"), exact=True).click()
        summary = page.locator(".error-summary")
        expect(summary).to_be_visible()
        expect(summary.get_by_role("link")).to_have_attribute("href", "#threshold")
        page.set_viewport_size({"width": 375, "height": 900})
        page.screenshot(path=artifacts / f"form-no-js-errors-{lang}-375.png", full_page=True)
        with live_server.app.app_context():
            assert db.session.scalar(select(Motion).where(Motion.title_en == "Choose a venue")) is None
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_invitation_opens_in_the_invitees_language_and_refuses_clearly(
        lang: str, width: int, live_server: LiveServer, new_page: Callable[[], Page], axe_source: str,
        artifacts: Path) -> None:
    from app import tokens
    from app.models import Role, TokenPurpose, User

    with live_server.app.app_context():
        person = User(email=f"invitee.{lang}.{width}@demo.example", display_name=f"Invitee {lang} {width}",
                      role=Role.OBSERVER, locale=lang)
        db.session.add(person)
        db.session.flush()
        raw = tokens.issue(person, TokenPurpose.INVITATION, None)
        db.session.commit()
    ui = Ui(lang, live_server.url)
    page = new_page()  # a browser that asks for the other language
    page.set_viewport_size({"width": width, "height": 900})
    page.context.set_extra_http_headers({"Accept-Language": "fr" if lang == "en" else "en"})
    axe = Axe(page, axe_source, lang, impacts=ALL_IMPACTS)
    page.goto(ui.url(f"/invite/{raw}"))
    expect(page.locator("h1")).to_have_text(ui.t("Welcome to lipvote, %(name)s", name=f"Invitee {lang} {width}"))
    axe.check("invitation")
    page.screenshot(path=artifacts / f"form-invitation-{lang}-{width}.png", full_page=True)
    page.get_by_label(ui.t("New password"), exact=True).fill("short")
    page.get_by_role("button", name=ui.t("Set password"), exact=True).click()
    expect(page.locator(".error-summary")).to_be_focused()
    axe.check("invitation with errors")
    page.screenshot(path=artifacts / f"form-invitation-errors-{lang}-{width}.png", full_page=True)
    axe.report()
