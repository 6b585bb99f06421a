"""Check 12 re-tallies a result under the tie rule of its format (docs/methods.md §4):
lipvote-tally/1 results keep verifying with every IRV/STV tie material, lipvote-tally/2
results may call a tie material only if some order of breaking it changes who is elected."""

from __future__ import annotations

from typing import Any

import voting

from ballots import verify_bundle
from ballots_testlog import MotionLog

OPTIONS = ("a", "b", "c", "d", "e")


def _zero_first_preference_log(leaf_format: int = 2) -> MotionLog:
    # c and d have no first preference: they tie in round 1, in any order harmlessly.
    log = MotionLog(method="irv", options=OPTIONS, leaf_format=leaf_format)
    log.cast("lip-a", ["a", "b", "c", "d", "e"])
    log.cast("lip-b", ["b", "a", "d", "c", "e"])
    log.cast("lip-c", ["e", "b", "c", "d", "a"])
    log.cast("lip-d", ["b", "e", "c", "d", "a"])
    log.close()
    return log


def _old_result(log: MotionLog) -> dict[str, Any]:
    out: dict[str, Any] = voting.tally(log.method, log.counted(), options=list(log.options), seats=log.seats,
                                       rules=log.rules, tie_break_seed=log.root(),
                                       result_format="lipvote-tally/1").as_dict()
    return out


def test_new_result_has_no_material_tie_and_verifies() -> None:
    log = _zero_first_preference_log()
    bundle = log.bundle()
    assert bundle["result"]["format"] == "lipvote-tally/2"
    assert bundle["result"]["status"] == "elected"
    assert [t["material"] for t in bundle["result"]["ties"]] == [False]
    report = verify_bundle(bundle, receipts=log.receipts)
    assert report.ok, report.checks


def test_old_format_bundle_still_verifies_under_the_old_rule() -> None:
    log = _zero_first_preference_log(leaf_format=1)  # results of tally/1 came from lipvote-leaf/1 logs
    old = _old_result(log)
    assert old["status"] == "tie_resolved" and old["ties"][0]["material"] is True
    report = verify_bundle(log.bundle(result=old), receipts=log.receipts)
    assert report.ok, report.checks
    assert report.check("tally").status == "ok"


def test_new_format_claiming_a_material_tie_that_is_not_fails() -> None:
    log = _zero_first_preference_log()
    bundle = log.bundle()
    forged = bundle["result"]
    forged["status"] = "tie_resolved"
    forged["ties"][0]["material"] = True
    report = verify_bundle(bundle, receipts=log.receipts)
    tally = report.check("tally")
    assert tally.status == "failed"
    assert "calls a tie material" in tally.message and "round 1" in tally.message


def test_unknown_result_format_fails_naming_the_format() -> None:
    log = _zero_first_preference_log()
    bundle = log.bundle()
    bundle["result"]["format"] = "lipvote-tally/7"
    tally = verify_bundle(bundle, receipts=log.receipts).check("tally")
    assert tally.status == "failed" and "format" in tally.message
