"""The notifications page (every notice a person got, newest first, unread marked, "mark all as
read") and the unread count in the header."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select, update

from app.database import write_transaction
from app.extensions import db
from app.forms import ConfirmForm
from app.mail.models import Notification
from app.models import utcnow

bp = Blueprint("notices", __name__, url_prefix="/notifications")
SHOWN = 200  # the newest ones; older notices are about motions long closed


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


@bp.get("/")
@login_required
def index() -> str:
    notices = list(db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                                      .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(SHOWN)))
    unread = sum(1 for notice in notices if notice.read_at is None)
    return render_template("mail/notifications.html", notices=notices, unread=unread, form=ConfirmForm())


@bp.post("/read")
@login_required
def mark_all_read() -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user_id = current_user.id
    with write_transaction():
        db.session.execute(update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
                           .values(read_at=utcnow()))
    flash(_("All your notifications are marked as read."), "success")
    return redirect(url_for("notices.index"))
