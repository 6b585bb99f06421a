"""The optional ``decides`` field of an open leaf: the exact proposal version voted on."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest

from ballots import leaves, verify_bundle
from ballots.decides import Decides
from ballots.errors import LeafError
from ballots_testlog import standard_log

T0 = datetime(2026, 12, 3, 14, 5, tzinfo=timezone.utc)
DIGEST = "0123456789abcdef" * 4
ADOPTS = Decides(proposal="statement-of-intention", version=3, sha256=DIGEST)


def _open(**over: Any) -> str:
    kw: dict[str, Any] = dict(
        motion="m-1", title={"en": "Adopt", "fr": "Adopter"}, method="plurality",
        options=["yes", "no"], seats=1, rules={}, secrecy="recorded", revote=True,
        weights={"weights": {"lip-a": 1}}, opened_at=T0)
    kw.update(over)
    return leaves.open_leaf(**kw)


def _with_decides(value: object) -> str:
    d = json.loads(_open())
    d["decides"] = value
    return leaves.canonical_json(d)


def test_decides_round_trips_through_the_parser() -> None:
    text = _open(decides=ADOPTS)
    assert json.loads(text)["decides"] == {
        "proposal": "statement-of-intention", "version": 3, "sha256": DIGEST}
    leaf = leaves.parse_leaf(text)
    assert isinstance(leaf, leaves.OpenLeaf)
    assert leaf.decides == ADOPTS


def test_absent_decides_leaves_ordinary_open_leaves_unchanged() -> None:
    text = _open()
    assert "decides" not in json.loads(text)
    leaf = leaves.parse_leaf(text)
    assert isinstance(leaf, leaves.OpenLeaf) and leaf.decides is None


@pytest.mark.parametrize("value, message", [
    ("statement", "exactly"),
    ({"proposal": "s", "version": 1}, "exactly"),
    ({"proposal": "s", "version": 1, "sha256": DIGEST, "extra": 1}, "exactly"),
    ({"proposal": "", "version": 1, "sha256": DIGEST}, "slug"),
    ({"proposal": "a\nb", "version": 1, "sha256": DIGEST}, "slug"),
    ({"proposal": 7, "version": 1, "sha256": DIGEST}, "slug"),
    ({"proposal": "s", "version": 0, "sha256": DIGEST}, "version number"),
    ({"proposal": "s", "version": True, "sha256": DIGEST}, "version number"),
    ({"proposal": "s", "version": "1", "sha256": DIGEST}, "version number"),
    ({"proposal": "s", "version": 1, "sha256": DIGEST.upper()}, "lowercase"),
    ({"proposal": "s", "version": 1, "sha256": DIGEST[:-1]}, "lowercase"),
    ({"proposal": "s", "version": 1, "sha256": DIGEST[:-1] + "g"}, "lowercase"),
    ({"proposal": "s", "version": 1, "sha256": None}, "lowercase"),
])
def test_malformed_decides_is_refused(value: object, message: str) -> None:
    with pytest.raises(LeafError, match=message):
        leaves.parse_leaf(_with_decides(value))


def test_builder_refuses_a_malformed_version() -> None:
    with pytest.raises(LeafError, match="decides"):
        _open(decides=Decides(proposal="s", version=1, sha256="ABC"))


def test_verifier_reports_the_decided_text() -> None:
    log = standard_log(decides=ADOPTS)
    report = verify_bundle(log.bundle(), receipts=log.receipts)
    assert report.ok, report.failures()
    assert report.summary["decides"] == {
        "proposal": "statement-of-intention", "version": 3, "sha256": DIGEST}
    assert f"version 3 (sha256 {DIGEST})" in report.check("log structure").message


def test_verifier_report_of_an_ordinary_motion_has_no_decides() -> None:
    log = standard_log()
    report = verify_bundle(log.bundle(), receipts=log.receipts)
    assert report.ok and "decides" not in report.summary
    assert "decides" not in report.check("log structure").message
