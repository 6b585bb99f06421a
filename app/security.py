"""Sessions, login throttling and response hardening."""

from __future__ import annotations

import math
import time
import unicodedata
from functools import cache
from typing import Any, Callable

from flask import Flask, Response, current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_limiter import RequestLimit
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db, limiter, login_manager
from app.models import User

@cache
def _dummy_hash() -> str:
    """A real hash to check unknown addresses against, so timing does not tell which accounts exist."""
    return generate_password_hash("no account has this password")


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


class LoginRefused(Exception):
    def __init__(self, message: Any, status: int, retry_after: int | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.status = status
        self.retry_after = retry_after


WRONG_CREDENTIALS = _l("Wrong e-mail address or password.")


def authenticate(email: str, password: str) -> User:
    """Return the active user with these credentials, or raise LoginRefused (401).

    Writes nothing: the read transaction is ended before the password hash is checked (about a
    tenth of a second of CPU), so no transaction is held open across it and the caller's write
    transaction begins as a write. Repeated failures are throttled by `login_limits`, and the
    same answer, taking the same time, is given for an unknown address.
    """
    user = find_user_by_email(email)
    stored_hash = user.password_hash if user is not None and user.active else None
    db.session.rollback()
    matches = check_password_hash(stored_hash or _dummy_hash(), password)
    if user is None or stored_hash is None or not matches:
        log_refusal("sign-in refused", email=email)
        raise LoginRefused(WRONG_CREDENTIALS, 401)
    return user


# --- throttling ------------------------------------------------------------------------------
# Failed sign-ins are counted per (account, client address) and per client address, never per
# account alone: a per-account lock-out lets anyone lock the chair out of a meeting by typing
# wrong passwords, and its 429 told which addresses have accounts.


def client_address() -> str:
    return request.remote_addr or "unknown"


def account_and_address() -> str:
    submitted = unicodedata.normalize("NFC", request.form.get("email", "")).strip().lower()
    return f"{submitted}|{client_address()}"


def _failed(response: Response) -> bool:
    return response.status_code >= 400


def _configured(name: str) -> Callable[[], str]:
    return lambda: str(current_app.config[name])


def login_limits(on_breach: Callable[[RequestLimit], Response]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The sign-in throttles: on POSTs only, counting failed attempts only."""
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        view = limiter.limit(_configured("LIPVOTE_LOGIN_LIMIT_PER_ADDRESS"), key_func=client_address, methods=["POST"],
                             deduct_when=_failed, on_breach=on_breach, scope="login-address")(view)
        return limiter.limit(_configured("LIPVOTE_LOGIN_LIMIT_PER_ACCOUNT"), key_func=account_and_address,
                             methods=["POST"], deduct_when=_failed, on_breach=on_breach, scope="login-account")(view)
    return decorate


def account_awaiting_code_and_address() -> str:
    """The account whose password was right and whose code is awaited (app.auth.two_factor)."""
    pending = session.get("two_factor_pending")
    account = pending.get("user") if isinstance(pending, dict) else None
    return f"{account}|{client_address()}"


def _wrong_code(response: Response) -> bool:
    return response.status_code == 401  # not a malformed code (400): that is a typing slip, not a guess


def code_limits(on_breach: Callable[[RequestLimit], Response]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The second-factor step's throttle: wrong, replayed or spent codes count as failed sign-ins
    of that account from that address, with the same limits as wrong passwords."""
    return limiter.limit(_configured("LIPVOTE_LOGIN_LIMIT_PER_ACCOUNT"), key_func=account_awaiting_code_and_address,
                         methods=["POST"], deduct_when=_wrong_code, on_breach=on_breach, scope="login-code")


def seconds_until(limit: RequestLimit) -> int:
    return max(1, math.ceil(limit.reset_at - time.time()))


# --- logging ---------------------------------------------------------------------------------


def log_value(value: object) -> str:
    """A value safe to put in one log line: line breaks and other control or format characters
    are written as escapes, so nobody can forge a second log line through a form field."""
    text = str(value)
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


def log_refusal(what: str, **details: object) -> None:
    """One warning line for a refused sign-in or action: who, what, from where (no secrets)."""
    who = current_user.email if current_user and current_user.is_authenticated else "anonymous"
    fields = {"user": who, "address": client_address(), "method": request.method, "path": request.path, **details}
    current_app.logger.warning("%s: %s", what, " ".join(f"{key}={log_value(value)}" for key, value in fields.items()))


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
    proxies = app.config["LIPVOTE_TRUSTED_PROXIES"]
    if proxies:  # the client address (for throttling and logs) comes from the proxies' headers
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
