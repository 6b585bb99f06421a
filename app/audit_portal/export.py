"""Evidence files, written the same way by the audit pages and by `lipvote bundle`.

A bundle is serialised once here, so the file an auditor downloads and the file the CLI writes
are the same bytes for the same database state.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from ballots.bundle import build_audit_bundle

from app import board
from app.extensions import db
from app.motions import service
from app.motions.models import Motion, MotionState, TransparencyLog
from app.witnesses import cosigned_note

CLOSED_STATES = (MotionState.CLOSED, MotionState.CERTIFIED)


def to_bytes(document: dict[str, Any]) -> bytes:
    """Stable JSON: sorted keys, two-space indent, UTF-8, one final newline."""
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def motion_bundle_filename(motion_id: int) -> str:
    return f"lipvote-motion-{motion_id}-bundle.json"


def motion_bundle_bytes(motion: Motion) -> bytes:
    """The closed motion's `lipvote-bundle/1`; raises `service.MotionError` while it is not closed.

    Its final checkpoint carries the witnesses' cosignatures stored so far (app/witnesses.py)."""
    bundle = service.bundle_for(motion)
    if motion.log is not None:
        bundle["checkpoint"] = cosigned_note(motion.log, len(bundle["leaves"]), bundle["checkpoint"])
    return to_bytes(bundle)


def closed_motions() -> list[Motion]:
    return list(db.session.scalars(select(Motion).where(Motion.state.in_(CLOSED_STATES)).order_by(Motion.id)))


AUDIT_BUNDLE_FILENAME = "lipvote-audit-trail-bundle.json"


def audit_log() -> TransparencyLog | None:
    """The audit trail's transparency log, or None before the first recorded action."""
    return db.session.scalar(select(TransparencyLog).where(TransparencyLog.origin == board.audit_origin()))


def audit_bundle_bytes(log: TransparencyLog) -> bytes:
    """The audit log's `lipvote-audit/1` bundle: the latest signed checkpoint and every leaf it covers."""
    size, checkpoint = board.latest_signed(log) or (0, "")
    return to_bytes(build_audit_bundle(
        origin=log.origin,
        verifier_key=log.verifier_key,
        leaves=[row.leaf for row in board.leaves(log, stop=size)],
        checkpoint=cosigned_note(log, size, checkpoint),
        checkpoints=board.earlier_checkpoints(log, size),
    ))
