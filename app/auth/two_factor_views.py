"""Pages of two-factor authentication: the code step of sign-in, the account page, enrolment,
new recovery codes and turning it off; and the rule that sends a signed-in person whose role
requires it to enrolment first."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.auth import bp, two_factor
from app.auth.routes import complete_sign_in, safe_next
from app.auth.two_factor_forms import EnrolForm, RegenerateForm, SignInCodeForm, TurnOffForm
from flask_limiter import RequestLimit

from app.security import LoginRefused, code_limits, log_refusal, seconds_until

# What a signed-in person who must enrol may still reach (request.endpoint names).
ENROLMENT_EXEMPT = frozenset({"auth.two_factor_enrol", "auth.logout", "auth.set_language", "static"})


@bp.before_app_request
def require_enrolment() -> Response | None:
    if request.endpoint is None or request.endpoint in ENROLMENT_EXEMPT or not current_user.is_authenticated:
        return None
    if two_factor.is_required(current_user) and not two_factor.is_enrolled(current_user):
        return redirect(url_for("auth.two_factor_enrol"))
    return None


def _refused(page: str, refusal: LoginRefused) -> Response:
    response = current_app.make_response((page, refusal.status))
    if refusal.retry_after:
        response.headers["Retry-After"] = str(refusal.retry_after)
    return response


def _code_throttled(limit: RequestLimit) -> Response:
    seconds = seconds_until(limit)
    log_refusal("sign-in code throttled")
    form = SignInCodeForm()
    form.code.errors = [_("Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
                          minutes=max(1, (seconds + 30) // 60))]
    response = current_app.make_response((render_template("auth/code.html", form=form), 429))
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/login/code", methods=["GET", "POST"])
@code_limits(on_breach=_code_throttled)
def two_factor_code() -> Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    try:
        pending = two_factor.pending_sign_in()
    except LoginRefused as refusal:
        return render_template("auth/code_expired.html", message=refusal.message), refusal.status
    form = SignInCodeForm()
    if form.validate_on_submit():
        try:
            outcome = two_factor.verify_code(pending.user, form.code.data or "")
        except LoginRefused as refusal:
            form.code.errors = [str(refusal.message)]
            return _refused(render_template("auth/code.html", form=form), refusal)
        two_factor.clear_pending()
        complete_sign_in(pending.user, remember=pending.remember)
        if outcome is two_factor.Outcome.RECOVERY:
            _flash_recovery_codes_left(two_factor.recovery_codes_left(pending.user.id))
        return redirect(safe_next(pending.next_path))
    return render_template("auth/code.html", form=form), 400 if form.is_submitted() else 200


def _flash_recovery_codes_left(left: int) -> None:
    flash(ngettext("You signed in with a recovery code. %(num)d recovery code is left; you can generate new ones "
                   "on your account page.",
                   "You signed in with a recovery code. %(num)d recovery codes are left; you can generate new ones "
                   "on your account page.", left), "info")


@bp.get("/account")
@login_required
def account() -> str:
    record = two_factor.confirmed_record(current_user.id)
    return render_template("auth/account.html", two_factor_since=record.confirmed_at if record else None,
                           required=two_factor.is_required(current_user),
                           codes_left=two_factor.recovery_codes_left(current_user.id))


@bp.route("/account/two-factor/enrol", methods=["GET", "POST"])
@login_required
def two_factor_enrol() -> Response | tuple[str, int]:
    form = EnrolForm()
    try:
        if form.validate_on_submit():
            codes = two_factor.confirm_enrolment(current_user, form.code.data or "")
            if codes is not None:
                return render_template("auth/recovery_codes.html", codes=codes, enrolled_now=True), 201
            form.code.errors = [_("That code does not match. Check that you scanned the code on this page, and enter "
                                  "the newest code your app shows.")]
        secret = two_factor.enrolment_secret(current_user)
    except two_factor.AlreadyEnrolled:
        flash(_("Two-factor authentication is already on for your account."), "info")
        return redirect(url_for("auth.account"))
    return render_template("auth/enrol.html", form=form, secret=two_factor.grouped(secret),
                           qr=two_factor.provisioning_qr(two_factor.provisioning_uri(current_user, secret)),
                           required=two_factor.is_required(current_user)), 422 if form.is_submitted() else 200


def _enrolled_or_409() -> None:
    if not two_factor.is_enrolled(current_user):
        abort(409, _("Two-factor authentication is off for your account."))


@bp.route("/account/two-factor/recovery-codes", methods=["GET", "POST"])
@login_required
def two_factor_recovery_codes() -> Response | tuple[str, int]:
    _enrolled_or_409()
    form = RegenerateForm()
    if form.validate_on_submit():
        try:
            two_factor.verify_code(current_user, form.code.data or "")
        except LoginRefused as refusal:
            form.code.errors = [str(refusal.message)]
            return _refused(render_template("auth/regenerate.html", form=form), refusal)
        codes = two_factor.regenerate_recovery_codes(current_user)
        return render_template("auth/recovery_codes.html", codes=codes, enrolled_now=False), 201
    return render_template("auth/regenerate.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/account/two-factor/turn-off", methods=["GET", "POST"])
@login_required
def two_factor_turn_off() -> Response | tuple[str, int]:
    _enrolled_or_409()
    if two_factor.is_required(current_user):
        abort(403, _("Your role requires two-factor authentication, so it cannot be turned off. If you lost your "
                     "authenticator app, ask an administrator to reset it."))
    form = TurnOffForm()
    if form.validate_on_submit():
        try:
            two_factor.verify_code(current_user, form.code.data or "")
        except LoginRefused as refusal:
            form.code.errors = [str(refusal.message)]
            return _refused(render_template("auth/turn_off.html", form=form), refusal)
        two_factor.turn_off(current_user)
        flash(_("Two-factor authentication is off. Your recovery codes no longer work."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/turn_off.html", form=form), 400 if form.is_submitted() else 200
