"""Draft motions stored before the weight rule was versioned move to a rule that keeps equals equal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sqlalchemy import select, text

from voting import weights as weight_policies

from app.extensions import db
from app.motions.models import Motion
from tests.conftest import make_app

BEFORE = "e3b8c5d1a7f2"
OLD_TIERED = {"kind": "tiered", "total": 10000, "tiers": {"small": 1, "medium": 2, "large": 3}, "cap": None,
              "floor": None}
OLD_CUSTOM = {"kind": "equal", "total": 500, "cap": "1/2", "floor": None}


def _insert(state: str, policy: dict[str, object]) -> None:
    log = "NULL" if state == "draft" else "1"
    db.session.execute(text(
        "INSERT INTO motion (title_en, title_fr, text_en, text_fr, method, seats, options_json, rules_json, "
        f"weight_policy_json, secret, revote, state, agenda_order, created_at, updated_at, log_id) VALUES ('t', 't', "
        "'', '', 'yes_no', 1, '[]', '{}', :policy, 0, 0, :state, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00', "
        f"{log})"), {"policy": json.dumps(policy), "state": state})


def test_drafts_get_the_new_presets_and_opened_motions_keep_theirs(tmp_path: Path, migrated_database: Path) -> None:
    from flask_migrate import downgrade, upgrade

    database = tmp_path / "old.sqlite3"
    shutil.copyfile(migrated_database, database)
    app = make_app(tmp_path, database)
    with app.app_context():
        downgrade(revision=BEFORE)
        db.session.execute(text(
            "INSERT INTO transparency_log (id, origin, kind, size, frontier_json, verifier_key, created_at) "
            "VALUES (1, 'test/m', 'motion', 0, '[]', 'k', '2026-01-01 00:00:00')"))
        _insert("draft", OLD_TIERED)
        _insert("draft", OLD_CUSTOM)
        _insert("open", OLD_TIERED)
        db.session.commit()
        upgrade()
        policies = [m.weight_policy for m in db.session.scalars(select(Motion).order_by(Motion.id))]
        assert policies == [weight_policies.PRESETS["tiered_1_2_3"], {**OLD_CUSTOM, "rule": "fixed_total"}, OLD_TIERED]
        db.session.rollback()
        downgrade(revision=BEFORE)
        policies = [json.loads(p) for p in db.session.scalars(select(Motion.weight_policy_json).order_by(Motion.id))]
        assert policies == [OLD_TIERED, OLD_CUSTOM, OLD_TIERED]
        db.engine.dispose()
