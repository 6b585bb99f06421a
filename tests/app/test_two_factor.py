"""Two-factor authentication: the RFC 6238 code check, enrolment, the code step of sign-in,
recovery codes, turning it off, an administrator's reset, the demo key, and the audit trail.

The flows run under the default configuration (`LIPVOTE_TWO_FACTOR_ROLES` = admin, chair,
auditor); codes are made with pyotp, as an authenticator app would.
"""

from __future__ import annotations

import json
import os
import re
import stat
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app, demo
from app.auth import two_factor
from app.auth.models import RecoveryCode, TwoFactor
from app.auth.two_factor import PENDING_SESSION_KEY, code_at, matching_step, time_step
from app.config import DEFAULT_TWO_FACTOR_ROLES, role_set
from app.extensions import db
from app.models import AuditEvent, Role, User, utcnow
from ballots.verify import verify_bundle
from tests.conftest import PASSWORD, Person, csrf_token, make_app, post_form, sign_in

# --- RFC 6238 -------------------------------------------------------------------------------------

# RFC 6238, Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890"; X = 30 s,
# T0 = 0; the table gives 8-digit TOTP values for these Unix times. 6-digit codes are the same
# truncated value taken modulo 10^6, i.e. the last six digits.
RFC6238_SHA1_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
RFC6238_SHA1_VECTORS = [
    (59, 0x0000000000000001, "94287082"),
    (1111111109, 0x00000000023523EC, "07081804"),
    (1111111111, 0x00000000023523ED, "14050471"),
    (1234567890, 0x000000000273EF07, "89005924"),
    (2000000000, 0x0000000003F940AA, "69279037"),
    (20000000000, 0x0000000027BC86AA, "65353130"),
]


def at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, timezone.utc)


def test_rfc6238_seed_is_the_appendix_b_sha1_key() -> None:
    assert pyotp.TOTP(RFC6238_SHA1_SECRET).byte_secret() == b"12345678901234567890"


@pytest.mark.parametrize("unix, step, expected", RFC6238_SHA1_VECTORS)
def test_rfc6238_appendix_b_vectors(unix: int, step: int, expected: str) -> None:
    assert time_step(at(unix)) == step
    assert code_at(RFC6238_SHA1_SECRET, step, digits=8) == expected
    assert matching_step(RFC6238_SHA1_SECRET, expected, at(unix), digits=8) == step
    assert matching_step(RFC6238_SHA1_SECRET, expected[-6:], at(unix)) == step  # the 6 digits lipvote uses


@pytest.mark.parametrize("unix, step, expected", RFC6238_SHA1_VECTORS[1:])
def test_a_code_is_accepted_one_step_either_side_and_no_further(unix: int, step: int, expected: str, clock: Clock) -> None:
    code = expected[-6:]
    assert matching_step(RFC6238_SHA1_SECRET, code, at(unix - 30)) == step  # the phone's clock is ahead
    assert matching_step(RFC6238_SHA1_SECRET, code, at(unix + 30)) == step  # behind, or typed slowly
    assert matching_step(RFC6238_SHA1_SECRET, code, at(unix - 60)) is None
    assert matching_step(RFC6238_SHA1_SECRET, code, at(unix + 60)) is None
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert matching_step(RFC6238_SHA1_SECRET, wrong, at(unix)) is None


def test_typed_codes_are_read_as_digits() -> None:
    assert two_factor.typed_code(" 123 456 ") == "123456"
    assert two_factor.typed_code("١٢٣٤٥٦") == "123456"  # Arabic-Indic digits from a phone keyboard
    for bad in ("12345", "1234567", "12345a", "²²²²²²", "é" * 6, ""):
        assert two_factor.typed_code(bad) is None, bad
    assert matching_step(RFC6238_SHA1_SECRET, "é" * 6, at(59)) is None  # never a TypeError from compare_digest


def test_recovery_codes_are_random_and_read_forgivingly() -> None:
    codes = {two_factor.new_recovery_code() for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        assert re.fullmatch(r"[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}", code), code
    code = "ab1c-d0ef-gh2j-kmnp"
    same = two_factor.recovery_code_hash(code)
    assert two_factor.recovery_code_hash(" ABIC DOEF GH2J KMNP ") == same  # case, spaces, I for 1, O for 0
    assert two_factor.recovery_code_hash("ab1cd0efgh2jkmnp") == same
    assert two_factor.normalise_recovery_code("abcd-efgh") is None
    assert two_factor.normalise_recovery_code("uuuu-uuuu-uuuu-uuuu") is None  # U is not in the alphabet


# --- configuration --------------------------------------------------------------------------------


def test_default_roles_are_admin_chair_and_auditor(tmp_path: Path, migrated_database: Path,
                                                   monkeypatch: pytest.MonkeyPatch, clock: Clock) -> None:
    monkeypatch.delenv("LIPVOTE_TWO_FACTOR_ROLES", raising=False)
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{migrated_database}"})
    assert app.config["LIPVOTE_TWO_FACTOR_ROLES"] == {"admin", "chair", "auditor"} == role_set(DEFAULT_TWO_FACTOR_ROLES)
    monkeypatch.setenv("LIPVOTE_TWO_FACTOR_ROLES", " Delegate, admin ")
    assert create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"}).config["LIPVOTE_TWO_FACTOR_ROLES"] == {"delegate", "admin"}
    monkeypatch.setenv("LIPVOTE_TWO_FACTOR_ROLES", "none")
    assert create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"}).config["LIPVOTE_TWO_FACTOR_ROLES"] == set()
    monkeypatch.setenv("LIPVOTE_TWO_FACTOR_ROLES", "admin,chairs")
    with pytest.raises(SystemExit, match="unknown roles \\['chairs'\\]"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})


# --- fixtures and helpers -------------------------------------------------------------------------


class Clock:
    """The two-factor service's clock, moved on by hand: a person waiting for the next code."""

    def __init__(self) -> None:
        self.now = utcnow().replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def step(self) -> int:
        return time_step(self.now)

    def tick(self, seconds: int = 30) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    ticking = Clock()
    monkeypatch.setattr(two_factor, "utcnow", ticking)
    return ticking


@pytest.fixture
def app(tmp_path: Path, migrated_database: Path, clock: Clock) -> Iterator[Flask]:
    """The default configuration: two-factor sign-in required for admin, chair and auditor."""
    database = tmp_path / "lipvote.sqlite3"
    database.write_bytes(migrated_database.read_bytes())
    application = make_app(tmp_path, database, LIPVOTE_TWO_FACTOR_ROLES=DEFAULT_TWO_FACTOR_ROLES)
    yield application
    with application.app_context():
        db.engine.dispose()


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def fresh_code(app: Flask, email: str, secret: str, clock: Clock) -> str:
    """The code the app shows once this account's last code is spent (waiting for the next step)."""
    with app.app_context():
        last = db.session.scalar(select(TwoFactor.last_used_step).where(TwoFactor.user_id == user_id(app, email)))
    while last is not None and clock.step() <= last:
        clock.tick()
    return code_at(secret, clock.step())


def wrong_code(secret: str, clock: Clock) -> str:
    """A 6-digit code that no step near now has."""
    now = clock.step()
    near = {code_at(secret, step) for step in range(now - 2, now + 3)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444", "555555") if code not in near)


def shown_secret(page: str) -> str:
    return re.search(r'<code class="secret-key">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")


def enrol(client: FlaskClient, clock: Clock) -> tuple[str, list[str]]:
    """Set up two-factor authentication from the enrolment page, as a person with a phone would."""
    page = client.get("/account/two-factor/enrol")
    assert page.status_code == 200
    secret = shown_secret(page.get_data(as_text=True))
    response = post_form(client, "/account/two-factor/enrol", {"code": pyotp.TOTP(secret).at(clock())})
    assert response.status_code == 201, response.get_data(as_text=True)
    codes = re.findall(r"<li><code>([0-9a-z-]+)</code></li>", response.get_data(as_text=True))
    return secret, codes


def start_sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    response = sign_in(client, email, password)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code"), response.status_code


def enter_code(client: FlaskClient, code: str) -> Any:
    return post_form(client, "/login/code", {"code": code})


def enter_at_once(code: str, *clients: FlaskClient) -> list[int]:
    """Each client (waiting for a code) submits `code` at the same moment; their statuses."""
    forms = [{"csrf_token": csrf_token(client, "/login/code"), "code": code} for client in clients]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def submit(client: FlaskClient, form: dict[str, str]) -> None:
        barrier.wait()
        statuses.append(client.post("/login/code", data=form).status_code)

    threads = [threading.Thread(target=submit, args=pair) for pair in zip(clients, forms)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))
        for event in found:
            db.session.expunge(event)
        return found


def enrolled_chair(client: FlaskClient, people: dict[str, Person], clock: Clock) -> tuple[str, list[str]]:
    """The chair signs in with a password, is sent to enrolment, enrols, and signs out."""
    assert sign_in(client, people["chair"].email).status_code == 302
    secret, codes = enrol(client, clock)
    post_form(client, "/logout", {}, token_from="/home")
    return secret, codes


# --- enrolment is required ------------------------------------------------------------------------


def test_a_chair_without_two_factor_is_sent_to_enrolment_from_every_page(app: Flask, client: FlaskClient,
                                                                         people: dict[str, Person]) -> None:
    assert sign_in(client, people["chair"].email).status_code == 302
    for path in ("/home", "/motions/", "/members/", "/audit/", "/account", "/account/two-factor/recovery-codes"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/account/two-factor/enrol"), path
    with client.get("/static/app.css") as stylesheet:
        assert stylesheet.status_code == 200
    page = client.get("/account/two-factor/enrol")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Your role (Chair) requires two-factor authentication" in text and "<svg" in text
    language = post_form(client, "/language", {"lang": "fr", "next": "/account/two-factor/enrol"},
                         token_from="/account/two-factor/enrol")
    assert language.status_code == 302
    assert "authentification à deux facteurs" in client.get("/account/two-factor/enrol").get_data(as_text=True)
    assert post_form(client, "/logout", {}, token_from="/account/two-factor/enrol").status_code == 302
    assert client.get("/home").headers["Location"].startswith("/login")


def test_delegates_and_observers_are_not_required_to_enrol(app: Flask, client: FlaskClient,
                                                           people: dict[str, Person]) -> None:
    for role in ("delegate", "observer"):
        assert sign_in(client, people[role].email).status_code == 302
        assert client.get("/home").status_code == 200
        page = client.get("/account").get_data(as_text=True)
        assert "It is optional for your role, and recommended." in page
        post_form(client, "/logout", {}, token_from="/home")


def test_enrolment_turns_it_on_only_after_a_right_code(app: Flask, client: FlaskClient, people: dict[str, Person], clock: Clock) -> None:
    email = people["auditor"].email
    assert sign_in(client, email).status_code == 302
    page = client.get("/account/two-factor/enrol").get_data(as_text=True)
    assert client.get("/account/two-factor/enrol").get_data(as_text=True).count("secret-key") == 1
    secret = shown_secret(page)
    assert len(secret) == 32  # 160 bits
    assert re.search(r"secret%3D|secret=", page) is None  # the otpauth URI is only inside the QR image
    for bad in (wrong_code(secret, clock), "é" * 6, "²" * 6, "12345", "x" * 64):
        wrong = post_form(client, "/account/two-factor/enrol", {"code": bad})
        assert wrong.status_code == 422 and "That code does not match" in wrong.get_data(as_text=True), bad
    assert client.get("/home").status_code == 302  # still off, still required
    with app.app_context():
        record = db.session.get(TwoFactor, people["auditor"].id)
        assert record.confirmed_at is None and secret not in record.secret_encrypted
    _, codes = enrol(client, clock)  # the same secret is shown again until it is confirmed
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/home").status_code == 200
    again = client.get("/account/two-factor/enrol")
    assert again.status_code == 302 and again.headers["Location"].endswith("/account")
    account_page = client.get("/account").get_data(as_text=True)
    assert "10 unused recovery codes." in account_page and "Turn off" not in account_page  # required: no turn-off
    with app.app_context():
        stored = list(db.session.scalars(select(RecoveryCode.code_hash)))
        assert len(stored) == 10 and not any(code.replace("-", "") in " ".join(stored) for code in codes)
    [event] = events(app, "two_factor.enrol")
    assert event.actor_label.startswith("Auditor <auditor@example.org>")
    assert json.loads(event.after_json) == {"two_factor": "on", "recovery_codes_left": 10}
    assert secret not in (event.before_json or "") + event.after_json


# --- the code step of sign-in ---------------------------------------------------------------------


def test_sign_in_waits_for_the_code_and_then_signs_in(app: Flask, client: FlaskClient, people: dict[str, Person], clock: Clock) -> None:
    secret, _ = enrolled_chair(client, people, clock)
    token = csrf_token(client, "/login")
    response = client.post("/login?next=/motions/", data={"csrf_token": token, "email": people["chair"].email,
                                                          "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code")
    assert client.get("/home").status_code == 302  # not signed in yet
    page = client.get("/login/code")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.get_data(as_text=True)
    signed_in = enter_code(client, fresh_code(app, people["chair"].email, secret, clock))
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/motions/")
    assert client.get("/home").status_code == 200
    with client.session_transaction() as session:
        assert PENDING_SESSION_KEY not in session
    with app.app_context():
        chair = db.session.get(User, people["chair"].id)
        assert chair.last_login_at is not None


def test_a_code_works_only_once(app: Flask, client: FlaskClient, people: dict[str, Person], clock: Clock) -> None:
    secret, _ = enrolled_chair(client, people, clock)
    email = people["chair"].email
    code = fresh_code(app, email, secret, clock)
    start_sign_in(client, email)
    assert enter_code(client, code).status_code == 302
    post_form(client, "/logout", {}, token_from="/home")
    start_sign_in(client, email)
    replayed = enter_code(client, code)
    assert replayed.status_code == 401
    assert "That code has already been used" in replayed.get_data(as_text=True)
    assert client.get("/home").status_code == 302
    assert enter_code(client, fresh_code(app, email, secret, clock)).status_code == 302  # the next step's code works


def test_the_enrolment_code_cannot_sign_in(app: Flask, client: FlaskClient, people: dict[str, Person],
                                           clock: Clock) -> None:
    assert sign_in(client, people["chair"].email).status_code == 302
    secret = shown_secret(client.get("/account/two-factor/enrol").get_data(as_text=True))
    code = code_at(secret, clock.step())
    assert post_form(client, "/account/two-factor/enrol", {"code": code}).status_code == 201
    post_form(client, "/logout", {}, token_from="/home")
    start_sign_in(client, people["chair"].email)
    assert enter_code(client, code).status_code == 401


def test_wrong_codes_are_throttled_like_wrong_passwords(app: Flask, client: FlaskClient,
                                                        people: dict[str, Person], clock: Clock) -> None:
    secret, _ = enrolled_chair(client, people, clock)
    email = people["chair"].email
    start_sign_in(client, email)
    for _ in range(5):  # LIPVOTE_LOGIN_LIMIT_PER_ACCOUNT: 5 a minute for this account from this address
        wrong = enter_code(client, wrong_code(secret, clock))
        assert wrong.status_code == 401 and "That code is not right" in wrong.get_data(as_text=True)
    throttled = enter_code(client, fresh_code(app, email, secret, clock))  # even the right code waits
    assert throttled.status_code == 429 and 0 < int(throttled.headers["Retry-After"]) <= 60
    assert "Too many failed sign-in attempts" in throttled.get_data(as_text=True)
    elsewhere = app.test_client()  # the chair, on another device in the room, is not locked out
    token = csrf_token(elsewhere, "/login")
    response = elsewhere.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD},
                              environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 302
    token = csrf_token(elsewhere, "/login/code")
    signed_in = elsewhere.post("/login/code", data={"csrf_token": token, "code": fresh_code(app, email, secret, clock)},
                               environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert signed_in.status_code == 302


def test_malformed_codes_are_refused_without_counting(app: Flask, client: FlaskClient, people: dict[str, Person], clock: Clock) -> None:
    secret, _ = enrolled_chair(client, people, clock)
    start_sign_in(client, people["chair"].email)
    for bad in ("12345", "abc", "1234567", "é" * 6, "²" * 6, "x" * 64):
        response = enter_code(client, bad)
        assert response.status_code == 400, bad
        assert "Enter the 6-digit code from your authenticator app" in response.get_data(as_text=True)
    assert enter_code(client, "").status_code == 400
    assert enter_code(client, "9" * 65).status_code == 400  # longer than any code: the form refuses it
    assert enter_code(client, wrong_code(secret, clock)).status_code == 401  # not throttled: none of the above was a guess


def test_the_waiting_sign_in_expires_and_is_bound_to_the_password(app: Flask, client: FlaskClient,
                                                                  people: dict[str, Person], clock: Clock) -> None:
    secret, _ = enrolled_chair(client, people, clock)
    email = people["chair"].email
    nothing = client.get("/login/code")
    assert nothing.status_code == 400 and "There is no sign-in waiting for a code" in nothing.get_data(as_text=True)
    start_sign_in(client, email)
    token = csrf_token(client, "/login/code")
    clock.tick(5 * 60 + 1)
    expired = client.post("/login/code", data={"csrf_token": token, "code": fresh_code(app, email, secret, clock)})
    assert expired.status_code == 410 and "Your sign-in expired" in expired.get_data(as_text=True)
    assert client.get("/login/code").status_code == 400  # and it is gone
    start_sign_in(client, email)
    with app.app_context():
        db.session.get(User, people["chair"].id).set_password("a new password for the chair")
        db.session.commit()
    changed = client.get("/login/code")
    assert changed.status_code == 410 and "Your sign-in expired" in changed.get_data(as_text=True)
    assert client.get("/home").status_code == 302


def test_a_forged_waiting_state_is_refused(app: Flask, client: FlaskClient, people: dict[str, Person], clock: Clock) -> None:
    enrolled_chair(client, people, clock)
    with client.session_transaction() as session:
        session[PENDING_SESSION_KEY] = {"user": "1; drop", "since": "soon"}
    assert client.get("/login/code").status_code == 410
    with client.session_transaction() as session:
        session[PENDING_SESSION_KEY] = ["not", "a", "dict"]
    assert client.get("/login/code").status_code == 400


def test_two_requests_with_the_same_code_sign_in_once(app: Flask, people: dict[str, Person], clock: Clock) -> None:
    first, second = app.test_client(), app.test_client()
    secret, _ = enrolled_chair(first, people, clock)
    email = people["chair"].email
    for client in (first, second):
        start_sign_in(client, email)
    code = fresh_code(app, email, secret, clock)
    assert sorted(enter_at_once(code, first, second)) == [302, 401]


# --- recovery codes -------------------------------------------------------------------------------


def test_a_recovery_code_signs_in_once(app: Flask, client: FlaskClient, people: dict[str, Person], clock: Clock) -> None:
    _, codes = enrolled_chair(client, people, clock)
    email = people["chair"].email
    start_sign_in(client, email)
    response = enter_code(client, codes[3].upper().replace("-", " "))
    assert response.status_code == 302
    assert "9 recovery codes are left" in client.get("/home").get_data(as_text=True)
    [event] = events(app, "two_factor.recovery_code_used")
    assert event.actor_label.startswith("Chair <chair@example.org>")
    assert json.loads(event.before_json) == {"two_factor": "on", "recovery_codes_left": 10}
    assert json.loads(event.after_json) == {"two_factor": "on", "recovery_codes_left": 9}
    assert codes[3] not in event.after_json and codes[3].replace("-", "") not in event.after_json
    post_form(client, "/logout", {}, token_from="/home")
    start_sign_in(client, email)
    spent = enter_code(client, codes[3])
    assert spent.status_code == 401 and "That recovery code has already been used" in spent.get_data(as_text=True)
    unknown = enter_code(client, "zzzz-zzzz-zzzz-zzzz")
    assert unknown.status_code == 401 and "That code is not right" in unknown.get_data(as_text=True)


def test_new_recovery_codes_void_the_old_ones(app: Flask, client: FlaskClient, people: dict[str, Person], clock: Clock) -> None:
    secret, old = enrolled_chair(client, people, clock)
    email = people["chair"].email
    start_sign_in(client, email)
    assert enter_code(client, old[0]).status_code == 302
    assert client.get("/account/two-factor/recovery-codes").status_code == 200
    refused = post_form(client, "/account/two-factor/recovery-codes", {"code": wrong_code(secret, clock)})
    assert refused.status_code == 401 and "That code is not right" in refused.get_data(as_text=True)
    response = post_form(client, "/account/two-factor/recovery-codes", {"code": fresh_code(app, email, secret, clock)})
    assert response.status_code == 201
    new = re.findall(r"<li><code>([0-9a-z-]+)</code></li>", response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    [event] = events(app, "two_factor.recovery_codes_regenerated")
    assert json.loads(event.before_json)["recovery_codes_left"] == 9
    assert json.loads(event.after_json)["recovery_codes_left"] == 10
    post_form(client, "/logout", {}, token_from="/home")
    start_sign_in(client, email)
    assert enter_code(client, old[1]).status_code == 401
    assert enter_code(client, new[1]).status_code == 302


# --- turning it off, and an administrator's reset -------------------------------------------------


def test_a_delegate_turns_it_on_and_off_with_a_code(app: Flask, client: FlaskClient, people: dict[str, Person], clock: Clock) -> None:
    email = people["delegate"].email
    assert sign_in(client, email).status_code == 302
    assert "Set up two-factor authentication" in client.get("/account").get_data(as_text=True)
    assert client.get("/account/two-factor/turn-off").status_code == 409  # it is off
    secret, _ = enrol(client, clock)
    assert "Turn off two-factor authentication" in client.get("/account").get_data(as_text=True)
    post_form(client, "/logout", {}, token_from="/home")
    start_sign_in(client, email)  # a delegate who turned it on is asked for a code too
    assert enter_code(client, fresh_code(app, email, secret, clock)).status_code == 302
    wrong = post_form(client, "/account/two-factor/turn-off", {"code": "abc"})
    assert wrong.status_code == 400
    turned_off = post_form(client, "/account/two-factor/turn-off", {"code": fresh_code(app, email, secret, clock)})
    assert turned_off.status_code == 302
    assert "Two-factor authentication is off" in client.get("/account").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(TwoFactor, people["delegate"].id) is None
        assert not list(db.session.scalars(select(RecoveryCode)))
    [event] = events(app, "two_factor.turn_off")
    assert json.loads(event.after_json) == {"two_factor": "off", "recovery_codes_left": 0}
    post_form(client, "/logout", {}, token_from="/home")
    assert sign_in(client, email).headers["Location"].endswith("/home")  # the password alone again


def test_a_required_role_cannot_turn_it_off(app: Flask, client: FlaskClient, people: dict[str, Person], clock: Clock) -> None:
    secret, _ = enrolled_chair(client, people, clock)
    start_sign_in(client, people["chair"].email)
    assert enter_code(client, fresh_code(app, people["chair"].email, secret, clock)).status_code == 302
    refused = client.get("/account/two-factor/turn-off")
    assert refused.status_code == 403 and "cannot be turned off" in refused.get_data(as_text=True)
    assert post_form(client, "/account/two-factor/turn-off", {"code": "123456"}, token_from="/account").status_code == 403
    with app.app_context():
        assert db.session.get(TwoFactor, people["chair"].id).confirmed_at is not None


def test_an_administrator_resets_another_persons_two_factor(app: Flask, people: dict[str, Person], clock: Clock) -> None:
    chair_client, admin_client = app.test_client(), app.test_client()
    chair_secret, _ = enrolled_chair(chair_client, people, clock)
    start_sign_in(chair_client, people["chair"].email)
    assert enter_code(chair_client, fresh_code(app, people["chair"].email, chair_secret, clock)).status_code == 302
    assert sign_in(admin_client, people["admin"].email).status_code == 302
    enrol(admin_client, clock)
    listing = admin_client.get("/accounts/").get_data(as_text=True)
    reset_url = f"/accounts/{people['chair'].id}/two-factor/reset"
    assert reset_url in listing and f"/accounts/{people['admin'].id}/two-factor/reset" not in listing
    confirm = admin_client.get(reset_url)
    assert confirm.status_code == 200 and "they must set it up again" in confirm.get_data(as_text=True)
    own = admin_client.get(f"/accounts/{people['admin'].id}/two-factor/reset")
    assert own.status_code == 409 and "ask another administrator" in own.get_data(as_text=True)
    assert post_form(admin_client, f"/accounts/{people['admin'].id}/two-factor/reset", {}, token_from="/accounts/").status_code == 409
    done = post_form(admin_client, reset_url, {})
    assert done.status_code == 302 and done.headers["Location"].endswith("/accounts/")
    with app.app_context():
        assert db.session.get(TwoFactor, people["chair"].id) is None
    [event] = events(app, "two_factor.reset")
    assert event.target == f"user:{people['chair'].id}" and event.actor_label.startswith("Admin <admin@example.org>")
    assert json.loads(event.before_json) == {"two_factor": "on", "recovery_codes_left": 10}
    assert json.loads(event.after_json) == {"two_factor": "off", "recovery_codes_left": 0}
    nothing_left = admin_client.get(reset_url)
    assert nothing_left.status_code == 409 and "nothing to reset" in nothing_left.get_data(as_text=True)
    # the chair's open session is sent to enrolment; a new sign-in needs no code but must enrol
    assert chair_client.get("/home").headers["Location"].endswith("/account/two-factor/enrol")
    post_form(chair_client, "/logout", {}, token_from="/account/two-factor/enrol")
    assert sign_in(chair_client, people["chair"].email).headers["Location"].endswith("/home")
    assert chair_client.get("/home").headers["Location"].endswith("/account/two-factor/enrol")


def test_the_signed_audit_log_holds_every_two_factor_action_without_secrets(app: Flask, client: FlaskClient,
                                                                            people: dict[str, Person], clock: Clock) -> None:
    secret, codes = enrolled_chair(client, people, clock)
    start_sign_in(client, people["chair"].email)
    assert enter_code(client, codes[0]).status_code == 302
    from app.audit_portal import export

    with app.app_context():
        bundle = export.audit_bundle_bytes(export.audit_log()).decode()
    assert verify_bundle(bundle).ok
    leaves = [json.loads(leaf) for leaf in json.loads(bundle)["leaves"]]
    assert [leaf["action"] for leaf in leaves] == ["two_factor.enrol", "two_factor.recovery_code_used"]
    assert leaves[1]["actor"].startswith("Chair <chair@example.org>")
    assert secret not in bundle and not any(code in bundle or code.replace("-", "") in bundle for code in codes)


def test_a_password_reset_link_does_not_skip_the_code(app: Flask, people: dict[str, Person], clock: Clock) -> None:
    chair, admin = app.test_client(), app.test_client()
    secret, _ = enrolled_chair(chair, people, clock)
    assert sign_in(admin, people["admin"].email).status_code == 302
    enrol(admin, clock)
    issued = post_form(admin, f"/accounts/{people['chair'].id}/link", {}, token_from="/accounts/")
    page = issued.get_data(as_text=True)
    path = page[page.index("/reset/"):page.index('"', page.index("/reset/"))]
    response = post_form(chair, path, {"password": "brand new passphrase", "confirm": "brand new passphrase"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code")
    assert chair.get("/home").status_code == 302
    assert enter_code(chair, fresh_code(app, people["chair"].email, secret, clock)).status_code == 302
    assert chair.get("/home").status_code == 200


# --- the secret at rest ---------------------------------------------------------------------------


def test_secrets_are_encrypted_under_a_private_key_file(app: Flask, client: FlaskClient, people: dict[str, Person], clock: Clock) -> None:
    secret, codes = enrolled_chair(client, people, clock)
    key_file = Path(app.config["LIPVOTE_TWO_FACTOR_KEY"])
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    with app.app_context():
        stored = db.session.get(TwoFactor, people["chair"].id).secret_encrypted
    assert secret not in stored
    # A server that lost the key file (and made a new one) cannot read the secret: it says so, and
    # recovery codes, which need no key, still work.
    other = make_app(Path(app.instance_path), Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")),
                     LIPVOTE_TWO_FACTOR_ROLES=DEFAULT_TWO_FACTOR_ROLES,
                     LIPVOTE_TWO_FACTOR_KEY=str(key_file.with_name("replacement_key")))
    elsewhere = other.test_client()
    start_sign_in(elsewhere, people["chair"].email)
    unreadable = enter_code(elsewhere, fresh_code(app, people["chair"].email, secret, clock))
    assert unreadable.status_code == 503 and "cannot read your authenticator secret" in unreadable.get_data(as_text=True)
    assert enter_code(elsewhere, codes[0]).status_code == 302
    with other.app_context():
        db.engine.dispose()


# --- the demo -------------------------------------------------------------------------------------


def test_the_demo_publishes_a_key_and_demo_code_prints_its_code(app: Flask, clock: Clock) -> None:
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["demo-code", "admin@demo.example"])
    assert refused.exit_code != 0 and "does not hold the demo federation" in refused.output
    loaded = runner.invoke(args=["demo"])
    assert loaded.exit_code == 0, loaded.output
    assert two_factor.grouped(demo.DEMO_TWO_FACTOR_SECRET) in loaded.output
    assert "admin@demo.example, chair@demo.example, chair2@demo.example, auditor@demo.example" in loaded.output
    with app.app_context():
        enrolled = set(db.session.scalars(select(User.role).join(TwoFactor, TwoFactor.user_id == User.id)))
        assert enrolled == {Role.ADMIN, Role.CHAIR, Role.AUDITOR}
    for email in ("delegate.halifax@demo.example", "observer@demo.example", "nobody@demo.example"):
        result = runner.invoke(args=["demo-code", email])
        assert result.exit_code != 0 and "not a demo account that signs in with the published demo key" in result.output
    result = runner.invoke(args=["demo-code", "chair@demo.example"])
    assert result.exit_code == 0, result.output
    code = result.stdout.strip()
    assert re.fullmatch(r"\d{6}", code)
    client = app.test_client()
    start_sign_in(client, "chair@demo.example", demo.DEMO_PASSWORD)
    response = enter_code(client, code)
    if response.status_code == 401:  # the 30-second step turned between printing and entering
        response = enter_code(client, fresh_code(app, "chair@demo.example", demo.DEMO_TWO_FACTOR_SECRET, clock))
    assert response.status_code == 302
    assert "Demo data" in client.get("/home").get_data(as_text=True)
    assert sign_in(app.test_client(), "delegate.halifax@demo.example", demo.DEMO_PASSWORD).headers["Location"].endswith("/home")


def test_an_account_that_enrolled_again_is_no_longer_a_demo_code_account(app: Flask, clock: Clock) -> None:
    with app.app_context():
        demo.load()
    client = app.test_client()
    start_sign_in(client, "admin@demo.example", demo.DEMO_PASSWORD)
    assert enter_code(client, fresh_code(app, "admin@demo.example", demo.DEMO_TWO_FACTOR_SECRET, clock)).status_code == 302
    chair_id = user_id(app, "chair@demo.example")
    assert post_form(client, f"/accounts/{chair_id}/two-factor/reset", {}, token_from="/accounts/").status_code == 302
    result = app.test_cli_runner().invoke(args=["demo-code", "chair@demo.example"])
    assert result.exit_code != 0


# --- PostgreSQL -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    from tests.postgres import start_cluster

    yield from start_cluster()


@pytest.fixture
def pg_app(pg_url: str, tmp_path: Path, clock: Clock) -> Iterator[Flask]:
    from flask_migrate import downgrade, upgrade

    application = make_app(tmp_path, tmp_path / "unused.sqlite3", SQLALCHEMY_DATABASE_URI=pg_url,
                           LIPVOTE_TWO_FACTOR_ROLES=DEFAULT_TWO_FACTOR_ROLES)
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()


@pytest.mark.slow
def test_codes_are_single_use_on_postgresql_even_when_two_requests_race(pg_app: Flask, clock: Clock) -> None:
    with pg_app.app_context():
        assert db.engine.dialect.name == "postgresql"
        demo.load()
    email, secret = "admin@demo.example", demo.DEMO_TWO_FACTOR_SECRET
    first, second = pg_app.test_client(), pg_app.test_client()
    for client in (first, second):
        start_sign_in(client, email, demo.DEMO_PASSWORD)
    code = fresh_code(pg_app, email, secret, clock)
    assert sorted(enter_at_once(code, first, second)) == [302, 401]
    loser = first if first.get("/home").status_code == 302 else second
    assert enter_code(loser, fresh_code(pg_app, email, secret, clock)).status_code == 302
    assert "Administration" in loser.get("/home").get_data(as_text=True)
