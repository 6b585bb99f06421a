"""The administrator's outbox page (messages waiting or failed, the last ones sent, retry); each
person's choice of notifications; the one-click unsubscribe link of a notification."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.database import write_transaction
from app.extensions import csrf, db
from app.forms import ConfirmForm
from app.mail import bp, delivery, notifications
from app.mail.forms import NotificationChoicesForm
from app.mail.models import MailMessage, MailState
from app.models import User
from app.policy import Permission, requires

RECENTLY_SENT = 50


@bp.get("/")
@requires(Permission.MANAGE_ACCOUNTS)
def outbox() -> str:
    waiting = list(db.session.scalars(select(MailMessage).where(MailMessage.state != MailState.SENT)
                                      .order_by(MailMessage.state, MailMessage.next_attempt_at, MailMessage.id)))
    sent = list(db.session.scalars(select(MailMessage).where(MailMessage.state == MailState.SENT)
                                   .order_by(MailMessage.sent_at.desc(), MailMessage.id.desc()).limit(RECENTLY_SENT)))
    return render_template("mail/outbox.html", waiting=waiting, sent=sent, confirm_form=ConfirmForm())


@bp.post("/<int:message_id>/retry")
@requires(Permission.MANAGE_ACCOUNTS)
def retry(message_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with write_transaction():
        retried = delivery.retry(message_id)
    if not retried:
        abort(404)
    flash(_("The message will be sent again at the next delivery."), "success")
    return redirect(url_for("mail.outbox"))


# --- notifications: each person's choices, and the one-click unsubscribe (RFC 8058) -------------


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # a mail client posts "List-Unsubscribe=One-Click" with no form token: the signed link is the proof
def unsubscribe(token: str) -> tuple[str, int] | str:
    found = notifications.read_unsubscribe_token(token)
    if found is None or db.session.get(User, found[0]) is None:
        abort(404)
    user_id, kind = found
    if request.method == "GET":
        return render_template("mail/unsubscribe.html", kind=notifications.KINDS[kind], done=False)
    with write_transaction():
        wanted = set(notifications.KINDS) - notifications.opted_out(user_id) - {kind}
        notifications.set_choices(user_id, wanted)
    return render_template("mail/unsubscribe.html", kind=notifications.KINDS[kind], done=True)


@bp.post("/choices")
@login_required
def choices() -> Response:
    form = NotificationChoicesForm()
    if not form.validate_on_submit():
        abort(400)
    user_id = current_user.id
    with write_transaction():
        notifications.set_choices(user_id, form.chosen())
    flash(_("Your e-mail choices are saved."), "success")
    return redirect(url_for("auth.account"))
