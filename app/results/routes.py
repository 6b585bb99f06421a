"""Results pages after close: outcome in words, arithmetic, SVG charts, rounds, matrices, breakdowns.

Public once the motion is closed (no login); a draft is not public (404) and an open motion
shows no running count (409 with a plain explanation).
"""

from __future__ import annotations

from flask import abort, render_template

from app.extensions import db
from app.motions.models import Motion, MotionState
from app.audit_portal.verifications import verifications
from app.motions.power_view import opened_report
from app.results import bp
from app.results.view import build
from app.results.words import METHOD_NAMES, THRESHOLD_NAMES


@bp.get("/motions/<int:motion_id>")
def motion(motion_id: int) -> tuple[str, int]:
    motion = db.session.get(Motion, motion_id)
    if motion is None or motion.state is MotionState.DRAFT:
        abort(404)
    if motion.state is MotionState.OPEN or motion.result is None:
        return render_template("results/not_closed.html", motion=motion), 409
    return render_template("results/motion.html", motion=motion, result=motion.result, view=build(motion),
                           method_name=METHOD_NAMES.get(motion.method, motion.method),
                           threshold_names=THRESHOLD_NAMES, verifications=verifications(motion),
                           power=opened_report(motion)), 200
