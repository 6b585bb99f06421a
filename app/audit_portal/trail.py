"""The audit trail for auditors: every admin and chair action, and its signed log."""

from __future__ import annotations

import json

from flask import Response, abort, render_template
from flask_babel import gettext as _
from sqlalchemy import func, select

from app import board
from app.audit_portal import bp
from app.audit_portal.export import AUDIT_BUNDLE_FILENAME, audit_bundle_bytes, audit_log
from app.audit_portal.routes import PAGE_SIZE, key_facts, page_number
from app.extensions import db
from app.models import AuditEvent
from app.motions.models import TransparencyLog
from app.policy import Permission, requires


def event_leaves(log: TransparencyLog | None, event_ids: set[int]) -> dict[int, tuple[int, str]]:
    """event id -> (leaf index, tracking code) in the audit log, for the events on one page."""
    if log is None or not event_ids:
        return {}
    found: dict[int, tuple[int, str]] = {}
    # Leaves are appended in event order, so the page's events sit near the matching indexes;
    # reading every leaf keeps this simple and the trail is small (one leaf per admin action).
    for row in board.leaves(log):
        event = json.loads(row.leaf).get("details", {}).get("event")
        if event in event_ids:
            found[event] = (row.index, row.tracking_code)
    return found


@bp.get("/trail")
@requires(Permission.VIEW_AUDIT_TRAIL)
def trail() -> str:
    total = db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    page, pages = page_number(total)
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())
                                     .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    log = audit_log()
    return render_template(
        "audit/trail.html", events=events, total=total, page=page, pages=pages, log=log,
        key=key_facts(log.verifier_key) if log else None, checkpoint=board.latest_checkpoint(log) if log else None,
        leaves=event_leaves(log, {e.id for e in events}),
    )


@bp.get("/trail/bundle.json")
@requires(Permission.VIEW_AUDIT_TRAIL)
def trail_bundle() -> Response:
    log = audit_log()
    if log is None or log.size == 0:
        abort(404, _("No action has been recorded yet, so the audit log is empty."))
    return Response(audit_bundle_bytes(log), mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename={AUDIT_BUNDLE_FILENAME}"})
