"""The administrator's outbox page: messages waiting or failed, the last ones sent, and retry."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.database import write_transaction
from app.extensions import db
from app.forms import ConfirmForm
from app.mail import bp, delivery
from app.mail.models import MailMessage, MailState
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
