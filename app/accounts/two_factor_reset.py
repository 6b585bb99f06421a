"""An administrator resets another person's two-factor authentication (a lost or replaced phone)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import bp
from app.accounts.routes import account_or_404
from app.auth import two_factor
from app.auth.models import TwoFactor
from app.extensions import db
from app.forms import ConfirmForm
from app.policy import Permission, requires


@bp.route("/<int:user_id>/two-factor/reset", methods=["GET", "POST"])
@requires(Permission.MANAGE_ACCOUNTS)
def reset_two_factor(user_id: int) -> Response | tuple[str, int]:
    user = account_or_404(user_id)
    if user.id == current_user.id:
        abort(409, _("You cannot reset your own two-factor authentication; ask another administrator."))
    if db.session.get(TwoFactor, user.id) is None:
        abort(409, _("%(name)s does not use two-factor authentication, so there is nothing to reset.", name=user.display_name))
    form = ConfirmForm()
    if form.validate_on_submit():
        if not two_factor.reset(user):
            abort(409, _("%(name)s does not use two-factor authentication, so there is nothing to reset.", name=user.display_name))
        flash(_("Two-factor authentication of %(name)s is reset.", name=user.display_name), "success")
        return redirect(url_for("accounts.index"))
    return render_template("accounts/reset_two_factor.html", user=user, form=form,
                           required=two_factor.is_required(user)), 400 if form.is_submitted() else 200
