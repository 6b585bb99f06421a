"""The audit trail: every admin and chair action, recorded in the same transaction as the change."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import Enum
from typing import Any, Mapping

from flask_login import current_user

from app.extensions import db
from app.models import AuditEvent


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


def record_action(action: str, *, target: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits with the change itself)."""
    actor = current_user if getattr(current_user, "is_authenticated", False) else None
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        actor_label=f"{actor.display_name} <{actor.email}> ({actor.role.value})" if actor else "system",
        action=action,
        target=target,
        before_json=_dump(before),
        after_json=_dump(after),
    )
    db.session.add(event)
    return event
