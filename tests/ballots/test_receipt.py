"""Receipts, tracking codes and C2SP tlog-proof export."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from ballots import merkle, receipt
from ballots.checkpoint import sign_checkpoint
from ballots.errors import (
    FormatError,
    LeafError,
    NoteError,
    ProofError,
    SignatureError,
    VerificationError,
)
from ballots.leaves import ballot_leaf, open_leaf
from ballots.note import Signer

ORIGIN = "lipvote.example/m-7"
SIGNER = Signer.generate("lipvote.example")


def _log(n: int) -> list[str]:
    out = [open_leaf(motion="m-7", title={"en": "T"}, method="plurality", options=["a", "b"],
                     seats=1, rules={}, secrecy="secret", revote=False, weights={},
                     opened_at="2025-03-01T14:00:00Z")]
    for i in range(n):
        out.append(ballot_leaf(motion="m-7", weight=1 + i % 3, selection=["a" if i % 2 else "b"],
                               cast_at="2025-03-01T14:05:00Z"))
    return out


LEAVES = _log(12)
TREE = merkle.Tree(merkle.leaf_hash(x.encode()) for x in LEAVES)


def _receipt(index: int, size: int | None = None, signer: Signer = SIGNER) -> dict[str, Any]:
    size = TREE.size if size is None else size
    cp = sign_checkpoint(signer, ORIGIN, size, TREE.root(size))
    return receipt.build_receipt(origin=ORIGIN, index=index, leaf=LEAVES[index], checkpoint=cp,
                                 proof=TREE.inclusion_proof(index, size))


def test_tracking_code_is_crockford_base32_of_first_80_bits() -> None:
    lh = merkle.leaf_hash(b"")  # 6e340b9c... (RFC 6962 test data, empty leaf)
    # independent derivation: RFC 4648 base32 of 10 bytes, mapped to Crockford's alphabet
    std = base64.b32encode(lh[:10]).decode()
    crock = std.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
                                        "0123456789ABCDEFGHJKMNPQRSTVWXYZ"))
    want = "-".join(crock[i:i + 4] for i in range(0, 16, 4))
    assert receipt.tracking_code(lh) == want
    assert receipt.normalise_tracking_code(want.lower().replace("-", " ")) == want
    assert receipt.normalise_tracking_code("oooo-iiii-llll-0000") == "0000-1111-1111-0000"
    with pytest.raises(FormatError, match="want 16 letters"):
        receipt.normalise_tracking_code("ABCD-EFGH-IJKU-MNPQ")  # U is not Crockford


@pytest.mark.parametrize("index", [0, 1, 5, 12])
def test_receipt_round_trip(index: int) -> None:
    r = _receipt(index)
    json.loads(json.dumps(r))  # JSON-safe
    check = receipt.verify_receipt(r, SIGNER.vkey)
    assert check.index == index and check.checkpoint.size == 13
    assert check.leaf_text == LEAVES[index]
    # the JSON text is accepted too
    assert receipt.verify_receipt(json.dumps(r), [SIGNER.verifier]).tracking_code == r["tracking_code"]


def test_receipt_against_a_later_checkpoint() -> None:
    r = _receipt(3, size=6)
    later = sign_checkpoint(SIGNER, ORIGIN, 13, TREE.root())
    proof = TREE.consistency_proof(6, 13)
    check = receipt.verify_receipt(r, SIGNER.vkey, later, proof)
    assert check.later_checkpoint is not None and check.later_checkpoint.size == 13
    # base64 strings are accepted for the consistency proof
    receipt.verify_receipt(r, SIGNER.vkey, later, [base64.b64encode(p).decode() for p in proof])
    # a later checkpoint of a forked log is detected
    forked = list(LEAVES)
    forked[2] = forked[2].replace('"motion":"m-7"', '"motion":"m-X"')
    assert forked[2] != LEAVES[2]
    ftree = merkle.Tree(merkle.leaf_hash(x.encode()) for x in forked)
    fork_cp = sign_checkpoint(SIGNER, ORIGIN, 13, ftree.root())
    with pytest.raises(ProofError, match="consistency proof, old tree of size 6: got root"):
        receipt.verify_receipt(r, SIGNER.vkey, fork_cp, ftree.consistency_proof(6, 13))


def test_frontier_proof_is_the_receipt_proof_of_the_newest_leaf() -> None:
    frontier: list[bytes] = []
    for i, leaf in enumerate(LEAVES):
        lh = merkle.leaf_hash(leaf.encode())
        proof = merkle.frontier_inclusion_proof(frontier, i)
        frontier = merkle.frontier_append(frontier, i, lh)
        assert proof == TREE.inclusion_proof(i, i + 1)
        merkle.verify_inclusion(lh, i, i + 1, proof, merkle.frontier_root(frontier, i + 1))


def _tampered(**changes: Any) -> dict[str, Any]:
    r = _receipt(4)
    r.update(changes)
    return r


@pytest.mark.parametrize(
    ("r", "error", "message"),
    [
        (_tampered(leaf=LEAVES[5]), VerificationError, "tracking code: got"),
        (_tampered(leaf=LEAVES[5], tracking_code=receipt.tracking_code(
            merkle.leaf_hash(LEAVES[5].encode()))), ProofError, "inclusion of leaf 4"),
        (_tampered(index=5), ProofError, "inclusion of leaf 5"),
        (_tampered(index=13), ProofError, "receipt index: got 13, want < checkpoint size 13"),
        (_tampered(proof=_receipt(5)["proof"]), ProofError, "got root"),
        (_tampered(origin="lipvote.example/m-8"), VerificationError, "checkpoint origin"),
        (_tampered(leaf=LEAVES[4].replace(":", ": ", 1)), LeafError, "not canonical"),
        (_tampered(format="lipvote-receipt/3"), FormatError, "receipt format: got 'lipvote-receipt/3'"),
        (_tampered(index="4"), FormatError, "receipt index: got str, want an integer"),
        (_tampered(index=True), FormatError, "receipt index: got bool"),
        (_tampered(proof=["!!"]), FormatError, r"receipt proof\[0\]: not standard base64"),
        (_tampered(checkpoint="garbage"), NoteError, "signed note"),
        ({"format": "lipvote-receipt/1"}, FormatError, "missing field 'origin'"),
        ("{not json", FormatError, "not valid JSON"),
        ([], FormatError, "got list, want a JSON object"),
    ],
)
def test_forged_or_malformed_receipts(r: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        receipt.verify_receipt(r, SIGNER.vkey)


def test_receipt_resigned_by_another_key_is_refused() -> None:
    other = Signer.generate("lipvote.example")
    with pytest.raises(SignatureError, match="no signature from a trusted key"):
        receipt.verify_receipt(_receipt(4, signer=other), SIGNER.vkey)


def test_tlog_proof_export_layout_and_round_trip() -> None:
    r = _receipt(4)
    text = receipt.receipt_to_tlog_proof(r)
    lines = text.split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1"
    assert base64.b64decode(lines[1].removeprefix("extra ")).decode() == LEAVES[4]
    assert lines[2] == "index 4"
    assert lines[3:3 + len(r["proof"])] == r["proof"]
    assert text.endswith("\n\n" + r["checkpoint"])
    assert receipt.receipt_from_tlog_proof(text) == r
    t = receipt.parse_tlog_proof(text)
    merkle.verify_inclusion(merkle.leaf_hash(t.extra or b""), t.index, 13, list(t.proof),
                            TREE.root())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # transparency-dev/merkle proof/tlog_proof_test.go TestVerifyTLogProofErrors cases
        ("wrong-header\nindex 0\n\ncheckpoint\n", "first line"),
        ("c2sp.org/tlog-proof@v1\nextra !!notbase64!!\nindex 0\n\ncheckpoint\n", "extra: not standard base64"),
        ("c2sp.org/tlog-proof@v1\n\n\ncheckpoint\n", "missing 'index N'"),
        ("c2sp.org/tlog-proof@v1\nindex notanumber\n\ncheckpoint\n", "missing 'index N'"),
        ("c2sp.org/tlog-proof@v1\nindex -5\n\ncheckpoint\n", "missing 'index N'"),
        ("c2sp.org/tlog-proof@v1\nindex 0\n!!notbase64!!\n\ncheckpoint\n", "hash 0: not standard base64"),
        ("c2sp.org/tlog-proof@v1\nindex 0\n" + base64.b64encode(bytes(64)).decode()
         + "\n\ncheckpoint\n", "hash 0: got 64 bytes, want 32"),
        ("c2sp.org/tlog-proof@v1\nindex 0\n\ncheckpoint\n", None),
    ],
)
def test_tlog_proof_parse_errors(text: str, message: str | None) -> None:
    if message is None:
        assert receipt.parse_tlog_proof(text).index == 0
        with pytest.raises(NoteError, match="no 'extra' line"):
            receipt.receipt_from_tlog_proof(text)
    else:
        with pytest.raises(NoteError, match=message):
            receipt.parse_tlog_proof(text)
