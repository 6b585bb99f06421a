"""Password reset by e-mail, asked for from the sign-in page ("Forgot your password?").

Whoever asks gets the same page, in about the same time, whether or not an account uses the
address: the answer is held until `LIPVOTE_RESET_ANSWER_SECONDS` after the request began, which
covers the work done only for a real account (a link issued, a message queued, an audit entry
signed). Requests are throttled per address asked for and per client address, counting every
request. The link is single use and expiring (app/tokens.py keeps only its hash); using it ends
the account's other sessions (app/auth/routes.py).
"""

from __future__ import annotations

import time
import unicodedata

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_login import current_user

from app import tokens
from app.action_log import record_action
from app.auth import bp
from app.auth.forms import ResetRequestForm
from app.database import write_transaction
from app.extensions import db, limiter
from app.mail import messages
from app.mail.settings import configured as mail_configured
from app.models import TokenPurpose, User
from app.security import client_address, find_user_by_email, log_refusal, seconds_until


def address_asked_for() -> str:
    return unicodedata.normalize("NFC", request.form.get("email", "")).strip().lower()


def _throttled(limit: RequestLimit) -> Response:
    seconds = seconds_until(limit)
    log_refusal("password reset throttled", email=request.form.get("email", ""))
    form = ResetRequestForm()
    form.email.errors = [_("Too many reset requests. Try again in %(minutes)d minutes.",
                           minutes=max(1, (seconds + 30) // 60))]
    response = current_app.make_response((render_template("auth/reset_request.html", form=form), 429))
    response.headers["Retry-After"] = str(seconds)
    return response


def _limit(setting: str) -> str:
    return str(current_app.config[setting])


def send_reset_link(user_id: int) -> None:
    """Issue a reset link and queue it to the account, with the audit entry, in one transaction."""
    with write_transaction():
        user = db.session.get(User, user_id)
        raw = tokens.issue(user, TokenPurpose.RESET, created_by=None)
        messages.password_reset(user, raw)
        record_action("account.reset_requested", target=f"user:{user.id}", before=None,
                      after={"by": "e-mail"}, actor=user)


def hold_until(started: float) -> None:
    remaining = float(current_app.config["LIPVOTE_RESET_ANSWER_SECONDS"]) - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)


@bp.route("/password-reset", methods=["GET", "POST"])
@limiter.limit(lambda: _limit("LIPVOTE_RESET_LIMIT_PER_ADDRESS"), key_func=client_address, methods=["POST"],
               on_breach=_throttled, scope="reset-address")
@limiter.limit(lambda: _limit("LIPVOTE_RESET_LIMIT_PER_ACCOUNT"), key_func=address_asked_for, methods=["POST"],
               on_breach=_throttled, scope="reset-account")
def request_reset() -> Response | tuple[str, int] | str:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    if not mail_configured():
        return render_template("auth/reset_unavailable.html")
    form = ResetRequestForm()
    if not form.validate_on_submit():
        return render_template("auth/reset_request.html", form=form), 400 if form.is_submitted() else 200
    started = time.monotonic()
    user = find_user_by_email(form.email.data or "")
    if user is not None and user.active:
        send_reset_link(user.id)
    else:
        log_refusal("password reset for no active account", email=form.email.data or "")
        db.session.rollback()
    hold_until(started)
    return render_template("auth/reset_requested.html", email=form.email.data,
                           hours=current_app.config["LIPVOTE_RESET_HOURS"])
