"""Check 10 (weights) across weight-snapshot formats.

vectors/weights/ holds bundles frozen as files: format1-* was produced by the code before
the weight rule was versioned (Hamilton apportionment of a fixed total, equal remainders by
member id, so six equal members got 17, 17, 17, 17, 16, 16 of 100), format2-* by the rules
"exact" and "fixed_total". Each must keep verifying with every receipt; a snapshot whose rule
is stripped or whose weights are changed must not.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ballots import verify_bundle
from ballots.leaves import canonical_json
from ballots.verify import Report

VECTORS = Path(__file__).parent / "vectors" / "weights"
EXPECTED = {
    "format1-equal-hamilton.json": ("lipvote-weights/1", [17, 17, 17, 17, 16, 16]),
    "format2-equal-exact.json": ("lipvote-weights/2", [1, 1, 1, 1, 1, 1]),
    "format2-equal-fixed-total.json": ("lipvote-weights/2", [16, 16, 16, 16, 16, 16]),
    "format2-regional-parity-exact.json": ("lipvote-weights/2", [2, 2, 1, 1, 1, 1]),
}


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return data


def _failed(report: Report) -> dict[str, str]:
    return {c.name: c.message for c in report.checks if c.status == "failed"}


def test_every_vector_is_listed() -> None:
    assert sorted(p.name for p in VECTORS.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_frozen_bundle_verifies(name: str) -> None:
    data = _load(name)
    report = verify_bundle(data["bundle"], receipts=data["receipts"])
    assert report.ok, _failed(report)
    snapshot = json.loads(data["bundle"]["leaves"][0])["weights"]
    fmt, weights = EXPECTED[name]
    assert snapshot["format"] == fmt
    assert [snapshot["weights"][m] for m in sorted(snapshot["weights"])] == weights


def _with_snapshot(bundle: dict[str, Any], change: Any) -> dict[str, Any]:
    leaves = list(bundle["leaves"])
    opening = json.loads(leaves[0])
    change(opening["weights"])
    leaves[0] = canonical_json(opening)
    return {**bundle, "leaves": leaves}


def test_stripping_the_rule_is_caught() -> None:
    bundle = _load("format2-equal-fixed-total.json")["bundle"]
    stripped = _with_snapshot(bundle, lambda s: s["policy"].pop("rule"))
    failed = _failed(verify_bundle(stripped))
    assert "without a rule" in failed["weights"]


def test_relabelling_the_format_is_caught() -> None:
    bundle = _load("format2-equal-exact.json")["bundle"]
    failed = _failed(verify_bundle(_with_snapshot(bundle, lambda s: s.update(format="lipvote-weights/1"))))
    assert "with a rule" in failed["weights"]


def test_unequal_weights_for_equal_members_are_caught() -> None:
    def unequal(s: dict[str, Any]) -> None:
        s["weights"]["lip-a"] += 1
        s["weights"]["lip-f"] -= 1
    bundle = _load("format2-equal-fixed-total.json")["bundle"]
    failed = _failed(verify_bundle(_with_snapshot(bundle, unequal)))
    assert "gives different weights" in failed["weights"]


@pytest.mark.parametrize(("name", "words"), [
    ("format1-equal-hamilton.json", "format lipvote-weights/1: largest remainder"),
    ("format2-equal-exact.json", "rule exact"),
    ("format2-equal-fixed-total.json", "rule fixed_total: 100 units asked for"),
])
def test_the_report_names_the_rule(name: str, words: str) -> None:
    report = verify_bundle(_load(name)["bundle"])
    assert words in next(c.message for c in report.checks if c.name == "weights")
