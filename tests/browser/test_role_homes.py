"""Each demo role signs in through the real login page and sees its own home, in English and French."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

# role account -> (English heading, French heading, a French string that must appear on the page)
HOMES = {
    "admin": ("Administration", "Administration", "Inviter une personne"),
    "chair": ("Chair", "Présidence", "Registre des membres"),
    "delegate.bow-valley": ("Delegate for Bow Valley Immigration Partnership",
                            "vallée de la Bow", "Votre membre"),
    "auditor": ("Auditor", "Vérificateur(-trice)", "Télécharger le registre"),
    "observer": ("Observer", "Observateur(-trice)", "Vous ne pouvez pas voter"),
}


def sign_in(page: Page, base: str, account: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail address").fill(f"{account}@demo.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/home")


@pytest.mark.parametrize("account", list(HOMES))
def test_role_home_in_english_and_french(page: Page, live_server, artifacts: Path, account: str) -> None:
    english, french, french_text = HOMES[account]
    sign_in(page, live_server.url, account)
    expect(page.locator("h1")).to_contain_text(english)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("note")).to_contain_text("Demo data")
    page.screenshot(path=artifacts / f"home-{account}-en.png", full_page=True)

    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_contain_text(french)
    expect(page.locator("body")).to_contain_text(french_text)
    page.screenshot(path=artifacts / f"home-{account}-fr.png", full_page=True)

    # The choice is remembered for the account: a new sign-in comes back in French.
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_label("Adresse courriel").fill(f"{account}@demo.example")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    # Back to English for the next run of the module's shared database.
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
