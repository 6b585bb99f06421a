"""docs/bulletin-board.md's worked example shows what the code really produces."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from ballots import verify_bundle
from docs_example import build

DOC = (Path(__file__).parents[2] / "docs" / "bulletin-board.md").read_text(encoding="utf-8")
EX = build()


@pytest.mark.parametrize(
    "value",
    [EX["skey"], EX["vkey"], EX["key_id"], *EX["leaf_hashes"], EX["node_01"], EX["node_23"],
     *EX["roots"], json.dumps(EX["frontier_3"]), *EX["consistency_2_4"], *EX["leaves"][1:],
     EX["leaves"][0][:250], EX["checkpoints"][1], EX["checkpoints"][3], EX["tlog_proof"].rstrip(),
     json.dumps(EX["receipt"], indent=1, ensure_ascii=False), EX["result"]["tie_break"]["seed"],
     EX["result"]["tie_break"]["digests"]["yes"], f"({len(EX['leaves'][0])} bytes"],
)
def test_doc_shows_the_value(value: str) -> None:
    assert value in DOC


def test_example_key_id_and_tracking_code_by_hand() -> None:
    pub = base64.b64decode(EX["vkey"].split("+", 2)[2])
    assert hashlib.sha256(b"vote.example.org\n" + pub).hexdigest()[:8] == EX["key_id"]
    assert pub[1:].hex() in DOC
    assert EX["leaf_hashes"][1][:20] in DOC


def test_example_bundle_verifies() -> None:
    report = verify_bundle(EX["bundle"], receipts=[EX["receipt"], EX["tlog_proof"]])
    assert report.ok, [c for c in report.checks if not c.ok]
    assert EX["result"]["status"] == "defeated"
