"""`lipvote verify` as an auditor runs it: the installed console script, no server, no database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import voting
from ballots import merkle, verify_bundle
from ballots import seed as tie_break
from ballots.leaves import parse_leaf
from ballots.checkpoint import sign_checkpoint
from ballots.note import Signer, parse_vkey

from app import board
from app.extensions import db
from app.models import DelegateRank, Role
from app.motions import service
from app.motions.models import Motion
from tests.app.motion_helpers import cast_as, close_now, draft_motion, open_now
from tests.conftest import add_member, add_user

LIPVOTE = str(Path(sys.executable).with_name("lipvote"))
ROOT = Path(__file__).parents[2]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # An empty environment apart from PATH and the checkout being tested (the console script may be
    # installed from another copy): no database URL, no instance folder is needed.
    return subprocess.run([LIPVOTE, "verify", *args], cwd=cwd, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}, timeout=120)


def closed_motion_evidence(app: Flask, tmp_path: Path) -> dict[str, Any]:
    """A real closed motion: its bundle, a delegate's receipt, a checkpoint saved during the vote."""
    with app.app_context():
        for slug in ("halifax", "ottawa", "calgary"):
            add_user(f"{slug}@example.org", Role.DELEGATE, add_member(slug), DelegateRank.PRIMARY, password=None)
        motion_id = draft_motion()
        open_now(motion_id)
        receipt = cast_as(motion_id, "halifax@example.org", "yes").receipt
        cast_as(motion_id, "ottawa@example.org", "no")
        motion = db.session.get(Motion, motion_id)
        checkpoint = board.latest_checkpoint(motion.log)
        cast_as(motion_id, "calgary@example.org", "yes")
        bundle = service.bundle_for(close_now(motion_id))
        vkey = board.signer().vkey
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    (tmp_path / "receipt.json").write_text(json.dumps(receipt))
    (tmp_path / "checkpoint.txt").write_text(checkpoint)
    (tmp_path / "keys.txt").write_text(f"# keys we trust\n{Signer.generate('other').vkey}\n\n{vkey}  # lipvote.local\n")
    return {"bundle": bundle, "receipt": receipt, "vkey": vkey}


def test_verify_command_accepts_a_real_bundle_and_names_a_tampered_one(app: Flask, tmp_path: Path) -> None:
    evidence = closed_motion_evidence(app, tmp_path)
    bundle = evidence["bundle"]
    assert bundle["result"]["status"] == "carried"
    assert evidence["receipt"]["format"] == "lipvote-receipt/2"
    assert evidence["receipt"]["key_fingerprint"] == parse_vkey(evidence["vkey"]).fingerprint

    good = run("bundle.json", "--receipt", "receipt.json", cwd=tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "FAIL" not in good.stdout and "OK: tie-break seed: " in good.stdout
    assert "verified: every check passed" in good.stdout

    as_json = run("bundle.json", "--json", cwd=tmp_path)
    report = json.loads(as_json.stdout)
    assert as_json.returncode == 4 and report["ok"] is True and report["verified"] is False

    tampered = dict(bundle, result={**bundle["result"], "status": "defeated"})
    (tmp_path / "tampered.json").write_text(json.dumps(tampered))
    bad = run("tampered.json", cwd=tmp_path)
    assert bad.returncode == 1
    assert "FAIL" in bad.stdout and "Traceback" not in bad.stdout + bad.stderr

    missing = run("no-such-file.json", cwd=tmp_path)
    assert missing.returncode == 2 and "Traceback" not in missing.stdout + missing.stderr


@pytest.mark.parametrize("pin", ["--key", "--keys", "--receipt", "--checkpoint"])
def test_each_trust_anchor_makes_a_real_bundle_verified(app: Flask, tmp_path: Path, pin: str) -> None:
    evidence = closed_motion_evidence(app, tmp_path)
    given = {"--key": evidence["vkey"], "--keys": "keys.txt", "--receipt": "receipt.json",
             "--checkpoint": "checkpoint.txt"}[pin]
    proc = run("bundle.json", pin, given, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    fingerprint = parse_vkey(evidence["vkey"]).fingerprint
    assert proc.stdout.splitlines()[-1] == f"verified: every check passed, signing key fingerprint {fingerprint}"
    assert "OK: trust anchor: " in proc.stdout


def test_a_bundle_re_signed_with_a_fresh_key_of_the_same_name_is_never_verified(app: Flask, tmp_path: Path) -> None:
    evidence = closed_motion_evidence(app, tmp_path)
    bundle = evidence["bundle"]
    mallory = Signer.generate(parse_vkey(evidence["vkey"]).name)  # same name, another key
    leaves = list(bundle["leaves"])
    leaves[1] = leaves[1].replace('"selection":"yes"', '"selection":"no"')  # a changed ballot...
    tree = merkle.Tree(merkle.leaf_hash(text.encode()) for text in leaves)
    opened, closed = parse_leaf(leaves[0]), parse_leaf(leaves[-1])
    seed = tie_break.derive_seed(bytes.fromhex(closed.seed_secret), tree.root(tree.size - 1))
    ballots = [(leaf.weight, leaf.selection) for leaf in map(parse_leaf, leaves[1:-1])]
    result = voting.tally("yes_no", ballots, options=list(opened.options), rules=opened.rules,
                          tie_break_seed=seed).as_dict()  # ...and a recount that agrees
    assert result["status"] == "defeated"
    assert bundle["checkpoints"]  # the genuine checkpoints: the forger drops them, they would not verify
    forged = dict(bundle, leaves=leaves, verifier_key=mallory.vkey, result=result, checkpoints=[],
                  checkpoint=sign_checkpoint(mallory, bundle["origin"], tree.size, tree.root()))
    (tmp_path / "forged.json").write_text(json.dumps(forged))

    alone = run("forged.json", cwd=tmp_path)
    assert alone.returncode == 4, alone.stdout + alone.stderr
    assert "\nverified" not in alone.stdout and "NOT verified: self-consistent, but its origin was not checked" in alone.stdout
    assert parse_vkey(mallory.vkey).fingerprint in alone.stdout  # shown, to compare with the published one
    for pin, given in (("--key", evidence["vkey"]), ("--keys", "keys.txt"), ("--receipt", "receipt.json"),
                       ("--checkpoint", "checkpoint.txt")):
        pinned = run("forged.json", pin, given, cwd=tmp_path)
        assert pinned.returncode == 1, (pin, pinned.stdout)
        assert pinned.stdout.splitlines()[-1].startswith("NOT verified: ")


def test_a_bundle_carries_every_checkpoint_the_server_signed(app: Flask, tmp_path: Path) -> None:
    bundle = closed_motion_evidence(app, tmp_path)["bundle"]
    # open, three ballots, close: checkpoints of sizes 1 to 4 below the final one of size 5
    sizes = [int(note.split("\n")[1]) for note in bundle["checkpoints"]]
    assert sizes == list(range(1, len(bundle["leaves"])))
    report = verify_bundle(bundle)
    assert report.check("checkpoints").status == "ok"
    assert "4 checkpoints agree with the log" in report.check("checkpoints").message
