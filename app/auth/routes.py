from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import bp, two_factor
from app.auth.forms import LanguageForm, LoginForm, LogoutForm, SetPasswordForm
from app.extensions import db
from app.i18n import SESSION_LANGUAGE_KEY
from app.models import TokenPurpose, User
from app.security import LoginRefused, authenticate
from app import tokens


def safe_next(target: str | None) -> str:
    """Only same-site paths may be redirected to after sign-in or a language change."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data or "", form.password.data or "", needs_second_factor=two_factor.is_enrolled)
        except LoginRefused as refusal:
            form.password.errors = [str(refusal.message)]
            response = current_app.make_response((render_template("auth/login.html", form=form), refusal.status))
            if refusal.retry_after:
                response.headers["Retry-After"] = str(refusal.retry_after)
            return response
        if two_factor.is_enrolled(user):
            two_factor.hold_for_code(user, remember=bool(form.remember.data), next_path=request.args.get("next"))
            return redirect(url_for("auth.two_factor_code"))
        complete_sign_in(user, remember=bool(form.remember.data))
        return redirect(safe_next(request.args.get("next")))
    if form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


def complete_sign_in(user: User, remember: bool) -> None:
    """Sign in an account whose password (and, if it has one, second factor) was accepted."""
    session.permanent = True
    login_user(user, remember=remember)


@bp.post("/logout")
def logout() -> Response:
    if LogoutForm().validate_on_submit():
        logout_user()
        flash(_("You are signed out."), "info")
        return redirect(url_for("auth.login"))
    abort(400)


def _set_password_page(raw: str, purpose: TokenPurpose, template: str) -> Response | tuple[str, int]:
    try:
        token = tokens.find_usable(raw, purpose)
    except tokens.TokenRejected as rejected:
        return render_template("auth/link_rejected.html", reason=rejected.reason), rejected.status
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            tokens.consume(token)
        except tokens.TokenRejected as rejected:
            return render_template("auth/link_rejected.html", reason=rejected.reason), rejected.status
        user = token.user
        user.set_password(form.password.data or "")
        user.failed_logins = 0
        user.locked_until = None
        db.session.commit()
        logout_user()
        if two_factor.is_enrolled(user):  # a reset link alone must not get past the second factor
            two_factor.hold_for_code(user, remember=False, next_path=None)
            flash(_("Your password is set. Enter a code to finish signing in."), "success")
            return redirect(url_for("auth.two_factor_code"))
        login_user(user)
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
        current_user.locale = lang
        db.session.commit()
    return redirect(safe_next(form.next.data))
