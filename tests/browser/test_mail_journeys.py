"""Mail journeys in a real browser, with a real SMTP server on the loopback, in English and
French at 1280 and 375 px: a delegate who forgot their password asks for a link from the
sign-in page, gets it by e-mail and chooses a new password; an administrator invites delegates
from a CSV file (problems listed, preview, send) and sees the outbox.

Every page runs through axe-core (no violation of any impact, no sideways scrolling);
screenshots go to tests/artifacts/mail-<page>-<lang>-<width>.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.mail import delivery, notifications
from app.models import DelegateRank, Member, Role, User
from sqlalchemy import select
from tests.browser.conftest import LiveServer, Ui, catalogue, serve
from tests.browser.test_accessibility import Axe
from tests.conftest import password_hash
from tests.mail_server import MailServer, text_body

pytestmark = pytest.mark.browser

ANY_IMPACT = ("minor", "moderate", "serious", "critical")
NEW_PASSWORD = "a fresh password for lipvote"


@pytest.fixture(scope="module")
def smtp() -> Iterator[MailServer]:
    mail = MailServer()
    mail.start()
    yield mail
    mail.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, migrated_database: Path, smtp: MailServer) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("live-mail"), migrated_database, LIPVOTE_RESET_ANSWER_SECONDS=0.05,
               **smtp.config()) as live:
        yield live


def deliver(server: LiveServer) -> None:
    with server.app.app_context():
        delivery.deliver_due()


def new_delegate(server: LiveServer, email: str, lang: str) -> None:
    with server.app.app_context():
        member = db.session.scalar(select(Member).where(Member.slug == "halton"))
        db.session.add(User(email=email, display_name="Dominique Delegate", role=Role.DELEGATE, member=member,
                            delegate_rank=DelegateRank.ALTERNATE, locale=lang, password_hash=password_hash(DEMO_PASSWORD)))
        db.session.commit()


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_forgotten_password_is_reset_by_e_mail(lang: str, width: int, server: LiveServer, smtp: MailServer,
                                                 new_page: Callable[[], Page], axe_source: str, artifacts: Path) -> None:
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    ui = Ui(lang, server.url)
    axe = Axe(page, axe_source, lang, impacts=ANY_IMPACT)
    email = f"forgetful.{lang}.{width}@example.org"
    new_delegate(server, email, lang)

    def look(name: str) -> None:
        axe.check(name)
        page.screenshot(path=artifacts / f"mail-reset-{name}-{lang}-{width}.png", full_page=True)

    page.goto(ui.url("/login"))
    ui.ensure_language(page)
    page.get_by_role("link", name=ui.t("Forgot your password?"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ui.t("Reset your password"))
    look("request")
    page.get_by_role("button", name=ui.t("Send me a reset link"), exact=True).click()
    expect(page.locator(".error-summary")).to_contain_text(ui.t("Enter the e-mail address of your account."))
    look("request-error")
    page.get_by_label(ui.t("E-mail address"), exact=True).fill(email)
    page.get_by_role("button", name=ui.t("Send me a reset link"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ui.t("Check your e-mail"))
    look("requested")

    deliver(server)
    [message] = smtp.inbox.to(email)
    assert message["Subject"] == ui.t("Reset your lipvote password")
    link = re.search(r"http://\S+/reset/\S+", text_body(message)).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(ui.t("Choose a new password"))
    look("choose")
    page.get_by_label(ui.t("New password"), exact=True).fill(NEW_PASSWORD)
    page.get_by_label(ui.t("Repeat the new password"), exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name=ui.t("Set password"), exact=True).click()
    expect(page).to_have_url(ui.url("/home"))
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(ui.t("This link cannot be used"))
    look("used")

    # signed in again: the delegate's e-mail choices on the account page
    page.goto(ui.url("/account"))
    expect(page.get_by_role("heading", level=2, name=ui.t("E-mail messages"))).to_be_visible()
    page.get_by_label(ui.t("A result was certified"), exact=True).uncheck()
    page.get_by_role("button", name=ui.t("Save my e-mail choices"), exact=True).click()
    expect(page.locator(".flash")).to_have_text(ui.t("Your e-mail choices are saved."))
    expect(page.get_by_label(ui.t("A result was certified"), exact=True)).not_to_be_checked()
    expect(page.get_by_label(ui.t("Another member’s amendment needs a seconder"), exact=True)).to_be_checked()
    look("account")

    # a message's unsubscribe link, opened in a browser
    with server.app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        token = notifications.unsubscribe_token(user_id, notifications.CLOSING)
    page.goto(ui.url(f"/mail/unsubscribe/{token}"))
    look("unsubscribe")
    page.get_by_role("button", name=ui.t("Stop these messages"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ui.t("Stop these e-mail messages"))
    look("unsubscribed")
    axe.report()


GOOD_ROWS = ("member,name,email,language,rank\n"
             "toronto-south,Alex Martin,alex.{tag}@example.org,en,alternate\n"
             "toronto-north,Béatrice Gagnon-Lefebvre,beatrice.{tag}@example.org,fr,alternate\n")
BAD_ROWS = ("member,name,email,language,rank\n"
            "nowhere,Alex Martin,alex.{tag}@example.org,en,alternate\n"
            "toronto-north,Béatrice Gagnon-Lefebvre,not-an-address,de,chief\n")


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_administrator_invites_delegates_from_a_csv_file(lang: str, width: int, server: LiveServer, smtp: MailServer,
                                                            new_page: Callable[[], Page], axe_source: str,
                                                            artifacts: Path) -> None:
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    ui = Ui(lang, server.url)
    axe = Axe(page, axe_source, lang, impacts=ANY_IMPACT)
    tag = f"{lang}{width}"

    def look(name: str) -> None:
        axe.check(name)
        page.screenshot(path=artifacts / f"mail-invite-{name}-{lang}-{width}.png", full_page=True)

    def upload(content: str) -> None:
        page.get_by_label(ui.t("CSV file of delegates"), exact=True).set_input_files(
            {"name": "delegates.csv", "mimeType": "text/csv", "buffer": content.format(tag=tag).encode("utf-8")})
        page.get_by_role("button", name=ui.t("Check the file"), exact=True).click()

    ui.sign_in(page, "admin")
    page.goto(ui.url("/accounts/"))
    page.get_by_role("link", name=ui.t("Invite delegates from a CSV file"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ui.t("Invite delegates"))
    look("upload")
    upload(BAD_ROWS)
    expect(page.locator(".error-summary")).to_contain_text(ui.t("Nobody was invited"))
    expect(page.locator(".error-summary tbody tr")).to_have_count(4)
    look("problems")
    upload(GOOD_ROWS)
    expect(page.get_by_role("heading", level=1)).to_have_text(ui.t("Check the invitations"))
    expect(page.locator("table.invitations tbody tr")).to_have_count(2)
    look("preview")
    page.get_by_role("button", name=ui.t("Create the accounts and send the invitations"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ui.t("Invite delegates"))
    expect(page.locator(".flash")).to_be_visible()
    look("sent")
    page.goto(ui.url("/mail/"))
    look("outbox")
    deliver(server)
    [french] = smtp.inbox.to(f"beatrice.{tag}@example.org")
    assert french["Subject"] == "Votre invitation à lipvote"
    page.goto(ui.url("/mail/"))
    look("outbox-sent")
    axe.report()


def notify(server: LiveServer, email: str, texts: list[tuple[str, str, str]]) -> None:
    """Notices as `lipvote mail` records them, oldest first: (English line, French line, link)."""
    from app.mail.models import Notification

    with server.app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        for text_en, text_fr, path in texts:
            db.session.add(Notification(user_id=user_id, kind=notifications.OPENED, text_en=text_en, text_fr=text_fr,
                                        path=path))
        db.session.commit()


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_delegate_reads_their_notifications(lang: str, width: int, server: LiveServer, new_page: Callable[[], Page],
                                              axe_source: str, artifacts: Path) -> None:
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    ui = Ui(lang, server.url)
    axe = Axe(page, axe_source, lang, impacts=ANY_IMPACT)
    email = f"notified.{lang}.{width}@example.org"
    new_delegate(server, email, lang)
    notify(server, email, [
        ("Open for voting: Adopt the 2027 settlement-services workplan for the Halton region",
         "Ouvert au vote : Adopter le plan de travail 2027 des services d’établissement de la région de Halton",
         "/motions/"),
        ("Closes soon, not voted yet: Adopt the 2027 settlement-services workplan for the Halton region",
         "Rappel : vote à venir, pas encore voté : Adopter le plan de travail 2027 des services d’établissement "
         "de la région de Halton", "/motions/"),
    ])

    def look(name: str) -> None:
        axe.check(name)
        page.screenshot(path=artifacts / f"mail-notifications-{name}-{lang}-{width}.png", full_page=True)

    page.goto(ui.url("/login"))
    ui.ensure_language(page)
    page.get_by_label(ui.t("E-mail address"), exact=True).fill(email)
    page.get_by_label(ui.t("Password"), exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=ui.t("Sign in"), exact=True).click()
    expect(page).to_have_url(ui.url("/home"))
    header_link = page.locator(".site-header").get_by_role("link", name=re.compile("^" + ui.t("Notifications")))
    expect(header_link.locator("[aria-hidden=true]")).to_have_text(" (2)")  # as seen: "Notifications (2)"
    unread = catalogue(lang).ngettext(", %(num)s unread", ", %(num)s unread", 2) % {"num": "2"}
    heard = re.escape(ui.t("Notifications") + unread).replace(",", r"\s*,")  # a hidden span may add a space
    expect(header_link).to_have_accessible_name(re.compile(f"^{heard}\\s*$"))  # as heard: "Notifications, 2 unread"
    look("home")

    header_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ui.t("Notifications"))
    items = page.locator(".inbox-list li")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text(ui.t("New"))
    expect(items.first.get_by_role("link")).to_contain_text("2027")
    look("list")
    page.get_by_role("button", name=ui.t("Mark all as read"), exact=True).click()
    expect(page.locator(".flash")).to_have_text(ui.t("All your notifications are marked as read."))
    expect(page.locator(".inbox-tag")).to_have_count(0)
    expect(header_link).to_have_count(0)  # nothing unread: the header keeps its room (the account page links here)
    look("read")
    if width == 375:  # the narrowest phone: the header with its count still reflows
        page.set_viewport_size({"width": 320, "height": 900})
        notify(server, email, [("Result certified: Adopt the workplan", "Résultat certifié : Adopter le plan de travail",
                                "/motions/")])
        page.goto(ui.url("/account"))
        page.get_by_role("link", name=ui.t("Read your notifications"), exact=True).click()
        expect(header_link).to_have_count(1)
        axe.check("narrowest")
        page.screenshot(path=artifacts / f"mail-notifications-narrowest-{lang}-320.png", full_page=True)
    axe.report()
