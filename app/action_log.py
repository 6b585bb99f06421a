"""Writing the audit trail: each admin and chair action, in the same transaction as the change.

The auditors' pages that publish the trail belong to the audit portal (`app/audit_portal/trail.py`).

Each action is stored twice, in the same transaction: as an `audit_event` row (who, what, when,
before/after, for the auditor's page) and as an `audit_event` leaf appended to the audit
transparency log (origin `board.audit_origin()`), so the trail is append-only and signed like a
motion log and `lipvote verify` checks it. The leaf's details carry the event id. Callers run
inside `write_transaction()`, so two actions never race on the log's next index.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import Enum
from typing import Any, Mapping

from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ballots.leaves import audit_leaf

from app.extensions import db
from app.models import AuditEvent, User, utcnow


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _dump(record: Mapping[str, Any] | None) -> str | None:
    if record is None:
        return None
    return json.dumps({k: _plain(v) for k, v in record.items()}, ensure_ascii=False, sort_keys=True)


def record_action(action: str, *, target: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None,
                  actor: User | None = None) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits with the change itself).

    The actor is the signed-in user, or `actor` when the person is not signed in yet (a
    recovery code used to complete a sign-in).
    """
    if actor is None and getattr(current_user, "is_authenticated", False):
        actor = current_user
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor.id if actor else None,
        actor_label=f"{actor.display_name} <{actor.email}> ({actor.role.value})" if actor else "system",
        action=action,
        target=target,
        before_json=_dump(before),
        after_json=_dump(after),
    )
    db.session.add(event)
    db.session.flush()  # the event id goes into the leaf
    _append_leaf(event)
    return event


def _append_leaf(event: AuditEvent) -> None:
    # app.board imports app.motions, whose services import this module: import it on use.
    from app import board
    from app.motions.models import LogKind, TransparencyLog

    origin = board.audit_origin()
    log_id = db.session.scalar(select(TransparencyLog.id).where(TransparencyLog.origin == origin))
    if log_id is None:
        try:
            with db.session.begin_nested():  # PostgreSQL: another first action may create it at the same time
                log = board.create_log(origin, LogKind.AUDIT)
        except IntegrityError:
            log_id = db.session.scalar(select(TransparencyLog.id).where(TransparencyLog.origin == origin))
    if log_id is not None:
        log = board.lock_for_append(log_id)
    details = {
        "event": event.id,
        "before": json.loads(event.before_json) if event.before_json else None,
        "after": json.loads(event.after_json) if event.after_json else None,
    }
    board.append(log, audit_leaf(log=origin, at=event.at, actor=event.actor_label, action=event.action,
                                 target=event.target, details=details))
