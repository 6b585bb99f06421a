"""Verifier rules beyond tampering: secret ballots, revotes, key rotation,
regions, audit bundles, progress."""

from __future__ import annotations

import json

from ballots import leaves, merkle, verify_bundle
from ballots.bundle import build_audit_bundle
from ballots.checkpoint import sign_checkpoint
from ballots.keys import key_rotation_leaf
from ballots.note import Signer
from ballots.verify import AUDIT_CHECKS, Report
from ballots_testlog import REGIONS, MotionLog, standard_log


def _failed(report: Report) -> dict[str, str]:
    return {c.name: c.message for c in report.checks if c.status == "failed"}


def _all_ok(report: Report) -> bool:
    return report.ok


def test_secret_ballots_hide_members_and_link_revotes() -> None:
    log = MotionLog(secrecy="secret")
    log.cast("lip-a", "yes")
    first = log.cast("lip-b", "no")
    log.cast("lip-b", "yes", supersedes=first["index"])
    log.close()
    assert all('"member"' not in x for x in log.leaves[1:])
    report = verify_bundle(log.bundle(), receipts=log.receipts)
    assert _all_ok(report)
    assert report.summary["counted"] == 2
    assert "2 counted ballots (1 superseded)" in report.check("ballots").message


def test_secret_ballot_weights_must_fit_the_snapshot() -> None:
    log = MotionLog(secrecy="secret")
    log.cast("lip-d", "yes")  # weight 2: lip-d and lip-e have it
    log.cast("lip-e", "no")
    log.cast("lip-a", "no", weight=2)  # a third weight-2 ballot
    log.close()
    failed = _failed(verify_bundle(log.bundle()))
    assert "3 counted secret ballots carry weight 2 but only 2 members have that weight" in \
        failed["ballots"]


def test_revote_rules() -> None:
    log = MotionLog(revote=False)
    first = log.cast("lip-a", "yes")
    log.cast("lip-a", "no", supersedes=first["index"])
    log.close()
    assert "replaces leaf 1, but this motion allows no revote" in \
        _failed(verify_bundle(log.bundle()))["ballots"]
    log = MotionLog()
    a = log.cast("lip-a", "yes")
    log.cast("lip-b", "no", supersedes=a["index"])
    log.close()
    assert "replaces leaf 1 cast by another member" in _failed(verify_bundle(log.bundle()))["ballots"]
    log = MotionLog()
    a = log.cast("lip-a", "yes")
    log.cast("lip-a", "no", supersedes=a["index"])
    log.cast("lip-a", "abstain", supersedes=a["index"])
    log.close()
    assert "replaces leaf 1, which was already replaced" in \
        _failed(verify_bundle(log.bundle()))["ballots"]


def test_proxy_and_unknown_member() -> None:
    log = MotionLog()
    log.cast("lip-a", "yes", proxy="lip-b")
    log.close()
    assert _all_ok(verify_bundle(log.bundle()))
    log = MotionLog()
    log.cast("lip-a", "yes", proxy="lip-a")
    log.weights["lip-z"] = 4
    log.cast("lip-z", "no")
    log.close()
    failed = _failed(verify_bundle(log.bundle()))["ballots"]
    assert "proxy 'lip-a' is not another member" in failed
    assert "member 'lip-z' is not in the weight snapshot" in failed


def test_key_rotation_is_followed() -> None:
    log = MotionLog()
    log.cast("lip-a", "yes")
    old_receipt_cp = log.checkpoints[-1]
    log.rotate(Signer.generate("lipvote.test"))
    log.cast("lip-b", "no")
    log.close()
    report = verify_bundle(log.bundle(), receipts=log.receipts, checkpoints=[old_receipt_cp])
    assert _all_ok(report)
    assert "1 rotation followed" in report.check("signing keys").message


def test_forged_key_rotation_is_refused() -> None:
    log = MotionLog()
    log.cast("lip-a", "yes")
    mallory = Signer.generate("lipvote.test")
    forged = key_rotation_leaf(motion=log.motion, origin=log.origin, old=mallory,
                               new_vkey=mallory.vkey, announced_at=log.tick())
    log.append(forged)
    log.signer = mallory
    log.close()
    failed = _failed(verify_bundle(log.bundle()))
    assert "key rotation at leaf 2 is not signed by the key in force" in failed["signing keys"]
    assert "final checkpoint" in failed


def test_regional_double_majority_ballots_carry_regions() -> None:
    rules = {"double_majority": {"members": False, "regions": "all"},
             "eligible": {"members": 5, "weight": 18, "regions": {
                 "east": {"members": 2, "weight": 10}, "west": {"members": 3, "weight": 8}}}}
    log = MotionLog(method="yes_no", options=("yes", "no", "abstain"), rules=rules)
    for m, choice in (("lip-a", "yes"), ("lip-c", "yes"), ("lip-d", "no")):
        log.cast(m, choice, region=REGIONS[m])
    log.close()
    report = verify_bundle(log.bundle())
    assert _all_ok(report)
    log2 = MotionLog(method="yes_no", options=("yes", "no", "abstain"), rules=rules)
    log2.cast("lip-a", "yes")
    log2.close()
    log2_bundle = dict(log.bundle(), leaves=log2.leaves)  # result irrelevant here
    failed = _failed(verify_bundle(log2_bundle))
    assert "no region, but the rules ask for a regional double majority" in failed["ballots"]


def test_eligible_block_must_match_the_snapshot() -> None:
    rules = {"threshold": "absolute_majority", "eligible": {"members": 5, "weight": 15}}
    log = MotionLog(method="yes_no", rules=rules)
    log.cast("lip-a", "yes")
    log.close()
    assert "rules.eligible.weight is 15, the snapshot totals 18" in \
        _failed(verify_bundle(log.bundle()))["weights"]
    rules = {"double_majority": {"members": False, "regions": 1},
             "eligible": {"members": 5, "weight": 18, "regions": {
                 "east": {"members": 3, "weight": 12}, "west": {"members": 2, "weight": 6}}}}
    log = MotionLog(method="yes_no", rules=rules)
    log.cast("lip-a", "yes", region="east")
    log.close()
    failed = _failed(verify_bundle(log.bundle()))["weights"]
    assert "rules.eligible.regions.east is {'members': 3, 'weight': 12}, the snapshot gives " \
        "{'members': 2, 'weight': 10}" in failed


def test_recorded_ballot_region_must_be_the_members() -> None:
    rules = {"double_majority": {"members": False, "regions": "all"},
             "eligible": {"members": 5, "weight": 18, "regions": {
                 "east": {"members": 2, "weight": 10}, "west": {"members": 3, "weight": 8}}}}
    log = MotionLog(method="yes_no", rules=rules)
    log.cast("lip-a", "yes", region="west")
    log.close()
    assert "member 'lip-a' voted in region 'west', the snapshot places it in 'east'" in \
        _failed(verify_bundle(log.bundle()))["ballots"]


def test_ballot_outside_the_voting_period() -> None:
    log = MotionLog()
    log.append(leaves.ballot_leaf(motion=log.motion, weight=5, selection="yes",
                                  cast_at="2024-01-01T00:00:00Z", member="lip-a"))
    log.close()
    assert "1 ballot cast outside the voting period (first at leaf 1)" in \
        _failed(verify_bundle(log.bundle()))["log structure"]


def test_progress_is_reported() -> None:
    seen: list[tuple[int, int]] = []
    verify_bundle(standard_log().bundle(), progress=lambda d, t: seen.append((d, t)))
    assert seen[0] == (0, 7) and seen[-1] == (7, 7)


def test_audit_bundle() -> None:
    signer = Signer.generate("lipvote.test")
    origin = "lipvote.test/audit"
    texts = [leaves.audit_leaf(log="audit", at=f"2025-03-01T14:0{i}:00Z", actor="admin-1",
                               action="member.update", target=f"lip-{i}", details={"i": i})
             for i in range(5)]
    tree = merkle.Tree(merkle.leaf_hash(t.encode()) for t in texts)
    cps = [sign_checkpoint(signer, origin, k, tree.root(k)) for k in range(1, 6)]
    b = build_audit_bundle(origin=origin, verifier_key=signer.vkey, leaves=texts,
                           checkpoint=cps[-1], checkpoints=cps[:-1])
    report = verify_bundle(b)
    assert report.ok and [c.name for c in report.checks] == list(AUDIT_CHECKS)
    b["leaves"] = texts[:2] + [texts[3], texts[2]] + texts[4:]
    assert "a leaf was edited" in _failed(verify_bundle(b))["merkle root"]
    b["leaves"] = texts
    b["result"] = {}
    assert "unknown field(s) ['result']" in _failed(verify_bundle(b))["bundle format"]


def test_ballot_in_audit_log_is_refused() -> None:
    log = standard_log()
    signer = Signer.generate("x")
    tree = merkle.Tree(merkle.leaf_hash(t.encode()) for t in log.leaves[1:3])
    b = build_audit_bundle(origin="o", verifier_key=signer.vkey, leaves=log.leaves[1:3],
                           checkpoint=sign_checkpoint(signer, "o", 2, tree.root()))
    assert "leaf 0 is a ballot in an audit log" in _failed(verify_bundle(b))["log structure"]
    assert json.dumps(verify_bundle(b).as_dict())
