"""Check 15 (witnesses: at least K of N given keys cosigned the final checkpoint) and a fork
caught from a witness's evidence, by the reference verifier and the fast path alike."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from ballots import merkle
from ballots.cli import EXIT_FAILED, EXIT_OK, EXIT_UNREADABLE, main
from ballots.cosignature import Cosigner, add_cosignatures
from ballots.fast import FastPath
from ballots.verify import Report, verify_bundle
from ballots.verify_witness import WitnessPolicy
from ballots.witness import Witness, add_checkpoint_request
from tests.ballots.ballots_testlog import MotionLog, standard_log

W1, W2, W3 = (Cosigner.generate(f"lip-{slug}.example/witness") for slug in ("halifax", "ottawa", "regina"))
TIME = 1_790_000_000


def text_of(note: str) -> str:
    return note[: note.index("\n\n") + 1]


def cosigned_bundle(log: MotionLog, *cosigners: Cosigner) -> dict[str, Any]:
    bundle = log.bundle()
    lines = [c.cosign(text_of(bundle["checkpoint"]), TIME) for c in cosigners]
    bundle["checkpoint"] = add_cosignatures(bundle["checkpoint"], lines)
    return bundle


def verify_both(bundle: dict[str, Any], **kwargs: Any) -> Report:
    """The reference's report; the fast path's must be the same, message for message."""
    report = verify_bundle(bundle, trusted_keys=[kwargs.pop("key")], fast=False, **kwargs)
    assert verify_bundle(bundle, trusted_keys=[report.summary["signing_key"]],
                         fast=FastPath(chunk=3), **kwargs).as_dict() == report.as_dict()
    return report


@pytest.fixture(scope="module")
def log() -> MotionLog:
    return standard_log()


def test_quorum_met_with_two_of_three(log: MotionLog) -> None:
    bundle = cosigned_bundle(log, W1, W2)
    policy = WitnessPolicy((W1.vkey, W2.vkey, W3.vkey), 2)
    report = verify_both(bundle, key=log.first_vkey, witnesses=policy)
    assert report.verified, report.as_dict()
    assert report.check("witnesses").message.startswith("2 of 3 witnesses cosigned")
    assert "lip-halifax.example/witness at 2026-" in report.check("witnesses").message


@pytest.mark.parametrize("cosigners, keys, quorum, why", [
    ((W1,), (W1, W2), None, "cosigned by 1 of the 2 witness keys given"),  # default: all of them
    ((W1, W2), (W1, W2, W3), 3, "want at least 3"),
    ((), (W1,), 1, "cosigned by 0 of the 1 witness keys given (none of them)"),
    ((W3,), (W1, W2), 1, "cosigned by 0 of the 2"),  # a witness nobody trusts counts for nothing
    ((W1,), (W1,), 2, "witness quorum 2: want 1 to 1"),
    ((W1,), (W1,), 0, "witness quorum 0: want 1 to 1"),
])
def test_quorum_not_met_fails(log: MotionLog, cosigners: tuple[Cosigner, ...],
                              keys: tuple[Cosigner, ...], quorum: int | None, why: str) -> None:
    bundle = cosigned_bundle(log, *cosigners)
    report = verify_both(bundle, key=log.first_vkey,
                         witnesses=WitnessPolicy(tuple(k.vkey for k in keys), quorum))
    assert not report.ok and why in report.check("witnesses").message


def test_a_forged_cosignature_fails(log: MotionLog) -> None:
    bundle = cosigned_bundle(log, W1)
    body, line = bundle["checkpoint"].rsplit("\u2014 ", 1)
    blob = line.split(" ")[1].strip()
    forged = blob[:-6] + ("A" if blob[-6] != "A" else "B") + blob[-5:]
    bundle["checkpoint"] = body + "\u2014 " + line.replace(blob, forged)
    report = verify_both(bundle, key=log.first_vkey, witnesses=WitnessPolicy((W1.vkey,)))
    assert "does not verify" in report.check("witnesses").message


def test_no_witness_given_skips_the_check(log: MotionLog) -> None:
    report = verify_both(cosigned_bundle(log, W1), key=log.first_vkey)
    assert report.verified and report.check("witnesses").status == "skipped"


# --------------------------------------------------------------------------
# A fork, caught by a witness and shown to the verifier


def tree_of(leaves: list[str]) -> merkle.Tree:
    return merkle.Tree(merkle.leaf_hash(t.encode()) for t in leaves)


def test_a_fork_refused_by_a_witness_fails_the_verifier(tmp_path: Path) -> None:
    real = standard_log()
    witness = Witness(W1, [real.signer.verifier], tmp_path / "state", clock=lambda: TIME)
    held = 4  # the witness cosigned the real log at size 4: open, lip-a, lip-b "no", lip-c
    assert witness.add_checkpoint(add_checkpoint_request(0, [], real.checkpoints[held - 1])).status == 200
    fork = MotionLog(signer=real.signer, secret=real.secret)  # same key, same start...
    fork.cast("lip-a", "yes")
    fork.cast("lip-b", "yes")  # ...but lip-b's ballot is changed for this audience
    fork.cast("lip-c", "no")
    fork.cast("lip-d", "yes")
    proof = tree_of(fork.leaves).consistency_proof(held, 5)
    answer = witness.add_checkpoint(add_checkpoint_request(held, proof, fork.checkpoints[4]))
    assert answer.status == 422
    [evidence] = witness.evidence_files()

    bundle_file = tmp_path / "bundle.json"
    bundle_file.write_text(json.dumps(real.bundle()))
    out = io.StringIO()
    status = main([str(bundle_file), "--key", real.first_vkey, "--witness-evidence", str(evidence)],
                  stdout=out, stderr=io.StringIO())
    assert status == EXIT_FAILED
    assert ("FAIL: checkpoints: witness evidence 1 (the checkpoint it refused) (size 5) signed root"
            in out.getvalue())
    assert "the log forked or was rewritten" in out.getvalue()

    fork_file = tmp_path / "fork.json"  # the other audience's bundle fails on the held checkpoint
    fork.close()
    fork_file.write_text(json.dumps(fork.bundle()))
    out = io.StringIO()
    assert main([str(fork_file), "--key", real.first_vkey, "--witness-evidence", str(evidence)],
                stdout=out, stderr=io.StringIO()) == EXIT_FAILED
    assert "witness evidence 1 (the checkpoint the witness held) (size 4)" in out.getvalue()


def test_cli_witness_options(tmp_path: Path, log: MotionLog) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(cosigned_bundle(log, W1, W2)))
    run = lambda *a: main([str(path), "--key", log.first_vkey, *a], stdout=io.StringIO(),  # noqa: E731
                          stderr=io.StringIO())
    assert run("--witness", W1.vkey, "--witness", W2.vkey) == EXIT_OK
    assert run("--witness", W1.vkey, "--witness", W3.vkey, "--witness-quorum", "1") == EXIT_OK
    assert run("--witness", W1.vkey, "--witness", W3.vkey) == EXIT_FAILED
    assert run("--witness-quorum", "1") == EXIT_UNREADABLE
    assert run("--witness", log.first_vkey) == EXIT_UNREADABLE  # a log key is not a witness key
    assert run("--witness-evidence", str(path)) == EXIT_UNREADABLE  # a bundle is not evidence
