"""Password reset by e-mail from the sign-in page, against a real SMTP server on the loopback."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.extensions import db
from app.mail import delivery
from app.models import AccountToken, AuditEvent, TokenPurpose, User, utcnow
from tests.conftest import csrf_token, post_form, sign_in
from tests.mail_server import MailServer, app_with_mail, html_body, mail_app, server, text_body  # noqa: F401  (fixtures)

LINK_RE = re.compile(r"http://localhost(/reset/[A-Za-z0-9_-]+)")
CSRF_VALUE_RE = re.compile(r'value="[^"]{40,}"')
NEW_PASSWORD = {"password": "a brand new password", "confirm": "a brand new password"}


def ask(client: FlaskClient, email: str) -> tuple[int, str]:
    response = post_form(client, "/password-reset", {"email": email})
    return response.status_code, CSRF_VALUE_RE.sub("", response.get_data(as_text=True))


def deliver(app: Flask) -> None:
    with app.app_context():
        delivery.deliver_due()


def reset_link(server: MailServer, address: str) -> str:
    [message] = server.inbox.to(address)
    return LINK_RE.search(text_body(message)).group(1)


def audit_actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_the_sign_in_page_offers_a_reset_only_when_mail_is_configured(client: FlaskClient, app_with_mail: Flask) -> None:
    assert "/password-reset" not in client.get("/login").get_data(as_text=True)
    page = client.get("/password-reset").get_data(as_text=True)
    assert "does not send e-mail" in page and 'name="email"' not in page
    assert "/password-reset" in app_with_mail.test_client().get("/login").get_data(as_text=True)


def test_a_reset_link_arrives_works_once_and_ends_the_other_sessions(app_with_mail: Flask, server: MailServer) -> None:
    elsewhere = app_with_mail.test_client()
    sign_in(elsewhere, "delegate@example.org")
    assert elsewhere.get("/home").status_code == 200

    status, page = ask(app_with_mail.test_client(), "Delegate@Example.org ")
    assert status == 200 and "Check your e-mail" in page
    deliver(app_with_mail)
    [message] = server.inbox.to("delegate@example.org")
    assert message["Subject"] == "Reset your lipvote password"
    path = reset_link(server, "delegate@example.org")
    assert path in html_body(message)

    visitor = app_with_mail.test_client()
    assert visitor.get(path).status_code == 200
    assert post_form(visitor, path, NEW_PASSWORD).status_code == 302
    assert elsewhere.get("/home").status_code == 302  # the other session ended
    assert app_with_mail.test_client().get(path).status_code == 410  # single use
    assert sign_in(app_with_mail.test_client(), "delegate@example.org", NEW_PASSWORD["password"]).status_code == 302
    assert audit_actions(app_with_mail)[-2:] == ["account.reset_requested", "account.password_reset"]
    with app_with_mail.app_context():  # only a hash of the link is stored
        token = db.session.scalar(select(AccountToken).where(AccountToken.purpose == TokenPurpose.RESET))
        assert token.token_hash not in path and path.rsplit("/", 1)[1] not in token.token_hash


def test_an_expired_link_is_refused(app_with_mail: Flask, server: MailServer) -> None:
    ask(app_with_mail.test_client(), "delegate@example.org")
    deliver(app_with_mail)
    with app_with_mail.app_context():
        db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = app_with_mail.test_client().get(reset_link(server, "delegate@example.org"))
    assert response.status_code == 410 and "It has expired." in response.get_data(as_text=True)


def test_unknown_and_inactive_addresses_get_the_same_answer_and_no_mail(app_with_mail: Flask, server: MailServer) -> None:
    with app_with_mail.app_context():
        db.session.execute(update(User).where(User.email == "observer@example.org").values(active=False))
        db.session.commit()
    answers = {(status, page.replace(address, "ADDRESS"))
               for address in ("delegate@example.org", "nobody@example.org", "observer@example.org")
               for status, page in [ask(app_with_mail.test_client(), address)]}
    assert len(answers) == 1 and next(iter(answers))[0] == 200
    deliver(app_with_mail)
    assert [rcpt for [rcpt] in server.inbox.envelopes] == ["delegate@example.org"]
    assert "account.reset_requested" in audit_actions(app_with_mail)


def test_known_and_unknown_addresses_take_about_the_same_time(
        tmp_path: Path, migrated_database: Path, server: MailServer) -> None:
    app = mail_app(tmp_path, migrated_database, server, LIPVOTE_RESET_ANSWER_SECONDS=0.4)
    timings: dict[str, float] = {}
    for address in ("delegate@example.org", "nobody@example.org", "chair@example.org", "no-one@example.org"):
        for _ in range(3):  # the fastest of three: other processes on the machine only ever add time
            client = app.test_client()
            token = csrf_token(client, "/password-reset")
            started = time.monotonic()
            assert client.post("/password-reset", data={"email": address, "csrf_token": token}).status_code == 200
            timings[address] = min(timings.get(address, 60.0), time.monotonic() - started)
    assert all(seconds >= 0.4 for seconds in timings.values()), timings
    assert max(timings.values()) - min(timings.values()) < 0.1, timings
    with app.app_context():
        db.engine.dispose()


def test_requests_are_throttled_per_address_asked_for_whether_or_not_it_has_an_account(
        tmp_path: Path, migrated_database: Path, server: MailServer) -> None:
    app = mail_app(tmp_path, migrated_database, server, LIPVOTE_RESET_LIMIT_PER_ACCOUNT="2 per hour")
    for address in ("delegate@example.org", "nobody@example.org"):
        client = app.test_client()
        assert [ask(client, address)[0] for _ in range(3)] == [200, 200, 429]
    throttled = app.test_client()
    for _ in range(2):
        ask(throttled, "chair@example.org")
    response = post_form(throttled, "/password-reset", {"email": "chair@example.org"})
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert "Too many reset requests" in response.get_data(as_text=True)
    deliver(app)
    assert len(server.inbox.to("delegate@example.org")) == 2  # only the allowed requests sent a message
    with app.app_context():
        db.engine.dispose()


def test_a_french_account_gets_a_french_message(app_with_mail: Flask, server: MailServer) -> None:
    with app_with_mail.app_context():
        db.session.execute(update(User).where(User.email == "chair@example.org").values(locale="fr"))
        db.session.commit()
    ask(app_with_mail.test_client(), "chair@example.org")  # asked from an English page
    deliver(app_with_mail)
    [message] = server.inbox.to("chair@example.org")
    assert message["Subject"] == "Réinitialiser votre mot de passe lipvote"
    assert "Quelqu’un a demandé" in text_body(message)
    assert "<html lang=\"fr\">" in html_body(message)


def test_a_signed_in_person_is_sent_home_and_an_empty_form_is_refused(app_with_mail: Flask) -> None:
    client = app_with_mail.test_client()
    assert post_form(client, "/password-reset", {"email": ""}).status_code == 400
    sign_in(client, "delegate@example.org")
    assert client.get("/password-reset").status_code == 302
