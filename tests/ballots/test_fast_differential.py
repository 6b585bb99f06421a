"""The fast path and the reference verifier give the same report, message for message.

:mod:`ballots.fast` exists only to make large logs quicker.  Here hypothesis builds
signed motion logs (recorded or secret, with revotes, wrong weights, proxies,
regions, key rotations, open or closed), tampers with them the ways
test_tamper.py does (edit, delete, swap, duplicate or insert a leaf, re-sign,
truncate, change the result, forge a receipt), and verifies each bundle three
ways: the reference alone, the fast path in one process, and the fast path from
the file's bytes with the tree child forked.  Small chunk and block sizes make
a short log reach every branch of the fast path.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import voting

from ballots import leaves, merkle, verify_bundle
from ballots.bundle import build_bundle
from ballots.checkpoint import sign_checkpoint
from ballots.fast import FastPath
from ballots.note import Signer
from ballots.verify import verify_bundle_bytes

from ballots_testlog import REGIONS, WEIGHTS, MotionLog
from tests.conftest import examples

MEMBERS = sorted(WEIGHTS)
REGIONAL = {"double_majority": {"regions": "all"}}
TAMPERING = ("none", "edit", "delete", "swap", "duplicate", "insert", "resign", "truncate",
             "result", "receipt", "other motion", "not canonical", "lone surrogate")


def _rarely(draw: st.DrawFn) -> bool:
    """True now and then (hypothesis's simplest example is the ordinary case)."""
    return draw(st.integers(0, 6)) == 6


@st.composite
def motion_logs(draw: st.DrawFn) -> MotionLog:
    log = MotionLog(secrecy=draw(st.sampled_from(["recorded", "secret"])),
                    revote=not _rarely(draw), rules=draw(st.sampled_from([{}, REGIONAL])))
    last: dict[str, int] = {}
    for _ in range(draw(st.integers(0, 9))):
        if _rarely(draw):
            log.rotate(Signer.generate("lipvote.test"))
            continue
        member = draw(st.sampled_from(MEMBERS))
        supersedes = draw(st.none() | st.integers(1, len(log.leaves))) if _rarely(draw) \
            else last.get(member)
        region = None if not log.rules or _rarely(draw) else \
            draw(st.sampled_from(["east", "west"])) if _rarely(draw) else REGIONS[member]
        proxy = draw(st.sampled_from(MEMBERS)) if _rarely(draw) else None
        r = log.cast(member, draw(st.sampled_from(["yes", "no", "abstain"])),
                     supersedes=supersedes, weight=1 if _rarely(draw) else None, region=region,
                     proxy=proxy)
        last[member] = r["index"]
    if not _rarely(draw):
        log.close()
    return log


def _bundle(log: MotionLog) -> dict[str, Any]:
    try:
        return log.bundle()
    except voting.VotingError:  # ballots the engine refuses: a result that cannot match
        return build_bundle(
            origin=log.origin, verifier_key=log.first_vkey, leaves=log.leaves,
            checkpoint=log.checkpoints[-1], result={"status": "refused"},
            checkpoints=log.checkpoints[1:-1:3])


def _tampered(log: MotionLog, how: str, k: int) -> tuple[dict[str, Any], list[Any]]:
    """The bundle and receipts after one alteration; ``k`` picks the leaf."""
    texts = list(log.leaves)
    k = 1 + k % max(1, len(texts) - 1) if len(texts) > 1 else 0
    bundle, receipts = _bundle(log), list(log.receipts)
    if how == "edit":
        d = json.loads(texts[k])
        d["nonce" if "nonce" in d else "motion"] = "A" * 22
        texts[k] = leaves.canonical_json(d)
    elif how == "delete":
        del texts[k]
    elif how == "swap" and len(texts) > 2:
        texts[k], texts[k - 1] = texts[k - 1], texts[k]
    elif how == "duplicate":
        texts.insert(k, texts[k])
    elif how == "insert":
        texts.insert(k, '{"type":"ballot"}')
    elif how == "other motion":
        texts[k] = texts[k].replace('"motion":"m-1"', '"motion":"m-2"')
    elif how == "not canonical":
        texts[k] = texts[k].replace(":", ": ", 1)
    elif how == "lone surrogate":
        texts[k] = texts[k][:-1] + ',"x":"\ud800"}'
    elif how == "truncate":
        texts = texts[:k]
    elif how == "result":
        bundle["result"] = {**bundle["result"], "winners": ["no"]}
    elif how == "receipt" and receipts:
        receipts[0] = {**receipts[0], "index": (receipts[0]["index"] + 1) % len(texts)}
    bundle["leaves"] = texts
    if how in ("delete", "resign", "swap"):  # the dishonest server signs what it rewrote
        tree = merkle.Tree(merkle.leaf_hash(t.encode("utf-8", "surrogatepass")) for t in texts)
        bundle["checkpoint"] = sign_checkpoint(log.signer, log.origin, tree.size, tree.root())
    return bundle, receipts


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(motion_logs(), st.sampled_from(TAMPERING), st.integers(0, 50), st.integers(1, 4),
       st.booleans())
def test_fast_path_reports_what_the_reference_reports(log: MotionLog, how: str, k: int,
                                                      chunk: int, with_receipts: bool) -> None:
    bundle, receipts = _tampered(log, how, k)
    if not with_receipts:
        receipts = []
    reference = verify_bundle(bundle, receipts, fast=False).as_dict()
    fast = verify_bundle(bundle, receipts, fast=FastPath(chunk=chunk, fork=False))
    assert fast.as_dict() == reference
    forked = FastPath(chunk=chunk, fork=True, fork_min_bytes=1, block=2)
    data = json.dumps(bundle).encode()
    assert verify_bundle_bytes(data, receipts, fast=forked).as_dict() == reference


def test_the_size_decides_when_not_told() -> None:
    """fast=None takes the reference for a real motion's log; both give the same report."""
    from ballots_testlog import standard_log
    log = standard_log()
    assert verify_bundle(log.bundle(), log.receipts).as_dict() == \
        verify_bundle(log.bundle(), log.receipts, fast=True).as_dict()


def test_the_choice_of_way() -> None:
    from ballots.verify import _fast_path
    mine = FastPath(chunk=7)
    assert _fast_path(None, False) is None and _fast_path(False, True) is None
    assert _fast_path(None, True) == FastPath() == _fast_path(True, False)
    assert _fast_path(mine, False) is mine
