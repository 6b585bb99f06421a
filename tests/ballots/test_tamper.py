"""Tamper suite: every alteration of a motion's evidence is caught, by a named
check, with a specific message.

Two attackers: an outsider who edits the bundle but cannot sign (the root no
longer matches the signed checkpoint), and a dishonest server that re-signs
its rewritten log with the real key (caught by the delegates' receipts and
by earlier checkpoints, which it cannot take back)."""

from __future__ import annotations

import json
from typing import Any

import pytest

import voting
from ballots import merkle, seed, verify_bundle
from ballots import verify as verify_module
from ballots.fast import FastPath
from ballots.checkpoint import sign_checkpoint
from ballots.leaves import canonical_json
from ballots.note import Signer
from ballots.verify import CHECKS, Report

from ballots_testlog import MotionLog, standard_log


def _resign(log: MotionLog, new_leaves: list[str], signer: Signer | None = None) -> str:
    """The dishonest server: a fresh final checkpoint over rewritten leaves."""
    tree = merkle.Tree(merkle.leaf_hash(x.encode()) for x in new_leaves)
    return sign_checkpoint(signer or log.signer, log.origin, tree.size, tree.root())


def _edit_leaf(text: str, **changes: Any) -> str:
    d = json.loads(text)
    d.update(changes)
    return canonical_json(d)


def _failed(report: Report) -> dict[str, str]:
    return {c.name: c.message for c in report.checks if c.status == "failed"}


@pytest.fixture
def log() -> MotionLog:
    return standard_log()


# the fast path with small settings, so that a short log reaches every branch of it
FORKED = FastPath(fork=True, fork_min_leaves=1, fork_min_bytes=1, block=2, chunk=3)


@pytest.fixture(autouse=True, params=["reference", "fast, in one process",
                                      "fast, forked, from bytes"])
def _route(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every case runs three times: the reference verifier; the fast path in one process;
    and the fast path as `lipvote verify` reads a file, with the tree child forked and
    sharing blocks of two leaves with the parent.  The fast path's report must also be
    the reference's, message for message."""
    if request.param == "reference":
        return

    def fast_checked(bundle: Any, *args: Any, **kwargs: Any) -> Report:
        if request.param == "fast, in one process":
            report = verify_module.verify_bundle(bundle, *args, fast=FastPath(chunk=3), **kwargs)
        else:
            report = verify_module.verify_bundle_bytes(json.dumps(bundle).encode(), *args,
                                                       fast=FORKED, **kwargs)
        # the differential check: the reference's report, message for message
        assert report.as_dict() == \
            verify_module.verify_bundle(bundle, *args, fast=False, **kwargs).as_dict()
        return report

    monkeypatch.setitem(globals(), "verify_bundle", fast_checked)


def test_untouched_bundle_passes_every_check(log: MotionLog) -> None:
    report = verify_bundle(log.bundle(), receipts=log.receipts, checkpoints=log.checkpoints,
                           trusted_keys=[log.first_vkey])
    assert report.ok, _failed(report)
    assert [c.name for c in report.checks] == list(CHECKS)
    assert all(c.status == "ok" for c in report.checks if c.name != "witnesses")
    assert report.check("witnesses").status == "skipped"  # no --witness given


def test_edit_a_leaf(log: MotionLog) -> None:
    leaves = list(log.leaves)
    leaves[2] = _edit_leaf(leaves[2], selection="yes")  # lip-b's "no" becomes "yes"
    failed = _failed(verify_bundle(log.bundle(leaves=leaves), receipts=log.receipts))
    assert "a leaf was edited, inserted, removed or reordered" in failed["merkle root"]
    assert "receipt 2" in failed["receipts"]
    assert "leaf 2 of the bundle is not the receipt's ballot" in failed["receipts"]
    assert "receipt 3" in failed["receipts"]  # later receipts: their checkpoints disagree
    assert "contradicts the log" in failed["receipts"]
    assert "tally" not in failed  # not run on an unverified log


def test_delete_a_leaf(log: MotionLog) -> None:
    leaves = log.leaves[:3] + log.leaves[4:]
    failed = _failed(verify_bundle(log.bundle(leaves=leaves)))
    assert "covers 7 leaves but the bundle has only 6: the log is truncated" in \
        failed["final checkpoint"]
    assert "the close leaf counts 5 ballots, the log holds 4" in failed["log structure"]


def test_delete_a_leaf_and_resign(log: MotionLog) -> None:
    leaves = log.leaves[:1] + log.leaves[2:]  # drop lip-a's ballot
    leaves[-1] = _edit_leaf(leaves[-1], ballots=4)
    b = log.bundle(leaves=leaves, checkpoint=_resign(log, leaves), checkpoints=[])
    failed = _failed(verify_bundle(b, receipts=log.receipts[:1]))
    assert "receipt 1" in failed["receipts"]
    assert "leaf 1 of the bundle is not the receipt's ballot" in failed["receipts"]
    # a later receipt, whose own leaf survived, exposes the rewrite through its checkpoint
    failed = _failed(verify_bundle(b, checkpoints=[log.checkpoints[2]]))
    assert "checkpoint 1 (size 3) signed root" in failed["checkpoints"]


def test_reorder_two_leaves(log: MotionLog) -> None:
    leaves = list(log.leaves)
    leaves[1], leaves[2] = leaves[2], leaves[1]
    failed = _failed(verify_bundle(log.bundle(leaves=leaves)))
    assert "a leaf was edited, inserted, removed or reordered" in failed["merkle root"]


def test_insert_a_leaf(log: MotionLog) -> None:
    extra = _edit_leaf(log.leaves[1], member="lip-e", weight=1, nonce="B" * 22)
    leaves = log.leaves[:3] + [extra] + log.leaves[3:]
    failed = _failed(verify_bundle(log.bundle(leaves=leaves)))
    assert "covers 7 leaves but the bundle has 8: leaves were added after the last signature" \
        in failed["final checkpoint"]


def test_duplicate_a_leaf(log: MotionLog) -> None:
    leaves = log.leaves[:2] + [log.leaves[1]] + log.leaves[2:]
    leaves[-1] = _edit_leaf(leaves[-1], ballots=6)
    failed = _failed(verify_bundle(log.bundle(leaves=leaves, checkpoint=_resign(log, leaves),
                                              checkpoints=[])))
    # even when the server signs the duplicate, one member cannot count twice
    assert "member 'lip-a' has two counted ballots (leaves 1 and 2)" in failed["ballots"]


def test_change_a_weight(log: MotionLog) -> None:
    leaves = list(log.leaves)
    leaves[1] = _edit_leaf(leaves[1], weight=50)
    failed = _failed(verify_bundle(log.bundle(leaves=leaves)))
    assert "merkle root" in failed
    signed = _failed(verify_bundle(log.bundle(leaves=leaves, checkpoint=_resign(log, leaves),
                                              checkpoints=[])))
    assert "member 'lip-a' cast weight 50, the snapshot gives 6" in signed["ballots"]


def test_change_a_weight_in_the_snapshot(log: MotionLog) -> None:
    leaves = list(log.leaves)
    snap = json.loads(leaves[0])["weights"]
    snap["weights"]["lip-a"] = 50
    leaves[0] = _edit_leaf(leaves[0], weights=snap)
    leaves[1] = _edit_leaf(leaves[1], weight=50)
    b = log.bundle(leaves=leaves, checkpoint=_resign(log, leaves), checkpoints=[])
    failed = _failed(verify_bundle(b, receipts=log.receipts[1:2]))
    # the snapshot no longer follows from its own policy and member attributes...
    assert "recomputing the snapshot from its derivation gives different weights" in \
        failed["weights"]
    # ...and the delegates' receipts show the log was rewritten
    assert "contradicts the log" in failed["receipts"]


def test_change_the_result(log: MotionLog) -> None:
    result = log.result()
    result["winners"] = ["no"]
    failed = _failed(verify_bundle(log.bundle(result=result)))
    assert failed["tally"].startswith("the published result differs from the re-tally in winners")


def test_truncate_the_log(log: MotionLog) -> None:
    failed = _failed(verify_bundle(log.bundle(leaves=log.leaves[:4])))
    assert "the log is truncated" in failed["final checkpoint"]
    assert "no close leaf" in failed["log structure"]
    # the server re-signs the truncated log: an earlier, larger checkpoint exposes it
    b = log.bundle(leaves=log.leaves[:4], checkpoint=_resign(log, log.leaves[:4]), checkpoints=[])
    failed = _failed(verify_bundle(b, checkpoints=[log.checkpoints[5]]))
    assert "covers 6 leaves, more than the bundle's 4" in failed["checkpoints"]


def test_stale_final_checkpoint(log: MotionLog) -> None:
    failed = _failed(verify_bundle(log.bundle(checkpoint=log.checkpoints[3])))
    assert "covers 4 leaves but the bundle has 7: leaves were added after the last signature" \
        in failed["final checkpoint"]


def test_forked_checkpoint(log: MotionLog) -> None:
    # the server showed some delegates another history (lip-b voted "yes")
    fork = list(log.leaves[:3])
    fork[2] = _edit_leaf(fork[2], selection="yes")
    failed = _failed(verify_bundle(log.bundle(), checkpoints=[_resign(log, fork)]))
    assert "checkpoint 1 (size 3) signed root" in failed["checkpoints"]
    assert "the log forked or was rewritten" in failed["checkpoints"]


def test_forged_receipt(log: MotionLog) -> None:
    forged = dict(log.receipts[0])
    forged["leaf"] = _edit_leaf(forged["leaf"], selection="no")
    failed = _failed(verify_bundle(log.bundle(), receipts=[forged]))
    assert "receipt 1" in failed["receipts"] and "tracking code" in failed["receipts"]
    # a forger who also fixes the tracking code is caught by the inclusion proof
    from ballots.receipt import tracking_code
    forged["tracking_code"] = tracking_code(merkle.leaf_hash(forged["leaf"].encode()))
    failed = _failed(verify_bundle(log.bundle(), receipts=[forged]))
    assert "inclusion of leaf 1" in failed["receipts"] and "got root" in failed["receipts"]


def test_resigned_with_another_key(log: MotionLog) -> None:
    mallory = Signer.generate("lipvote.test")
    b = log.bundle(checkpoint=_resign(log, log.leaves, mallory))
    failed = _failed(verify_bundle(b))
    assert "the final checkpoint does not verify: no signature from a trusted key" in \
        failed["final checkpoint"]
    # swapping the bundle's key too: self-consistent, but never "verified" without an anchor
    b = log.bundle(checkpoint=_resign(log, log.leaves, mallory), verifier_key=mallory.vkey,
                   checkpoints=[])
    alone = verify_bundle(b)
    assert alone.ok and not alone.verified
    assert alone.check("trust anchor").status == "skipped"
    assert "nothing you hold pins the signing key" in alone.check("trust anchor").message
    failed = _failed(verify_bundle(b, trusted_keys=[log.first_vkey]))
    assert set(failed) == {"trust anchor"}
    assert "which is not a key you pinned" in failed["trust anchor"]
    failed = _failed(verify_bundle(b, key_list=[Signer.generate("x").vkey, log.first_vkey]))
    assert "which is not a key you pinned" in failed["trust anchor"]
    failed = _failed(verify_bundle(b, receipts=log.receipts[:1]))
    assert "not a key this log is signed with" in failed["receipts"]
    failed = _failed(verify_bundle(b, checkpoints=log.checkpoints[:1]))
    assert "no signature from a trusted key" in failed["checkpoints"]


def _recount(log: MotionLog, tie_break_seed: bytes) -> dict[str, Any]:
    """What a dishonest server publishes: the true count, under the seed it wants."""
    out: dict[str, Any] = voting.tally(log.method, log.counted(), options=list(log.options),
                                       seats=log.seats, rules=log.rules,
                                       tie_break_seed=tie_break_seed).as_dict()
    return out


def _root(leaves: list[str], size: int) -> bytes:
    return merkle.Tree(merkle.leaf_hash(x.encode()) for x in leaves[:size]).root()


def test_wrong_reveal_resigned(log: MotionLog) -> None:
    # the server reveals another secret at the close than the one leaf 0 committed to, and
    # counts consistently with it: only the commitment can tell
    other = seed.new_secret()
    leaves = list(log.leaves)
    leaves[-1] = _edit_leaf(leaves[-1], seed_secret=other.hex())
    result = _recount(log, seed.derive_seed(other, _root(leaves, len(leaves) - 1)))
    b = log.bundle(leaves=leaves, checkpoint=_resign(log, leaves), checkpoints=[], result=result)
    failed = _failed(verify_bundle(b))
    assert set(failed) == {"tie-break seed"}
    assert f"the close leaf's seed_secret hashes to {seed.commitment(other)}" in failed["tie-break seed"]
    assert "the secret was changed after the opening" in failed["tie-break seed"]


def test_wrong_commitment_resigned(log: MotionLog) -> None:
    # leaf 0 rewritten to commit to something else: the reveal no longer matches (and every
    # receipt issued during the vote disagrees with the rewritten log)
    leaves = list(log.leaves)
    leaves[0] = _edit_leaf(leaves[0], seed_commitment="ab" * 32)
    result = _recount(log, seed.derive_seed(log.secret, _root(leaves, len(leaves) - 1)))
    b = log.bundle(leaves=leaves, checkpoint=_resign(log, leaves), checkpoints=[], result=result)
    failed = _failed(verify_bundle(b))
    assert set(failed) == {"tie-break seed"}
    assert "but leaf 0 committed to abab" in failed["tie-break seed"]
    failed = _failed(verify_bundle(b, receipts=log.receipts[:1]))
    assert "contradicts the log" in failed["receipts"]


@pytest.mark.parametrize("published_seed", ["final root", "other"])
def test_seed_not_the_derived_one(log: MotionLog, published_seed: str) -> None:
    # a result counted with a seed of the server's choosing (or the old rule's final root)
    chosen = log.root() if published_seed == "final root" else bytes(32)
    failed = _failed(verify_bundle(log.bundle(result=_recount(log, chosen))))
    derived = log.tie_break_seed().hex()
    assert f"the result's tie-break seed is {chosen.hex()}, but this log's seed is {derived}" in \
        failed["tie-break seed"]
    assert "tie_break" in failed["tally"]


def test_close_without_the_reveal_resigned(log: MotionLog) -> None:
    leaves = list(log.leaves)
    close = json.loads(leaves[-1])
    del close["seed_secret"]
    leaves[-1] = _edit_leaf(canonical_json(close))
    b = log.bundle(leaves=leaves, checkpoint=_resign(log, leaves), checkpoints=[])
    report = verify_bundle(b)
    assert "no close leaf reveals it (seed_secret)" in _failed(report)["tie-break seed"]
    assert report.check("tally").status == "skipped"


def test_rules_changed_after_opening(log: MotionLog) -> None:
    leaves = list(log.leaves)
    leaves[0] = _edit_leaf(leaves[0], rules={"threshold": "two_thirds"})
    failed = _failed(verify_bundle(log.bundle(leaves=leaves)))
    assert "a leaf was edited" in failed["merkle root"]
    # re-signed by the server: every receipt and checkpoint issued during the vote disagrees
    b = log.bundle(leaves=leaves, checkpoint=_resign(log, leaves), checkpoints=[])
    failed = _failed(verify_bundle(b, receipts=log.receipts[:1], checkpoints=log.checkpoints[:1]))
    assert "contradicts the log" in failed["receipts"]
    assert "checkpoint 1 (size 1) signed root" in failed["checkpoints"]


def test_counted_twice_without_supersedes(log: MotionLog) -> None:
    log2 = MotionLog()
    log2.cast("lip-a", "yes")
    log2.cast("lip-a", "no")
    log2.close()
    failed = _failed(verify_bundle(log2.bundle()))
    assert "member 'lip-a' has two counted ballots (leaves 1 and 2)" in failed["ballots"]


def test_time_in_other_digits_resigned(log: MotionLog) -> None:
    # "٢٠٢٥-03-01T...": Python's \d and int() read Arabic-Indic digits, the format does not
    arabic = str.maketrans("0123456789", "".join(chr(0x660 + k) for k in range(10)))
    leaves = list(log.leaves)
    closed_at = json.loads(leaves[-1])["closed_at"]
    leaves[-1] = _edit_leaf(leaves[-1], closed_at=closed_at[:4].translate(arabic)
                            + closed_at[4:])
    b = log.bundle(leaves=leaves, checkpoint=_resign(log, leaves), checkpoints=[])
    failed = _failed(verify_bundle(b, retally=False))
    assert "leaf 6: closed_at: got" in failed["leaves"]
    assert "RFC 3339 UTC" in failed["leaves"]


def test_ballot_leaf_over_the_size_limit_resigned(log: MotionLog) -> None:
    leaves = list(log.leaves)
    leaves[1] = _edit_leaf(leaves[1], selection=[f"o{k}" for k in range(150_000)])  # > 1 MiB
    b = log.bundle(leaves=leaves, checkpoint=_resign(log, leaves), checkpoints=[])
    failed = _failed(verify_bundle(b, retally=False))
    assert "leaf 1: leaf size: got" in failed["leaves"]


def _resigned(log: MotionLog, leaves: list[str]) -> dict[str, Any]:
    """The dishonest server's bundle of rewritten leaves: re-signed, counted consistently."""
    result = _recount(log, seed.derive_seed(log.secret, _root(leaves, len(leaves) - 1)))
    return log.bundle(leaves=leaves, checkpoint=_resign(log, leaves), checkpoints=[],
                      result=result)


def test_ballot_back_dated_resigned(log: MotionLog) -> None:
    # the server stamps ballots as it appends them: a ballot earlier than the one before it
    # was moved or back-dated
    leaves = list(log.leaves)
    leaves[3] = _edit_leaf(leaves[3], cast_at=json.loads(leaves[2])["cast_at"])  # equal: fine
    assert verify_bundle(_resigned(log, leaves)).ok
    leaves[3] = _edit_leaf(leaves[3], cast_at="2025-03-01T14:00:07.5Z")  # after the opening
    failed = _failed(verify_bundle(_resigned(log, leaves)))
    assert failed.keys() == {"log structure"}
    assert "1 ballot stamped earlier than the ballot before it (first at leaf 3)" in \
        failed["log structure"]


def test_ballot_after_the_scheduled_close_is_reported(log: MotionLog) -> None:
    # leaf 0's closes_at does not bind (the chair may extend): reported, never failed
    leaves = list(log.leaves)
    leaves[0] = _edit_leaf(leaves[0], closes_at=json.loads(leaves[3])["cast_at"])
    report = verify_bundle(_resigned(log, leaves))
    assert report.ok, _failed(report)
    assert "3 ballots cast after the close scheduled at opening (first at leaf 3)" in \
        report.check("log structure").message
    assert report.summary["after_scheduled_close"] == 3
    assert "after_scheduled_close" not in verify_bundle(log.bundle()).summary


def test_leaf_over_the_size_limit_in_bytes_not_characters_resigned(log: MotionLog) -> None:
    leaves = list(log.leaves)
    leaves[1] = _edit_leaf(leaves[1], selection="é" * 524_300)  # two bytes each in UTF-8
    assert len(leaves[1]) < 1 << 20 < len(leaves[1].encode())
    b = log.bundle(leaves=leaves, checkpoint=_resign(log, leaves), checkpoints=[])
    failed = _failed(verify_bundle(b, retally=False))
    assert f"leaf 1: leaf size: got {len(leaves[1].encode())} bytes" in failed["leaves"]
