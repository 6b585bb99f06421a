"""Shared helpers for motion tests: draft, open, cast and close through the real services."""

from __future__ import annotations

import json
from typing import Any, Sequence

from app.database import write_transaction
from app.extensions import db
from app.models import User
from app.motions import service
from app.motions.models import Motion

YES_NO_OPTIONS = [{"id": "yes", "en": "Yes", "fr": "Oui"}, {"id": "no", "en": "No", "fr": "Non"},
                  {"id": "abstain", "en": "Abstain", "fr": "Abstention"}]


def options(*ids: str) -> list[dict[str, str]]:
    return [{"id": i, "en": i.title(), "fr": i.title()} for i in ids]


def draft_motion(*, method: str = "yes_no", option_list: Sequence[dict[str, str]] = YES_NO_OPTIONS, seats: int = 1,
                 rules: dict[str, Any] | None = None, policy: dict[str, Any] | None = None, secret: bool = False,
                 revote: bool = False, title: str = "Adopt the representative framework") -> int:
    motion = Motion(
        title_en=title, title_fr=f"FR: {title}", text_en="", text_fr="", method=method, seats=seats,
        options_json=json.dumps(list(option_list)), rules_json=json.dumps(rules or {"threshold": "majority_cast"}),
        weight_policy_json=json.dumps(policy or {"kind": "equal", "total": 10000, "cap": None, "floor": None}),
        secret=secret, revote=revote,
    )
    db.session.add(motion)
    db.session.commit()
    return motion.id


def open_now(motion_id: int) -> None:
    with write_transaction():
        service.open_motion(db.session.get(Motion, motion_id))


def cast_as(motion_id: int, email: str, selection: Any, for_member: str | None = None) -> service.CastReceipt:
    user_id = db.session.scalar(db.select(User.id).where(User.email == email))
    return service.cast(motion_id, user_id, for_member, selection)


def close_now(motion_id: int) -> Motion:
    with write_transaction():
        service.close_motion(db.session.get(Motion, motion_id))
    return db.session.get(Motion, motion_id)
