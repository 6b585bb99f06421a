"""Two-factor authentication in a real browser, under the default configuration: a new chair is
sent to enrolment at first sign-in, scans (reads) the key, enters a code, sees the recovery codes
once, signs out, and signs in again with a password and a code.

Every page of the journey runs through axe-core (no violation at all, of any impact, and no
sideways scrolling), in English and French, at 1280 and 375 px; screenshots go to
tests/artifacts/two-factor-<page>-<lang>-<width>.png.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pyotp
import pytest
from playwright.sync_api import Page, expect

from app.auth.two_factor import code_at, time_step
from app.config import DEFAULT_TWO_FACTOR_ROLES
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.models import Role, User, utcnow
from tests.browser.conftest import LiveServer, Ui, serve
from tests.browser.test_accessibility import Axe
from tests.conftest import password_hash

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, migrated_database: Path) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("live-2fa"), migrated_database,
               LIPVOTE_TWO_FACTOR_ROLES=DEFAULT_TWO_FACTOR_ROLES) as live:
        yield live


def new_chair(server: LiveServer, email: str, lang: str) -> None:
    with server.app.app_context():
        db.session.add(User(email=email, display_name="Camille Chair", role=Role.CHAIR, locale=lang,
                            password_hash=password_hash(DEMO_PASSWORD)))
        db.session.commit()


def sign_in_with_password(page: Page, ui: Ui, email: str) -> None:
    page.goto(ui.url("/login"))
    ui.ensure_language(page)
    page.get_by_label(ui.t("E-mail address"), exact=True).fill(email)
    page.get_by_label(ui.t("Password"), exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=ui.t("Sign in"), exact=True).click()


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_enrolment_then_sign_in_with_a_code(lang: str, width: int, server: LiveServer, new_page: Callable[[], Page],
                                            axe_source: str, artifacts: Path) -> None:
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    ui = Ui(lang, server.url)
    axe = Axe(page, axe_source, lang, impacts=("minor", "moderate", "serious", "critical"))
    email = f"camille.{lang}.{width}@example.org"
    new_chair(server, email, lang)

    def look(name: str) -> None:
        axe.check(name)
        page.screenshot(path=artifacts / f"two-factor-{name}-{lang}-{width}.png", full_page=True)

    sign_in_with_password(page, ui, email)
    expect(page).to_have_url(ui.url("/account/two-factor/enrol"))  # the role requires it
    page.goto(ui.url("/motions/"))
    expect(page).to_have_url(ui.url("/account/two-factor/enrol"))  # and nothing else opens first
    expect(page.locator(".notice")).to_contain_text(ui.t("Chair"))
    expect(page.locator(".qr-code svg")).to_be_visible()
    look("enrol")

    secret = page.locator(".secret-key").inner_text().replace(" ", "")
    code_field = page.get_by_label(ui.t("Code from your authenticator app"), exact=True)
    code_field.fill("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.get_by_role("button", name=ui.t("Turn on two-factor authentication"), exact=True).click()
    expect(page.locator(".error-summary")).to_be_visible()
    look("enrol-wrong-code")

    enrolled_step = time_step(utcnow())
    page.get_by_label(ui.t("Code from your authenticator app"), exact=True).fill(code_at(secret, enrolled_step))
    page.get_by_role("button", name=ui.t("Turn on two-factor authentication"), exact=True).click()
    expect(page.locator("h1")).to_have_text(ui.t("Your recovery codes"))
    expect(page.locator("ol.recovery-codes li")).to_have_count(10)
    look("recovery-codes")
    page.get_by_role("link", name=ui.t("I have saved my recovery codes"), exact=True).click()
    expect(page).to_have_url(ui.url("/home"))

    page.get_by_role("button", name=ui.t("Sign out"), exact=True).click()
    sign_in_with_password(page, ui, email)
    expect(page).to_have_url(ui.url("/login/code"))
    expect(page.locator("h1")).to_have_text(ui.t("Enter your authentication code"))
    look("code")
    code = page.get_by_label(ui.t("Authentication code"), exact=True)
    code.fill(code_at(secret, enrolled_step))  # the code that turned it on does not work a second time
    page.get_by_role("button", name=ui.t("Verify"), exact=True).click()
    expect(page.locator(".help .error")).to_have_text(ui.t("Error:") + " " + ui.t(
        "That code has already been used. Wait for your authenticator app to show the next code, then enter it."))
    look("code-replayed")
    # The next step's code, as the app shows it 30 seconds later (one step ahead is accepted).
    page.get_by_label(ui.t("Authentication code"), exact=True).fill(
        code_at(secret, max(time_step(utcnow()), enrolled_step + 1)))
    page.get_by_role("button", name=ui.t("Verify"), exact=True).click()
    expect(page).to_have_url(ui.url("/home"))

    page.get_by_role("link", name=ui.t("Your account:"), exact=False).click()
    expect(page).to_have_url(ui.url("/account"))
    expect(page.get_by_text(ui.t("Turn off two-factor authentication"))).to_have_count(0)
    look("account")
    page.get_by_role("link", name=ui.t("Generate new recovery codes"), exact=True).click()
    expect(page.locator("h1")).to_have_text(ui.t("Generate new recovery codes"))
    look("regenerate")
    axe.report()
