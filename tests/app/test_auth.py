"""Sign-in, CSRF, lock-out, invitations and resets."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import AccountToken, User, utcnow
from tests.conftest import PASSWORD, Person, csrf_token, post_form, sign_in


def test_sign_in_and_out(client: FlaskClient, people: dict[str, Person]) -> None:
    assert client.get("/home").status_code == 302
    response = sign_in(client, "Admin@Example.org")  # e-mail addresses are case-insensitive
    assert response.status_code == 302 and response.headers["Location"].endswith("/home")
    assert "Administration" in client.get("/home").get_data(as_text=True)
    cookie = client.get_cookie("lipvote_session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    post_form(client, "/logout", {}, token_from="/home")
    assert client.get("/home").status_code == 302


def test_wrong_password_is_401_with_a_message(client: FlaskClient, people: dict[str, Person]) -> None:
    response = sign_in(client, "admin@example.org", "not the password")
    assert response.status_code == 401
    assert "Wrong e-mail address or password." in response.get_data(as_text=True)
    unknown = sign_in(client, "nobody@example.org", "whatever")
    assert unknown.status_code == 401  # the same answer: no hint which addresses exist


def test_next_parameter_only_redirects_on_site(client: FlaskClient, people: dict[str, Person]) -> None:
    token = csrf_token(client, "/login")
    response = client.post("/login?next=https://evil.example/", data={"csrf_token": token, "email": "admin@example.org", "password": PASSWORD})
    assert response.headers["Location"].endswith("/home")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    token = csrf_token(client, "/login")
    response = client.post("/login?next=/members/", data={"csrf_token": token, "email": "admin@example.org", "password": PASSWORD})
    assert response.headers["Location"].endswith("/members/")


CSRF_VALUE = re.compile(r'name="csrf_token"[^>]*value="[^"]+"')


def _sign_in_from(client: FlaskClient, address: str, email: str, password: str = PASSWORD) -> Any:
    token = csrf_token(client, "/login")
    return client.post("/login", data={"csrf_token": token, "email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_failed_sign_ins_are_throttled_per_account_and_address(client: FlaskClient, people: dict[str, Person]) -> None:
    for _ in range(5):
        assert _sign_in_from(client, "198.51.100.7", "chair@example.org", "wrong").status_code == 401
    throttled = _sign_in_from(client, "198.51.100.7", "Chair@Example.org")  # even the right password waits
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= 60
    assert "Too many failed sign-in attempts" in throttled.get_data(as_text=True)
    # Nobody else is locked out of the chair's account: the chair, from the meeting room, signs in.
    assert _sign_in_from(client, "203.0.113.20", "chair@example.org").status_code == 302


def test_throttling_gives_the_same_answer_for_unknown_accounts(client: FlaskClient, people: dict[str, Person]) -> None:
    answers = []
    for email in ("chair@example.org", "nobody@example.org"):
        for _ in range(5):
            assert _sign_in_from(client, "198.51.100.8", email, "wrong").status_code == 401
        throttled = _sign_in_from(client, "198.51.100.8", email, "wrong")
        page = CSRF_VALUE.sub("", throttled.get_data(as_text=True).replace(email, "EMAIL"))
        assert 0 < int(throttled.headers["Retry-After"]) <= 60
        answers.append((throttled.status_code, page))
    assert answers[0] == answers[1] and answers[0][0] == 429


def test_successful_sign_ins_are_not_counted(client: FlaskClient, people: dict[str, Person]) -> None:
    for _ in range(8):
        assert _sign_in_from(client, "198.51.100.9", "chair@example.org").status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})


def test_every_address_of_a_venue_shares_one_wider_limit(app, client: FlaskClient, people: dict[str, Person]) -> None:
    app.config["LIPVOTE_LOGIN_LIMIT_PER_ADDRESS"] = "3 per minute"
    for n in range(3):
        assert _sign_in_from(client, "198.51.100.10", f"someone{n}@example.org", "wrong").status_code == 401
    assert _sign_in_from(client, "198.51.100.10", "delegate@example.org").status_code == 429
    assert _sign_in_from(client, "198.51.100.11", "delegate@example.org").status_code == 302


def test_failed_sign_ins_are_logged_on_one_line_without_the_password(client: FlaskClient, people: dict[str, Person],
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        sign_in(client, "chair@example.org\nsign-in accepted: user=admin", "secret-guess-123")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("sign-in refused")]
    assert len(lines) == 1 and "\n" not in lines[0]
    assert "email=chair@example.org\\nsign-in" in lines[0] and "address=127.0.0.1" in lines[0]
    assert "secret-guess-123" not in caplog.text


def test_forms_without_csrf_token_are_rejected(app, client: FlaskClient, login) -> None:
    anonymous = client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    assert anonymous.status_code == 400
    assert "The form expired or was not sent from this site" in anonymous.get_data(as_text=True)
    login("admin")
    count_users = lambda: db.session.scalar(select(db.func.count()).select_from(User))  # noqa: E731
    with app.app_context():
        before = count_users()
    forged = client.post("/accounts/new", data={"email": "x@example.org", "display_name": "X", "role": "observer", "locale": "en"})
    assert forged.status_code == 400
    wrong_token = client.post("/members/new", data={"csrf_token": "forged", "slug": "new-lip"})
    assert wrong_token.status_code == 400
    with app.app_context():
        assert count_users() == before


def invite(client: FlaskClient, email: str = "new.delegate@example.org") -> str:
    response = post_form(client, "/accounts/new", {
        "email": email, "display_name": "New Delegate", "role": "delegate",
        "member": "bow-valley", "delegate_rank": "primary", "locale": "fr",
    })
    assert response.status_code == 201, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    start = page.index("/invite/")
    return page[start:page.index('"', start)]


def test_invitation_sets_password_once(app, client: FlaskClient, login) -> None:
    login("admin")
    path = invite(client)
    token = path.rsplit("/", 1)[1]
    with app.app_context():
        stored = db.session.scalar(select(AccountToken))
        assert token not in stored.token_hash  # only a hash is kept
    post_form(client, "/logout", {}, token_from="/home")

    assert client.get(path).status_code == 200
    short = post_form(client, path, {"password": "short", "confirm": "short"})
    assert short.status_code == 400
    response = post_form(client, path, {"password": "a long enough passphrase", "confirm": "a long enough passphrase"})
    assert response.status_code == 302
    assert "vallée de la Bow" in client.get("/home").get_data(as_text=True)  # the delegate, in French
    post_form(client, "/logout", {}, token_from="/home")

    reused = client.get(path)
    assert reused.status_code == 410
    assert "already been used" in reused.get_data(as_text=True)
    assert sign_in(client, "new.delegate@example.org", "a long enough passphrase").status_code == 302


def test_expired_and_unknown_invitations(app, client: FlaskClient, login) -> None:
    login("admin")
    path = invite(client)
    post_form(client, "/logout", {}, token_from="/home")
    with app.app_context():
        db.session.scalar(select(AccountToken)).expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    expired = client.get(path)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert client.get("/invite/not-a-real-token").status_code == 404
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new.delegate@example.org"))
        assert user.password_hash is None  # nothing was set by the refused links


def test_new_link_retires_the_old_one(app, client: FlaskClient, login, people) -> None:
    login("admin")
    first = invite(client)
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "new.delegate@example.org"))
    again = post_form(client, f"/accounts/{user_id}/link", {}, token_from="/accounts/")
    assert again.status_code == 201
    assert client.get(first).status_code == 410


def test_reset_link_replaces_password_and_ends_other_sessions(app, client: FlaskClient, login, people) -> None:
    other_device = app.test_client()
    assert sign_in(other_device, "observer@example.org").status_code == 302
    login("admin")
    response = post_form(client, f"/accounts/{people['observer'].id}/link", {}, token_from="/accounts/")
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    path = page[page.index("/reset/"):page.index('"', page.index("/reset/"))]
    post_form(client, "/logout", {}, token_from="/home")
    assert post_form(client, path, {"password": "brand new passphrase", "confirm": "brand new passphrase"}).status_code == 302
    assert other_device.get("/home").status_code == 302  # the old session no longer works
    assert sign_in(app.test_client(), "observer@example.org").status_code == 401


def test_one_primary_delegate_per_member(app, client: FlaskClient, login, people) -> None:
    login("admin")
    response = post_form(client, "/accounts/new", {
        "email": "second@example.org", "display_name": "Second", "role": "delegate",
        "member": "halifax", "delegate_rank": "primary", "locale": "en",
    })
    assert response.status_code == 422
    assert "already has a primary delegate" in response.get_data(as_text=True)
    alternate = post_form(client, "/accounts/new", {
        "email": "second@example.org", "display_name": "Second", "role": "delegate",
        "member": "halifax", "delegate_rank": "alternate", "locale": "en",
    })
    assert alternate.status_code == 201
    chair_with_member = post_form(client, "/accounts/new", {
        "email": "third@example.org", "display_name": "Third", "role": "chair",
        "member": "halifax", "delegate_rank": "", "locale": "en",
    })
    assert chair_with_member.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "third@example.org")) is None


def test_language_choice_persists_per_user(app, client: FlaskClient, login, people) -> None:
    login("delegate")
    response = post_form(client, "/language", {"lang": "fr", "next": "/home"}, token_from="/home")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, people["delegate"].id).locale == "fr"
    post_form(client, "/logout", {}, token_from="/home")
    sign_in(client, people["delegate"].email)
    page = client.get("/home").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "PLI d&#39;Halifax" in page or "PLI d'Halifax" in page


def test_refused_actions_are_logged_with_who_and_what(client: FlaskClient, login, caplog: pytest.LogCaptureFixture) -> None:
    login("delegate")
    with caplog.at_level(logging.WARNING):
        assert client.get("/accounts/").status_code == 403
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("action refused")]
    assert len(lines) == 1
    assert "user=delegate@example.org" in lines[0] and "method=GET path=/accounts/" in lines[0]


def test_french_chosen_on_the_sign_in_page_is_kept_after_signing_in(app, client: FlaskClient, people) -> None:
    response = post_form(client, "/language", {"lang": "fr", "next": "/login"}, token_from="/login")
    assert response.status_code == 302
    assert sign_in(client, people["delegate"].email).status_code == 302
    assert '<html lang="fr">' in client.get("/home").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, people["delegate"].id).locale == "fr"
    # Once on the account, a later change there is not undone by the old choice at the next sign-in.
    with app.app_context():
        db.session.get(User, people["delegate"].id).locale = "en"
        db.session.commit()
    post_form(client, "/logout", {}, token_from="/home")
    assert sign_in(client, people["delegate"].email).status_code == 302
    assert '<html lang="en">' in client.get("/home").get_data(as_text=True)


def test_a_language_chosen_before_a_two_factor_sign_in_is_kept(app, client: FlaskClient, people) -> None:
    from app.auth.routes import keep_language_choice

    with app.test_request_context():
        from flask import session

        session["lang"] = "fr"
        user = db.session.get(User, people["chair"].id)
        keep_language_choice(user)
        assert user.locale == "fr" and "lang" not in session


def test_invitation_page_is_in_the_invitees_language_with_the_switch(app, client: FlaskClient, login) -> None:
    login("admin")
    path = invite(client)  # a French-speaking delegate
    fresh = app.test_client()
    page = fresh.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="fr">' in page and "Bienvenue" in page
    assert '<button type="submit" class="link-button" lang="en">English</button>' in page
    # The invitee may switch; the page then follows the choice.
    post_form(fresh, "/language", {"lang": "en", "next": path}, token_from=path)
    assert '<html lang="en">' in fresh.get(path).get_data(as_text=True)
