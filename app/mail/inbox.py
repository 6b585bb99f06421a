"""The notifications page (every notice a person got, newest first, unread marked, "mark all as
read") and the unread count in the header."""

from __future__ import annotations

from functools import cache

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import Select, bindparam, func, select, update

from app.database import write_transaction
from app.extensions import db
from app.forms import ConfirmForm
from app.mail.models import Notification
from app.models import utcnow

bp = Blueprint("notices", __name__, url_prefix="/notifications")
SHOWN = 200  # the newest ones; older notices are about motions long closed


@cache
def _unread_of() -> Select[int]:
    """Built once: the header asks it on nearly every page."""
    return (select(func.count()).select_from(Notification)
            .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None)))


def unread_count(user_id: int) -> int:
    return db.session.scalar(_unread_of(), {"user_id": user_id}) or 0


def header_unread_count() -> int:
    """The signed-in person's unread count for the header, read at most once per request."""
    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        counted_at_load = current_user.unread_notifications  # read with the account (app.sessions)
        g.unread_notifications = counted_at_load if counted_at_load is not None else unread_count(current_user.id)
    return int(g.unread_notifications)


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
