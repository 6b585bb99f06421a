"""Server-side sessions: signing out, timeouts and account changes end a session for every copy of
its cookies (docs/threat-model.md, "Sessions")."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app import sessions
from app.extensions import db
from app.models import SessionEnd, User, UserSession, utcnow
from tests.conftest import PASSWORD, Person, csrf_token, post_form, sign_in


def _copy_cookies(source: FlaskClient, target: FlaskClient) -> None:
    for name in ("lipvote_session", "remember_token"):
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/home").status_code == 200


def test_a_cookie_copied_before_sign_out_is_worthless_after_it(app: Flask, people: dict[str, Person]) -> None:
    browser, thief = app.test_client(), app.test_client()
    assert sign_in(browser, "delegate@example.org").status_code == 302
    _copy_cookies(browser, thief)
    assert _signed_in(thief)  # the copy works while the session lives...
    post_form(browser, "/logout", {}, token_from="/home")
    assert not _signed_in(browser)
    assert not _signed_in(thief)  # ...and not after sign-out
    with app.app_context():
        row = db.session.scalar(select(UserSession))
        assert row.ended_reason is SessionEnd.LOGOUT and row.ended_at is not None


def test_the_remember_me_cookie_dies_with_its_session(app: Flask, people: dict[str, Person]) -> None:
    browser, thief = app.test_client(), app.test_client()
    token = csrf_token(browser, "/login")
    browser.post("/login", data={"csrf_token": token, "email": "delegate@example.org", "password": PASSWORD,
                                 "remember": "y"})
    remember = browser.get_cookie("remember_token")
    assert remember is not None
    thief.set_cookie("remember_token", remember.value)  # no session cookie: Flask-Login falls back to this one
    assert _signed_in(thief)
    post_form(browser, "/logout", {}, token_from="/home")
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    assert not _signed_in(fresh)


def test_cookies_hold_a_random_token_not_the_account_id(app: Flask, client: FlaskClient, people: dict[str, Person]) -> None:
    sign_in(client, "delegate@example.org")
    cookie = client.get_cookie("lipvote_session")
    assert cookie is not None
    token = app.session_interface.get_signing_serializer(app).loads(cookie.value)["_user_id"]  # type: ignore[attr-defined]
    assert len(token) >= 43 and str(people["delegate"].id) != token
    with app.app_context():
        assert db.session.scalar(select(UserSession.token_hash)) == hashlib.sha256(token.encode()).hexdigest()


def _age_session(app: Flask, **ago: timedelta) -> None:
    with app.app_context():
        now = utcnow()
        db.session.execute(update(UserSession).values({column: now - delta for column, delta in ago.items()}))
        db.session.commit()


def test_idle_timeout(app: Flask, client: FlaskClient, people: dict[str, Person]) -> None:
    sign_in(client, "delegate@example.org")
    idle = timedelta(minutes=app.config["LIPVOTE_SESSION_IDLE_MINUTES"])
    _age_session(app, last_seen_at=idle - timedelta(minutes=1))
    assert _signed_in(client)  # a request within the idle time keeps the session alive...
    with app.app_context():
        assert utcnow() - db.session.scalar(select(UserSession.last_seen_at)) < timedelta(seconds=30)
    _age_session(app, last_seen_at=idle + timedelta(seconds=1))
    assert not _signed_in(client)  # ...and one after it does not


def test_absolute_timeout_even_for_a_busy_session(app: Flask, client: FlaskClient, people: dict[str, Person]) -> None:
    sign_in(client, "delegate@example.org")
    _age_session(app, created_at=app.config["PERMANENT_SESSION_LIFETIME"] + timedelta(seconds=1))
    assert not _signed_in(client)


def test_last_seen_is_written_at_most_once_a_minute(app: Flask, client: FlaskClient, people: dict[str, Person]) -> None:
    sign_in(client, "delegate@example.org")
    _age_session(app, last_seen_at=timedelta(seconds=20))
    with app.app_context():
        before = db.session.scalar(select(UserSession.last_seen_at))
    assert _signed_in(client)
    with app.app_context():
        assert db.session.scalar(select(UserSession.last_seen_at)) == before


def _edit_account(admin: FlaskClient, user_id: int, **changes: str) -> None:
    form = {"email": "delegate@example.org", "display_name": "Delegate", "role": "delegate", "member": "halifax",
            "delegate_rank": "primary", "locale": "en", **changes}
    response = post_form(admin, f"/accounts/{user_id}/edit", form)
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_role_change_ends_the_accounts_sessions(app: Flask, people: dict[str, Person]) -> None:
    delegate, admin = app.test_client(), app.test_client()
    sign_in(delegate, "delegate@example.org")
    sign_in(admin, "admin@example.org")
    _edit_account(admin, people["delegate"].id, display_name="Delegate renamed")
    assert _signed_in(delegate)  # a new display name changes nothing the account may do
    _edit_account(admin, people["delegate"].id, role="observer", member="", delegate_rank="")
    assert not _signed_in(delegate)
    assert _signed_in(admin)


def test_deactivation_ends_the_accounts_sessions(app: Flask, people: dict[str, Person]) -> None:
    delegate, admin = app.test_client(), app.test_client()
    sign_in(delegate, "delegate@example.org")
    sign_in(admin, "admin@example.org")
    response = post_form(admin, f"/accounts/{people['delegate'].id}/active", {"active": "0"}, token_from="/accounts/")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, people["delegate"].id).active is False
        assert sessions.live_session_count(people["delegate"].id) == 0
    assert not _signed_in(delegate)


def test_a_password_reset_ends_every_other_session(app: Flask, people: dict[str, Person]) -> None:
    laptop, phone, admin = app.test_client(), app.test_client(), app.test_client()
    sign_in(laptop, "delegate@example.org")
    sign_in(admin, "admin@example.org")
    page = post_form(admin, f"/accounts/{people['delegate'].id}/link", {}, token_from="/accounts/").get_data(as_text=True)
    link = page.split("/reset/", 1)[1].split('"', 1)[0].split("<", 1)[0]
    new_password = "a brand new password 2026"
    assert post_form(phone, f"/reset/{link}", {"password": new_password, "confirm": new_password}).status_code == 302
    assert _signed_in(phone)
    assert not _signed_in(laptop)
