from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_login import current_user
from werkzeug.security import generate_password_hash

from app.action_log import record_action
from app.auth import bp, two_factor
from app.auth.forms import LanguageForm, LoginForm, LogoutForm, SetPasswordForm
from app.database import write_transaction
from app.extensions import db
from app.i18n import SESSION_LANGUAGE_KEY
from app.models import AccountToken, SessionEnd, TokenPurpose, User
from app.redirects import safe_next
from app.security import LoginRefused, authenticate, log_refusal, login_limits, seconds_until
from app import sessions, tokens


def _login_page(form: LoginForm, error: str, status: int) -> Response:
    form.password.errors = [error]
    return current_app.make_response((render_template("auth/login.html", form=form), status))


def _throttled(limit: RequestLimit) -> Response:
    """The answer once too many sign-ins failed: the same whether or not the account exists."""
    seconds = seconds_until(limit)
    log_refusal("sign-in throttled", email=request.form.get("email", ""))
    response = _login_page(LoginForm(), _("Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
                                          minutes=max(1, (seconds + 30) // 60)), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/login", methods=["GET", "POST"])
@login_limits(on_breach=_throttled)
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data or "", form.password.data or "", )
        except LoginRefused as refusal:
            return _login_page(form, str(refusal.message), refusal.status)
        if two_factor.is_enrolled(user):
            two_factor.hold_for_code(user, remember=bool(form.remember.data), next_path=request.args.get("next"))
            return redirect(url_for("auth.two_factor_code"))
        complete_sign_in(user, remember=bool(form.remember.data))
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), 400 if form.is_submitted() else 200


def chosen_language() -> str | None:
    """The language this browser chose with the language switch (not the one it merely asks for)."""
    chosen = session.get(SESSION_LANGUAGE_KEY)
    return chosen if chosen in current_app.config["LANGUAGES"] else None


def keep_language_choice(user: User) -> None:
    """A language chosen before signing in becomes the account's language, as the switch does
    once signed in (inside the caller's write transaction)."""
    chosen = session.pop(SESSION_LANGUAGE_KEY, None)  # moved to the account, so it cannot undo a later change there
    if chosen in current_app.config["LANGUAGES"] and user.locale != chosen:
        user.locale = chosen


def complete_sign_in(user: User, remember: bool) -> None:
    """Sign in an account whose password (and, if it has one, second factor) was accepted."""
    session.permanent = True
    user_id = user.id
    with write_transaction():
        account = db.session.get(User, user_id)
        keep_language_choice(account)
        sessions.sign_in(account, remember=remember)


@bp.post("/logout")
def logout() -> Response:
    if not LogoutForm().validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        sessions.sign_out(current_user._get_current_object())
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


def _set_password_page(raw: str, purpose: TokenPurpose, template: str) -> Response | tuple[str, int]:
    try:
        token = tokens.find_usable(raw, purpose)
    except tokens.TokenRejected as rejected:
        return render_template("auth/link_rejected.html", reason=rejected.reason), rejected.status
    if chosen_language() is None and not current_user.is_authenticated:
        # The link is the person's first page: in their account's language (messages included),
        # with the switch offered.
        with force_locale(token.user.locale):
            return _set_password_form(token, template)
    return _set_password_form(token, template)


def _set_password_form(token: AccountToken, template: str) -> Response | tuple[str, int]:
    form = SetPasswordForm()
    if form.validate_on_submit():
        token_id, user_id, purpose = token.id, token.user_id, token.purpose
        new_hash = generate_password_hash(form.password.data or "")  # before the write lock: it takes a while
        if current_user.is_authenticated:
            sessions.sign_out(current_user._get_current_object())
        try:
            with write_transaction():
                tokens.consume(db.session.get(AccountToken, token_id))
                user = db.session.get(User, user_id)
                user.password_hash = new_hash
                keep_language_choice(user)
                sessions.end_all(user.id, SessionEnd.PASSWORD)
                if purpose is TokenPurpose.RESET:
                    record_action("account.password_reset", target=f"user:{user.id}", before=None,
                                  after={"other_sessions": "ended"}, actor=user)
                enrolled = two_factor.is_enrolled(user)
                if not enrolled:
                    sessions.sign_in(user, remember=False)
        except tokens.TokenRejected as rejected:
            return render_template("auth/link_rejected.html", reason=rejected.reason), rejected.status
        if enrolled:  # a reset link alone must not get past the second factor
            two_factor.hold_for_code(user, remember=False, next_path=None)
            flash(_("Your password is set. Enter a code to finish signing in."), "success")
            return redirect(url_for("auth.two_factor_code"))
        flash(_("Your password is set. Welcome, %(name)s.", name=user.display_name), "success")
        return redirect(url_for("main.home"))
    return render_template(template, form=form, user=token.user), 400 if form.is_submitted() else 200


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Response | tuple[str, int]:
    return _set_password_page(token, TokenPurpose.INVITATION, "auth/invitation.html")


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response | tuple[str, int]:
    return _set_password_page(token, TokenPurpose.RESET, "auth/reset.html")


@bp.post("/language")
def set_language() -> Response:
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    lang = form.lang.data or "en"
    session[SESSION_LANGUAGE_KEY] = lang
    if current_user.is_authenticated:
        user_id = current_user.id
        with write_transaction():
            db.session.get(User, user_id).locale = lang
    return redirect(safe_next(form.next.data))
