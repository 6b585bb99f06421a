"""The motions list (`/motions/`): drafts are shown only to those who manage motions."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import case, select

from app.extensions import db
from app.motions import bp
from app.motions.models import Motion, MotionState
from app.policy import Permission, can, requires


# What a reader looks for first: what is open now, then what is coming, then what was decided.
STATE_ORDER = case({MotionState.OPEN: 0, MotionState.DRAFT: 1, MotionState.CLOSED: 2, MotionState.CERTIFIED: 3},
                   value=Motion.state)


@bp.get("/")
@requires(Permission.VIEW_MOTIONS)
def index() -> str:
    query = select(Motion).order_by(STATE_ORDER, Motion.agenda_order, Motion.id.desc())
    if not can(Permission.MANAGE_MOTIONS):
        query = query.where(Motion.state != MotionState.DRAFT)
    return render_template("motions/index.html", motions=list(db.session.scalars(query)))
