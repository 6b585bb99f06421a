"""Auditors record "I verified this motion's bundle": in the signed audit trail, shown on the
results and audit pages.

The record names the auditor, the motion and the checkpoint (size and Merkle root) the verifier
accepted. The server only checks that the root typed in is the root of this motion's log at its
latest signed checkpoint, so a record always points at the log everybody else can download; it
cannot check that the auditor really ran the verifier, which is the auditor's word, signed into
the trail under their name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ballots.note import parse_vkey

from app import board
from app.action_log import record_action
from app.audit_portal import bp
from app.audit_portal.export import motion_bundle_filename
from app.audit_portal.forms import VerifiedForm
from app.database import write_transaction
from app.extensions import db
from app.models import AuditEvent
from app.motions.models import Motion, MotionState
from app.policy import Permission, requires

ACTION = "motion.bundle_verified"
CLOSED = (MotionState.CLOSED, MotionState.CERTIFIED)


@dataclass(frozen=True)
class Verification:
    auditor: str
    at: datetime
    size: int
    root: str


def verifications(motion: Motion) -> list[Verification]:
    """Every recorded verification of the motion's bundle, oldest first."""
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == ACTION,
                                                         AuditEvent.target == f"motion:{motion.id}")
                                .order_by(AuditEvent.id))
    out = []
    for event in events:
        after = json.loads(event.after_json or "{}")
        out.append(Verification(after.get("auditor", ""), event.at, int(after.get("checkpoint_size", 0)),
                                str(after.get("root", ""))))
    return out


def final_checkpoint(motion: Motion) -> tuple[int, str]:
    """(size, root in hex) of the motion log's latest signed checkpoint: after close, the final one."""
    log = motion.log
    latest = board.latest_signed(log) if log is not None else None
    if log is None or latest is None:
        abort(404)
    size, note = latest
    return size, board.signed_root(log, note).hex()


def closed_motion_or_404(motion_id: int) -> Motion:
    motion = db.session.get(Motion, motion_id)
    if motion is None or motion.state is MotionState.DRAFT or motion.log is None:
        abort(404)
    if motion.state not in CLOSED:
        abort(409, _("A motion's bundle can be verified once the motion is closed; this one is still open."))
    return motion


def _page(motion: Motion, form: VerifiedForm, status: int = 200) -> tuple[str, int]:
    from app.audit_portal.routes import key_facts

    size, _root = final_checkpoint(motion)
    mine = [v for v in verifications(motion) if v.auditor == current_user.display_name and v.size == size]
    return render_template("audit/verified.html", motion=motion, form=form, size=size,
                           key=key_facts(motion.log.verifier_key), bundle_name=motion_bundle_filename(motion.id),
                           base_url=request.url_root.rstrip("/"), verifications=verifications(motion),
                           already=bool(mine)), status


@bp.route("/motions/<int:motion_id>/verified", methods=["GET", "POST"])
@requires(Permission.RECORD_VERIFICATION)
def record_verified(motion_id: int) -> tuple[str, int] | Response:
    motion = closed_motion_or_404(motion_id)
    form = VerifiedForm()
    if not form.is_submitted():
        return _page(motion, form)
    if not form.validate():
        return _page(motion, form, 422)
    with write_transaction():
        motion = closed_motion_or_404(motion_id)
        size, root = final_checkpoint(motion)
        if form.root.data != root:
            form.root.errors.append(_(
                "This is not the root of this motion's log at its final checkpoint (%(size)d entries). Check that you "
                "verified the bundle of this motion, downloaded from this server, and copy the root from the "
                "verifier's merkle root line.", size=size))
            return _page(motion, form, 422)
        name = current_user.display_name
        if any(v.auditor == name and v.size == size for v in verifications(motion)):
            flash(_("You had already recorded your verification of this motion at this checkpoint."), "success")
            return redirect(url_for("results.motion", motion_id=motion.id))
        record_action(ACTION, target=f"motion:{motion.id}", before=None,
                      after={"motion": motion.id, "auditor": name, "checkpoint_size": size, "root": root,
                             "origin": motion.log.origin,
                             "key_fingerprint": parse_vkey(motion.log.verifier_key).fingerprint})
    flash(_("Your verification is recorded in the signed audit trail and shown on the results page."), "success")
    return redirect(url_for("results.motion", motion_id=motion_id))


@dataclass(frozen=True)
class ClosedMotion:
    motion: Motion
    bundle_name: str
    verifications: list[Verification]


def closed_motions() -> list[ClosedMotion]:
    """The closed and certified motions, most recently closed first, for the auditor's home."""
    motions = db.session.scalars(select(Motion).where(Motion.state.in_(CLOSED))
                                 .order_by(Motion.closed_at.desc(), Motion.id.desc()))
    return [ClosedMotion(m, motion_bundle_filename(m.id), verifications(m)) for m in motions]


bp.add_app_template_global(closed_motions, "closed_motions_for_audit")


def signing_vkey() -> str:
    """The server's checkpoint-signing key, as `lipvote verify --key` takes it."""
    return board.signer().vkey


bp.add_app_template_global(signing_vkey, "signing_vkey")
