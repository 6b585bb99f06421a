"""Generate the conformance vectors of docs/bulletin-board.md §9 from lipvote's own code.

    .venv/bin/python tests/conformance/generate.py [FOLDER]

writes (by default into tests/conformance/vectors/, emptied first) for each vector NAME:

* ``NAME.bundle.json``: the bundle, genuine or altered as the name says;
* ``NAME.receipt-K.json`` / ``NAME.receipt-K.tlog-proof`` / ``NAME.checkpoint-K.txt``: what
  the user holds, when the vector needs it, and ``keys.txt``, a key list;
* ``NAME.expected.json``: the arguments to give the verifier (file names relative to the
  folder), the exit status, and every check's expected status and section.

Everything is deterministic (fixed keys, secrets, nonces and times), so running this twice
gives the same bytes; ``tests/conformance/test_vectors.py`` checks the folder is up to date
and that ``lipvote verify`` gives every expected result. Each vector also states which checks
it is meant to fail, and generating refuses a vector that does not (so a name never lies).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1])]  # logs.py, and the checkout's own packages

from ballots import cli, leaves, receipt  # noqa: E402
from ballots.cosignature import Cosigner, add_cosignatures  # noqa: E402
from ballots.witness import EVIDENCE_FORMAT  # noqa: E402
from ballots.leaves import audit_leaf  # noqa: E402
from ballots import bundle as bundle_format  # noqa: E402

from logs import MALLORY, ROTATED, SERVER, Log, edit_leaf, final_checkpoint, signer  # noqa: E402

DEFAULT_FOLDER = HERE / "vectors"
KEY_LIST = "keys.txt"
PIN = ["--key", SERVER.vkey]


@dataclass
class Vector:
    """One vector: a bundle, what the user holds, and what it is meant to show."""

    name: str
    description: str
    bundle: dict[str, Any]
    holds: dict[str, str] = field(default_factory=dict)  # file suffix -> text, e.g. "receipt-1.json"
    arguments: list[str] = field(default_factory=lambda: list(PIN))
    fails: frozenset[str] = frozenset()  # the checks it is meant to fail (none: it verifies)


VECTORS: list[Callable[[], Vector | list[Vector]]] = []


def vector(make: Callable[[], Vector | list[Vector]]) -> Callable[[], Vector | list[Vector]]:
    VECTORS.append(make)
    return make


def receipt_json(r: dict[str, Any]) -> str:
    return json.dumps(r, indent=1, ensure_ascii=False) + "\n"


def with_receipts(v: Vector, log: Log, *indexes: int) -> Vector:
    """Give the verifier the receipts of these ballots (by their position among the receipts)."""
    for k, i in enumerate(indexes, start=len(v.holds) + 1):
        v.holds[f"receipt-{k}.json"] = receipt_json(log.receipts[i])
    return v


def standard(name: str, **options: Any) -> Log:
    """Four members vote on a yes/no motion; Montreal changes its vote once."""
    log = Log(name, **options)
    log.cast("lip-halifax", "yes")
    log.cast("lip-ottawa", "no")
    first = log.cast("lip-montreal", "no")
    log.cast("lip-calgary", "yes")
    log.cast("lip-montreal", "yes", supersedes=first)
    return log.close()


RANKINGS = [("lip-halifax", ["a", "b", "c"]), ("lip-moncton", ["b", "a"]),
            ("lip-montreal", ["c", "b", "a", "d"]), ("lip-ottawa", ["a", "c"]),
            ("lip-sudbury", ["d", "b"]), ("lip-calgary", ["b", "c", "a"])]


# --------------------------------------------------------------------------
# Genuine bundles: every method, every policy kind, and the features of the log


@vector
def methods() -> list[Vector]:
    out = []
    for method, seats in (("plurality", 1), ("approval", 2), ("irv", 1), ("stv", 2),
                          ("schulze", 1), ("ranked_pairs", 1), ("schulze_stv", 2)):
        log = Log(f"method-{method}", method=method, options=("a", "b", "c", "d"), seats=seats,
                  policy="tiered_1_2_3")
        for member, ranking in RANKINGS:
            log.cast(member, ranking[0] if method == "plurality" else
                     ranking[:2] if method == "approval" else ranking)
        log.close()
        out.append(Vector(f"valid-method-{method.replace('_', '-')}",
                          f"{method}, {seats} seat(s), tiered weights: every check passes", log.bundle()))
    log = standard("method-yes-no")
    out.append(with_receipts(Vector("valid-method-yes-no", "yes_no with a change of vote, a "
                                    "receipt held", log.bundle()), log, 0))
    return out


@vector
def policies() -> list[Vector]:
    out = []
    for policy in ("equal", "tiered_1_2_3", "regional_parity", "blended_half_population",
                   "population_capped"):
        for policy_format in (2, 1):
            log = standard(f"policy-{policy}-{policy_format}", policy=policy,
                           policy_format=policy_format)
            out.append(Vector(f"valid-weights-{policy.replace('_', '-')}-format-{policy_format}",
                              f"the {policy} preset, lipvote-weights/{policy_format}", log.bundle()))
    return out


@vector
def features() -> list[Vector]:
    out = []
    log = Log("tie", method="plurality", options=("a", "b", "c"))
    log.cast("lip-halifax", "a")  # halifax and moncton have equal weight: a tie broken by lot
    log.cast("lip-moncton", "b")
    log.close()
    out.append(Vector("valid-tie-broken-by-lot", "a plurality tie, broken by the committed seed",
                      log.bundle()))
    log = Log("stv-few-ranked", method="stv", options=("a", "b", "c", "d"), seats=3)
    for member in ("lip-halifax", "lip-moncton", "lip-ottawa"):
        log.cast(member, ["a"])
    log.close()
    out.append(Vector("valid-stv-fewer-ranked-than-seats", "STV, 3 seats, only one option "
                      "ranked: quota floor(V/2)+1, seats filled from unranked options",
                      log.bundle()))
    log = Log("regions", rules={"double_majority": {"members": True, "regions": "all"},
                                "quorum": {"members": "1/2", "weight": None}},
              policy="regional_parity")
    for member in ("lip-halifax", "lip-moncton", "lip-montreal", "lip-ottawa", "lip-calgary",
                   "lip-regina"):
        log.cast(member, "yes")
    log.close()
    out.append(Vector("valid-regional-double-majority", "yes_no with a quorum and a double "
                      "majority of members and of every region: ballots carry regions",
                      log.bundle()))
    log = Log("no-quorum", rules={"quorum": {"members": "2/3", "weight": None}})
    log.cast("lip-halifax", "yes")
    log.close()
    out.append(Vector("valid-no-quorum", "one ballot of six: status no_quorum", log.bundle()))
    log = Log("proxy")
    log.cast("lip-halifax", "yes", proxy="lip-moncton")
    log.cast("lip-ottawa", "no")
    log.close()
    out.append(Vector("valid-proxy", "a ballot cast by another member's delegate", log.bundle()))
    log = standard("secret", secret_ballot=True)
    out.append(Vector("valid-secret-ballot", "secret ballots (no member) with a change of vote",
                      log.bundle()))
    log = Log("rotation")
    log.cast("lip-halifax", "yes")
    log.rotate(ROTATED)
    log.cast("lip-ottawa", "no")
    log.close()
    out.append(with_receipts(Vector("valid-key-rotation", "a key leaf; pinned by the first key",
                                    log.bundle()), log, 1))
    out.append(Vector("valid-key-rotation-pinned-by-new-key", "the same, pinned by the new key",
                      log.bundle(), arguments=["--key", ROTATED.vkey]))
    log = standard("leaf-1", leaf_format=1)
    out.append(Vector("valid-leaf-format-1", "lipvote-leaf/1: no commitment, the seed is the "
                      "final root", log.bundle()))
    log = Log("tally-1", method="irv", options=("a", "b", "c", "d", "e"))
    # d and e tie at zero in round 1: material under lipvote-tally/1, not under /2
    for member, ranking in (("lip-halifax", ["a", "d"]), ("lip-moncton", ["a", "d"]),
                            ("lip-montreal", ["a", "d"]), ("lip-ottawa", ["b", "e"]),
                            ("lip-sudbury", ["b", "e"]), ("lip-calgary", ["c", "a"])):
        log.cast(member, ranking)
    log.close()
    out.append(Vector("valid-result-format-1", "a lipvote-tally/1 result, re-counted under its "
                      "own tie rule", log.bundle(result=log.result(result_format="lipvote-tally/1"))))
    return out


@vector
def scheduled_close() -> Vector:
    log = Log("late")
    early = log.clock
    log.cast("lip-halifax", "yes")
    log.cast("lip-ottawa", "no")
    log.close()
    texts = list(log.leaves)
    # leaf 0 scheduled the close before the second ballot: the chair extended the motion
    texts[0] = edit_leaf(texts[0], closes_at=(early + (log.clock - early) / 2).strftime(
        "%Y-%m-%dT%H:%M:%SZ"))
    return Vector("valid-ballot-after-scheduled-close-reported", "a ballot after leaf 0's "
                  "closes_at: reported in check 4's message, not failed", log.rewritten(texts))


@vector
def anchors() -> list[Vector]:
    log = standard("anchors")
    b = log.bundle()
    return [
        Vector("unanchored-nothing-pinned", "genuine, but nothing pins the key: exit status 4",
               b, arguments=[]),
        Vector("valid-pinned-by-key-list", "pinned by a key list", b,
               arguments=["--keys", KEY_LIST]),
        with_receipts(Vector("valid-pinned-by-receipt", "pinned by a receipt the user holds", b,
                             arguments=[]), log, 1),
        Vector("valid-pinned-by-tlog-proof", "pinned by a receipt in tlog-proof form", b,
               holds={"receipt-1.tlog-proof": receipt.receipt_to_tlog_proof(log.receipts[2])},
               arguments=[]),
        Vector("valid-pinned-by-checkpoint", "pinned by a checkpoint fetched during the vote", b,
               holds={"checkpoint-1.txt": log.checkpoints[3]}, arguments=[]),
        Vector("invalid-key-not-pinned", "genuine, but the key pinned is another one",
               b, arguments=["--key", MALLORY.vkey], fails=frozenset({"trust anchor"})),
    ]


@vector
def audit() -> list[Vector]:
    origin = "vote.example.org/audit"
    texts = [audit_leaf(log="audit", at=f"2026-01-05T15:0{k}:00Z", actor="system",
                        action="motion.open", target=f"motion:{k}",
                        details={"event": k, "before": None, "after": {"state": "open"}})
             for k in range(3)]
    b = bundle_format.build_audit_bundle(origin=origin, verifier_key=SERVER.vkey, leaves=texts,
                                         checkpoint=final_checkpoint(texts, origin))
    edited = dict(b, leaves=[texts[0], texts[1].replace("system", "someone"), texts[2]])
    return [Vector("valid-audit-trail", "an audit log bundle: checks 1-9 and 14", b),
            Vector("invalid-audit-trail-edited", "an audit event edited after signing", edited,
                   fails=frozenset({"merkle root"}))]


def witness(label: str) -> Cosigner:
    """A witness key derived from a public label: for test vectors only."""
    seed = hashlib.sha256(f"lipvote conformance witness: {label}".encode()).digest()
    return Cosigner.from_seed(f"witness.example.org/{label}", seed)


HALIFAX_WITNESS, OTTAWA_WITNESS = witness("halifax"), witness("ottawa")
WITNESSED_AT = 1767625200  # 2026-01-05T15:00:00Z, after the close


def cosigned(b: dict[str, Any], *by: Cosigner) -> dict[str, Any]:
    lines = [w.cosign(b["checkpoint"].split("\n\n", 1)[0] + "\n", WITNESSED_AT) for w in by]
    return dict(b, checkpoint=add_cosignatures(b["checkpoint"], lines))


@vector
def witnesses() -> list[Vector]:
    log = standard("witnessed")
    both = ["--witness", HALIFAX_WITNESS.vkey, "--witness", OTTAWA_WITNESS.vkey]
    two = cosigned(log.bundle(), HALIFAX_WITNESS, OTTAWA_WITNESS)
    one = cosigned(log.bundle(), HALIFAX_WITNESS)
    forged_line = HALIFAX_WITNESS.cosign(final_checkpoint(log.leaves[:-1], log.origin).split("\n\n", 1)[0]
                                         + "\n", WITNESSED_AT)
    forged = dict(log.bundle(), checkpoint=add_cosignatures(log.bundle()["checkpoint"], [forged_line]))
    fork = list(log.leaves[:2]) + [edit_leaf(log.leaves[2], selection="yes")]
    evidence = json.dumps({"format": EVIDENCE_FORMAT, "origin": log.origin,
                           "held": log.checkpoints[2], "offered": final_checkpoint(fork, log.origin)},
                          indent=1) + "\n"
    return [
        Vector("valid-witnessed-2-of-2", "the final checkpoint cosigned by both witnesses given",
               two, arguments=PIN + both),
        Vector("valid-witnessed-1-of-2", "cosigned by one of two witnesses, quorum 1", one,
               arguments=PIN + both + ["--witness-quorum", "1"]),
        Vector("invalid-witness-quorum-not-met", "cosigned by one of two witnesses, both required",
               one, arguments=PIN + both, fails=frozenset({"witnesses"})),
        Vector("invalid-witness-cosignature-of-another-checkpoint", "a witness's line signed over "
               "another checkpoint, pasted under this one", forged,
               arguments=PIN + both[:2], fails=frozenset({"witnesses"})),
        Vector("invalid-witness-evidence-of-a-fork", "a witness's evidence: the server signed "
               "another log of this origin (a split view)", two,
               holds={"evidence-1.json": evidence}, arguments=PIN + both,
               fails=frozenset({"checkpoints"})),
    ]


# --------------------------------------------------------------------------
# Altered bundles: every tamper class (tests/ballots/test_tamper.py) and more


def tampered(name: str, description: str, fails: set[str], make: Callable[[Log], dict[str, Any]],
             receipts: tuple[int, ...] = (), **log_options: Any) -> Vector:
    log = standard(name, **log_options)
    return with_receipts(Vector(f"invalid-{name}", description, make(log),
                                fails=frozenset(fails)), log, *receipts)


def _replace(log: Log, index: int, **changes: Any) -> list[str]:
    texts = list(log.leaves)
    texts[index] = edit_leaf(texts[index], **changes)
    return texts


def _with_close_count(texts: list[str], ballots: int) -> list[str]:
    return texts[:-1] + [edit_leaf(texts[-1], ballots=ballots)]


@vector
def tampers() -> list[Vector]:
    more_ballots = lambda log: log.bundle(result=dict(log.result(), winners=["no"]))  # noqa: E731
    return [
        tampered("edit-a-leaf", "a ballot's selection changed", {"merkle root", "receipts"},
                 lambda log: log.bundle(leaves=_replace(log, 2, selection="yes")), receipts=(1, 2)),
        tampered("delete-a-leaf", "a ballot removed", {"final checkpoint", "log structure"},
                 lambda log: log.bundle(leaves=log.leaves[:3] + log.leaves[4:])),
        tampered("delete-a-leaf-resigned", "a ballot removed and the log re-signed: the receipt "
                 "shows it", {"receipts"},
                 lambda log: log.rewritten(_with_close_count(log.leaves[:1] + log.leaves[2:], 4)),
                 receipts=(0,)),
        tampered("reorder-two-leaves", "two ballots swapped", {"merkle root"},
                 lambda log: log.bundle(leaves=[log.leaves[0], log.leaves[2], log.leaves[1],
                                                *log.leaves[3:]])),
        tampered("insert-a-leaf", "a ballot added", {"final checkpoint"},
                 lambda log: log.bundle(leaves=log.leaves[:3] + [edit_leaf(
                     log.leaves[1], member="lip-sudbury", nonce="B" * 22)] + log.leaves[3:])),
        tampered("duplicate-a-leaf-resigned", "a ballot counted twice, re-signed", {"ballots"},
                 lambda log: log.rewritten(_with_close_count(
                     log.leaves[:2] + [log.leaves[1]] + log.leaves[2:], 6))),
        tampered("change-a-weight", "a ballot's weight changed", {"merkle root"},
                 lambda log: log.bundle(leaves=_replace(log, 1, weight=50))),
        tampered("change-a-weight-resigned", "a ballot's weight changed, re-signed", {"ballots"},
                 lambda log: log.rewritten(_replace(log, 1, weight=50))),
        tampered("change-the-snapshot-resigned", "a member's units changed in leaf 0's weight "
                 "snapshot, re-signed", {"weights"},
                 lambda log: log.rewritten(_replace(log, 0, weights=dict(
                     log.snapshot, weights=dict(log.weights, **{"lip-calgary": 5}))))),
        tampered("change-the-result", "the published winner changed", {"tally"}, more_ballots),
        tampered("truncate-the-log", "the last leaves cut off", {"final checkpoint", "log structure"},
                 lambda log: log.bundle(leaves=log.leaves[:4])),
        tampered("stale-final-checkpoint", "an earlier checkpoint given as the final one",
                 {"final checkpoint"}, lambda log: log.bundle(checkpoint=log.checkpoints[3])),
        _forked_checkpoint(),
        _forged_receipt(),
        tampered("resigned-with-another-key", "rewritten and re-signed by a key of the same "
                 "name: self-consistent, but not the pinned key", {"trust anchor"},
                 _resigned_by_mallory),
        tampered("wrong-reveal-resigned", "the close reveals another secret than leaf 0 "
                 "committed to", {"tie-break seed"},
                 lambda log: _reveal(log, "ff" * 32)),
        tampered("wrong-commitment-resigned", "leaf 0's commitment replaced",
                 {"tie-break seed"}, lambda log: log.rewritten(_replace(log, 0, seed_commitment="00" * 32))),
        tampered("seed-not-the-derived-one", "the result names another tie-break seed",
                 {"tie-break seed"}, lambda log: log.bundle(result=log.result(tie_break_seed=b"\x07" * 32))),
        tampered("close-without-the-reveal-resigned", "the close leaf reveals no secret",
                 {"tie-break seed"}, lambda log: log.rewritten(
                     log.leaves[:-1] + [leaves.close_leaf(motion=log.motion, closed_at=json.loads(
                         log.leaves[-1])["closed_at"], ballots=5)])),
        tampered("reveal-in-a-leaf-1-log-resigned", "a lipvote-leaf/1 close leaf carries a "
                 "secret", {"tie-break seed"},
                 lambda log: log.rewritten(_replace(log, len(log.leaves) - 1, seed_secret="00" * 32)),
                 leaf_format=1),
        tampered("rules-changed-after-opening-resigned", "the threshold changed in leaf 0 and "
                 "re-signed: the receipt the user holds contradicts the log", {"receipts"},
                 lambda log: log.rewritten(_replace(log, 0, rules=dict(log.rules, threshold="two_thirds"))),
                 receipts=(0,)),
        tampered("counted-twice-without-supersedes", "a member's second ballot replaces "
                 "nothing", {"ballots"}, lambda log: log.rewritten(
                     _replace(log, 5, supersedes=None))),
        tampered("supersedes-without-revote-resigned", "a change of vote on a motion that "
                 "allows none", {"ballots"}, lambda log: log.rewritten(
                     _replace(log, 0, revote=False))),
        tampered("wrong-region-resigned", "a ballot names a region on a motion without a "
                 "regional majority", {"ballots"},
                 lambda log: log.rewritten(_replace(log, 1, region="quebec"))),
        tampered("proxy-not-a-member-resigned", "a ballot cast by the delegate of a "
                 "non-member", {"ballots"},
                 lambda log: log.rewritten(_replace(log, 1, proxy="lip-nowhere"))),
        tampered("secret-weight-overused-resigned", "more secret ballots of one weight than "
                 "members with it", {"ballots"},
                 lambda log: log.rewritten(_with_close_count(
                     log.leaves[:-1] + [edit_leaf(log.leaves[1], nonce="C" * 22, cast_at=json.loads(
                         log.leaves[5])["cast_at"])] * 8
                     + log.leaves[-1:], 13)), secret_ballot=True),
        tampered("time-in-other-digits-resigned", "a time written with Arabic-Indic digits",
                 {"leaves"}, lambda log: log.rewritten(_replace(
                     log, len(log.leaves) - 1, closed_at="٢٠٢٦" + json.loads(log.leaves[-1])["closed_at"][4:]))),
        tampered("leaf-over-1-mib-in-bytes-resigned", "a ballot leaf of fewer than 2^20 "
                 "characters but more than 2^20 bytes", {"leaves"},
                 lambda log: log.rewritten(_replace(log, 1, selection="é" * 524_300))),
        tampered("ballot-back-dated-resigned", "a ballot stamped earlier than the one before it",
                 {"log structure"}, lambda log: log.rewritten(_replace(
                     log, 3, cast_at=json.loads(log.leaves[1])["cast_at"]))),
        tampered("ballot-before-opening-resigned", "a ballot stamped before leaf 0's opened_at",
                 {"log structure"}, lambda log: log.rewritten(_replace(
                     log, 1, cast_at="2026-01-05T13:00:00Z"))),
        tampered("two-close-leaves-resigned", "a close leaf in the middle of the log",
                 {"log structure"}, lambda log: log.rewritten(
                     log.leaves[:2] + [log.leaves[-1]] + log.leaves[2:])),
        tampered("other-motion-resigned", "a ballot of another motion", {"log structure"},
                 lambda log: log.rewritten(_replace(log, 2, motion="m-other"))),
        tampered("not-canonical", "a leaf with a space: valid JSON, not canonical",
                 {"leaves", "merkle root"}, lambda log: log.bundle(
                     leaves=[log.leaves[0], log.leaves[1].replace(",", ", ", 1), *log.leaves[2:]])),
        tampered("bundle-member-missing", "the bundle has no result", {"bundle format"},
                 lambda log: {k: v for k, v in log.bundle().items() if k != "result"}),
        tampered("verifier-key-malformed", "the verifier key's ID does not match its key",
                 {"verifier key"}, lambda log: log.bundle(verifier_key=SERVER.vkey.replace(
                     SERVER.vkey.split("+")[1], "00000000"))),
        _bad_rotation(),
    ]


def _forked_checkpoint() -> Vector:
    log = standard("forked")
    other = log.leaves[:2] + [edit_leaf(log.leaves[2], selection="yes")]
    return Vector("invalid-forked-checkpoint", "a checkpoint the user holds, signed by the "
                  "server over another log of the same origin (a split view)", log.bundle(),
                  holds={"checkpoint-1.txt": final_checkpoint(other, log.origin)},
                  fails=frozenset({"checkpoints"}))


def _forged_receipt() -> Vector:
    log = standard("forged-receipt")
    forged = dict(log.receipts[1], leaf=edit_leaf(log.receipts[1]["leaf"], selection="yes"))
    return Vector("invalid-forged-receipt", "a receipt whose ballot was changed: it proves "
                  "nothing", log.bundle(), holds={"receipt-1.json": receipt_json(forged)},
                  fails=frozenset({"receipts"}))


def _resigned_by_mallory(log: Log) -> dict[str, Any]:
    texts = _replace(log, 1, selection="no")
    return log.rewritten(texts, verifier_key=MALLORY.vkey,
                         checkpoint=final_checkpoint(texts, log.origin, MALLORY))


def _reveal(log: Log, secret_hex: str) -> dict[str, Any]:
    texts = list(log.leaves)
    texts[-1] = edit_leaf(texts[-1], seed_secret=secret_hex)
    other = Log.__new__(Log)
    other.__dict__.update(log.__dict__, secret=bytes.fromhex(secret_hex))
    return log.rewritten(texts, result=other.result(texts))


def _bad_rotation() -> Vector:
    log = Log("bad-rotation")
    log.cast("lip-halifax", "yes")
    log.signer = signer("an unannounced key")  # a key leaf signed by a key not in force
    log.rotate(ROTATED)
    log.cast("lip-ottawa", "no")
    log.close()
    return Vector("invalid-bad-rotation-statement", "a key leaf whose statement is not signed "
                  "by the key in force: the new key is not followed", log.bundle(),
                  fails=frozenset({"signing keys", "final checkpoint", "checkpoints"}))


# --------------------------------------------------------------------------
# Writing the folder


def expected(v: Vector, folder: Path) -> dict[str, Any]:
    """Run the verifier's command line as a user would, in ``folder``; check the intent."""
    out = io.StringIO()
    with contextlib.chdir(folder):
        status = cli.main([f"{v.name}.bundle.json", *v.arguments, "--json"], stdout=out,
                          stderr=io.StringIO())
    report = json.loads(out.getvalue())
    failed = {c["name"] for c in report["checks"] if c["status"] == "failed"}
    if not v.fails <= failed or (not v.fails and failed):
        raise SystemExit(f"{v.name}: meant to fail {sorted(v.fails)}, failed {sorted(failed)}")
    return {"description": v.description, "bundle": f"{v.name}.bundle.json",
            "arguments": v.arguments, "exit_status": status, "ok": report["ok"],
            "verified": report["verified"],
            "checks": [{"name": c["name"], "section": c["section"], "status": c["status"]}
                       for c in report["checks"]]}


def write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                    encoding="utf-8")


def generate(folder: Path) -> list[str]:
    """Write every vector into ``folder`` (emptied first); return their names."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / KEY_LIST).write_text(f"# keys trusted for the conformance vectors\n{ROTATED.vkey}\n"
                                   f"{SERVER.vkey}  # the server\n", encoding="utf-8")
    vectors = [v for make in VECTORS for v in (lambda x: x if isinstance(x, list) else [x])(make())]
    names = [v.name for v in vectors]
    assert len(set(names)) == len(names), "two vectors share a name"
    for v in vectors:
        write_json(folder / f"{v.name}.bundle.json", v.bundle)
        for suffix, text in v.holds.items():
            (folder / f"{v.name}.{suffix}").write_text(text, encoding="utf-8")
            kind = ("--checkpoint" if suffix.startswith("checkpoint") else
                    "--witness-evidence" if suffix.startswith("evidence") else "--receipt")
            v.arguments = v.arguments + [kind, f"{v.name}.{suffix}"]
        write_json(folder / f"{v.name}.expected.json", expected(v, folder))
    return names


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FOLDER
    os.umask(0o022)
    print(f"{len(generate(target))} vectors written to {target}")
