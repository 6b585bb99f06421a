"""weight rule for draft motions: equal policy inputs, equal weights

Policies written before the weight rule was versioned have no "rule" and apportion a fixed
total of units by largest remainder, breaking ties between equal members by identifier. A
motion that has opened keeps its policy (its opening leaf commits it); a draft's policy moves
to the rule that never separates equal members: the former presets become the current presets
(exact weights, or 10,000 units where the preset asks for them), and any other policy keeps the
total it asked for under the rule "fixed_total". The policies are written inline, as they stand
at this revision, so the migration does not change if the presets do.

Revision ID: f4c2a9d7b1e3
Revises: e3b8c5d1a7f2
Create Date: 2026-12-03 07:30:00.000000

"""
import json
from typing import Any

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f4c2a9d7b1e3'
down_revision = 'e3b8c5d1a7f2'
branch_labels = None
depends_on = None

TIERS = {"small": 1, "medium": 2, "large": 3}
# (policy before, policy after) for the presets the motion form offered
PRESETS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"kind": "equal", "total": 10000, "cap": None, "floor": None},
     {"kind": "equal", "rule": "exact", "total": None, "cap": None, "floor": None}),
    ({"kind": "tiered", "total": 10000, "tiers": TIERS, "cap": None, "floor": None},
     {"kind": "tiered", "rule": "exact", "total": None, "tiers": TIERS, "cap": None, "floor": None}),
    ({"kind": "regional_parity", "total": 10000, "cap": None, "floor": None},
     {"kind": "regional_parity", "rule": "exact", "total": None, "cap": None, "floor": None}),
    ({"kind": "blended", "total": 10000, "equal_part": "1/2", "cap": None, "floor": None},
     {"kind": "blended", "rule": "fixed_total", "total": 10000, "equal_part": "1/2", "cap": None, "floor": None}),
    ({"kind": "blended", "total": 10000, "equal_part": "0/1", "cap": "1/10", "floor": "1/400"},
     {"kind": "blended", "rule": "fixed_total", "total": 10000, "equal_part": "0/1", "cap": "1/10",
      "floor": "1/400"}),
]


def _upgraded(policy: dict[str, Any]) -> dict[str, Any]:
    if "rule" in policy or "kind" not in policy or "total" not in policy:
        return policy
    for before, after in PRESETS:
        if policy == before:
            return after
    return {**policy, "rule": "fixed_total"}


def _downgraded(policy: dict[str, Any]) -> dict[str, Any]:
    for before, after in PRESETS:
        if policy == after:
            return before
    if policy.get("rule") == "exact":
        return {k: v for k, v in policy.items() if k != "rule"} | {"total": 10000}
    return {k: v for k, v in policy.items() if k != "rule"}


def _rewrite(change: Any) -> None:
    bind = op.get_bind()
    motions = sa.table("motion", sa.column("id"), sa.column("state"), sa.column("weight_policy_json"))
    for row in bind.execute(sa.select(motions).where(motions.c.state == "draft")).mappings().all():
        policy = json.loads(row["weight_policy_json"])
        if not isinstance(policy, dict):
            continue
        new = change(policy)
        if new != policy:
            bind.execute(motions.update().where(motions.c.id == row["id"])
                         .values(weight_policy_json=json.dumps(new, sort_keys=True)))


def upgrade():
    _rewrite(_upgraded)


def downgrade():
    _rewrite(_downgraded)
