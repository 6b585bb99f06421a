"""Sessions, login throttling and response hardening."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any, Callable

from flask import Flask, Response, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db, login_manager
from app.models import User, utcnow

@cache
def _dummy_hash() -> str:
    """A real hash to check unknown addresses against, so timing does not tell which accounts exist."""
    return generate_password_hash("no account has this password")

MAX_LOCKOUT = timedelta(hours=24)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, fingerprint = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_fingerprint() != fingerprint:
        return None
    return user


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


class LoginRefused(Exception):
    def __init__(self, message: Any, status: int, retry_after: int | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.status = status
        self.retry_after = retry_after


def authenticate(email: str, password: str, now: datetime | None = None, *,
                 needs_second_factor: Callable[[User], bool] | None = None) -> User:
    """Return the user for these credentials or raise LoginRefused.

    After LIPVOTE_LOGIN_MAX_FAILURES consecutive failures the account is locked for
    LIPVOTE_LOCKOUT_MINUTES, doubling with each further failure (capped at a day).
    When `needs_second_factor(user)` is true, a right password does not clear the failure
    count: the sign-in succeeds only when the code step calls `record_sign_in_success`, so
    wrong codes and wrong passwords add up to the same lock-out.
    """
    now = now or utcnow()
    user = find_user_by_email(email)
    refuse_if_locked(user, now)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        raise LoginRefused(_l("Wrong e-mail address or password."), 401)
    if user.active and user.check_password(password):
        if needs_second_factor is None or not needs_second_factor(user):
            record_sign_in_success(user, now)
            db.session.commit()
        return user
    record_sign_in_failure(user, now)
    db.session.commit()
    raise LoginRefused(_l("Wrong e-mail address or password."), 401)


def refuse_if_locked(user: User | None, now: datetime) -> None:
    if user is not None and user.locked_until is not None and user.locked_until > now:
        seconds = int((user.locked_until - now).total_seconds()) + 1
        raise LoginRefused(
            _l("Too many failed sign-in attempts. Try again in %(minutes)d minutes.", minutes=max(1, -(-seconds // 60))),
            429,
            retry_after=seconds,
        )


def record_sign_in_success(user: User, now: datetime) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now


def record_sign_in_failure(user: User, now: datetime) -> None:
    """Count one failed sign-in (wrong password or wrong code); the caller commits."""
    user.failed_logins += 1
    limit = current_app.config["LIPVOTE_LOGIN_MAX_FAILURES"]
    if user.failed_logins >= limit:
        base = timedelta(minutes=current_app.config["LIPVOTE_LOCKOUT_MINUTES"])
        user.locked_until = now + min(base * 2 ** (user.failed_logins - limit), MAX_LOCKOUT)


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _harden(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.after_request(_harden)
