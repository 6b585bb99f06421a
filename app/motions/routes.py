from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from app.extensions import db
from app.motions import bp
from app.motions.models import Motion, MotionState
from app.policy import Permission, can, requires


@bp.get("/")
@requires(Permission.VIEW_MOTIONS)
def index() -> str:
    query = select(Motion).order_by(Motion.state, Motion.agenda_order, Motion.id.desc())
    if not can(Permission.MANAGE_MOTIONS):
        query = query.where(Motion.state != MotionState.DRAFT)
    return render_template("motions/index.html", motions=list(db.session.scalars(query)))
