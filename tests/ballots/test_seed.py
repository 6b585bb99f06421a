"""The committed tie-break seed (docs/bulletin-board.md §2.7) and the trust anchor (check 14).

The derivation against the fixed vector written in the docs; old lipvote-leaf/1 bundles,
stored before the seed was committed, still verifying under their own rule; and each means
of pinning the signing key making a report "verified", nothing else doing so."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from ballots import cli, seed
from ballots.errors import LeafError
from ballots.leaves import close_leaf
from ballots.note import Signer, parse_vkey
from ballots.verify import verify_bundle

from ballots_testlog import MotionLog, standard_log

DOC = (Path(__file__).parents[2] / "docs" / "bulletin-board.md").read_text(encoding="utf-8")
VECTORS = Path(__file__).parent / "vectors" / "bundles"

# The vector of docs/bulletin-board.md §2.7: the secret is the bytes 0x00..0x1f, the ballots'
# root is the worked example's root of size 3 (§8).
SECRET = bytes(range(32))
BALLOTS_ROOT = bytes.fromhex("18b57cafdaefb6afae8cfd79c8dcabb6a1f65de533be98986ddb0b130bfba22e")
COMMITMENT = "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
SEED = "96c2e1d9f3ecc61edeba7470a2178263a4432381bde3cc67ec74a22eabf481a1"


def test_derivation_matches_the_vector_in_the_docs() -> None:
    assert seed.SEED_DOMAIN == b"lipvote-tie-break-seed/2\n"
    assert seed.commitment(SECRET) == COMMITMENT
    assert seed.derive_seed(SECRET, BALLOTS_ROOT).hex() == SEED
    by_hand = hashlib.sha256(bytes.fromhex("6c6970766f74652d7469652d627265616b2d736565642f320a")
                             + SECRET + BALLOTS_ROOT).hexdigest()
    assert by_hand == SEED
    for value in (SECRET.hex(), BALLOTS_ROOT.hex(), COMMITMENT, SEED, seed.SEED_DOMAIN.hex()):
        assert value in DOC


def test_secrets_are_fresh_32_bytes_and_inputs_are_checked() -> None:
    assert len(seed.new_secret()) == 32 and seed.new_secret() != seed.new_secret()
    with pytest.raises(LeafError, match="want 32 bytes"):
        seed.derive_seed(SECRET[:31], BALLOTS_ROOT)
    with pytest.raises(LeafError, match="64 lowercase hexadecimal"):
        seed.hex32(COMMITMENT.upper(), "seed_commitment")


def test_a_new_log_derives_its_seed_from_the_secret_and_the_ballots_root() -> None:
    log = standard_log(secret=SECRET)
    b = log.bundle()
    assert b["result"]["tie_break"]["seed"] == seed.derive_seed(SECRET, log.ballots_root or b"").hex()
    assert b["result"]["tie_break"]["seed"] != log.root().hex()  # not the final root any more
    check = verify_bundle(b).check("tie-break seed")
    assert check.status == "ok" and "committed secret" in check.message


# --------------------------------------------------------------------------
# Old bundles keep verifying under their own format


@pytest.mark.parametrize("name", ["leaf-1-docs-example", "leaf-1-plurality-tie"])
def test_stored_lipvote_leaf_1_bundles_still_verify(name: str) -> None:
    bundle = json.loads((VECTORS / f"{name}.bundle.json").read_text(encoding="utf-8"))
    receipt = json.loads((VECTORS / f"{name}.receipt.json").read_text(encoding="utf-8"))
    assert '"format":"lipvote-leaf/1"' in bundle["leaves"][0] and receipt["format"] == "lipvote-receipt/1"
    report = verify_bundle(bundle, receipts=[receipt])
    assert report.verified, report.checks
    check = report.check("tie-break seed")
    assert check.status == "ok" and "the final Merkle root" in check.message
    assert bundle["result"]["tie_break"]["seed"] == report.summary["root"]
    assert verify_bundle(bundle, trusted_keys=[bundle["verifier_key"]]).verified


def test_stored_lipvote_leaf_2_bundle_pins_the_derivation() -> None:
    # a tie broken by lot, stored when the derivation was written: a later change to the
    # derivation (or to how the verifier reads it) cannot pass unnoticed
    bundle = json.loads((VECTORS / "leaf-2-plurality-tie.bundle.json").read_text(encoding="utf-8"))
    receipt = json.loads((VECTORS / "leaf-2-plurality-tie.receipt.json").read_text(encoding="utf-8"))
    assert '"format":"lipvote-leaf/2"' in bundle["leaves"][0] and receipt["format"] == "lipvote-receipt/2"
    assert f'"seed_secret":"{SECRET.hex()}"' in bundle["leaves"][-1]
    assert bundle["result"]["status"] == "tie_resolved"
    ballots_root = bytes.fromhex("511352d983dab67bc87cb7c75851c8f3380e663c3f1323ad9406c73e01de5e7f")
    seed_hex = "81d81ec45d6b716a6de67cca0ead2ddaf0f30478545490dd7940002371366626"
    assert seed.derive_seed(SECRET, ballots_root).hex() == seed_hex == bundle["result"]["tie_break"]["seed"]
    report = verify_bundle(bundle, receipts=[receipt])
    assert report.verified, report.checks
    assert report.check("tie-break seed").message == (
        f"{seed_hex}: SHA-256 of the committed secret and the root {ballots_root.hex()} of the ballots at the close")
    assert receipt["key_fingerprint"] == report.summary["key_fingerprint"] == \
        "d901 e676 dbfb 0955 3d6a 94ad d3b3 4ca8 61c3 0e00 eb67 8e90 d9c0 3a37 fa50 5913"


def test_an_old_bundle_claiming_a_secret_it_never_committed_to_fails() -> None:
    log = MotionLog(leaf_format=1)
    log.cast("lip-a", "yes")
    log.append(close_leaf(motion=log.motion, closed_at=log.tick(), ballots=1, seed_secret=SECRET.hex()))
    failed = verify_bundle(log.bundle()).check("tie-break seed")
    assert failed.status == "failed" and "committed to none" in failed.message


# --------------------------------------------------------------------------
# The trust anchor: each means pins the key; nothing else makes a report "verified"


@pytest.fixture(scope="module")
def log() -> MotionLog:
    return standard_log()


@pytest.mark.parametrize("means", ["key", "key list", "receipt", "checkpoint"])
def test_each_means_of_pinning_makes_the_report_verified(log: MotionLog, means: str) -> None:
    given: dict[str, Any] = {
        "key": {"trusted_keys": [log.first_vkey]},
        "key list": {"key_list": [Signer.generate("other").vkey, log.first_vkey]},
        "receipt": {"receipts": log.receipts[2:3]},
        "checkpoint": {"checkpoints": log.checkpoints[3:4]},
    }[means]
    report = verify_bundle(log.bundle(), **given)
    assert report.verified and report.check("trust anchor").status == "ok"
    assert parse_vkey(log.first_vkey).fingerprint in report.check("trust anchor").message
    assert report.as_dict()["verified"] is True


def test_without_an_anchor_a_sound_bundle_is_self_consistent_only(log: MotionLog) -> None:
    report = verify_bundle(log.bundle())
    assert report.ok and not report.verified
    assert report.check("trust anchor").status == "skipped"
    assert report.summary["key_fingerprint"] == parse_vkey(log.first_vkey).fingerprint
    # the bundle's own earlier checkpoints come from the bundle: they anchor nothing
    assert log.bundle()["checkpoints"]


def test_a_key_rotated_to_is_an_anchor_too() -> None:
    log = MotionLog()
    log.cast("lip-a", "yes")
    new = Signer.generate("lipvote.test")
    log.rotate(new)
    log.cast("lip-b", "no")
    log.close()
    assert verify_bundle(log.bundle(), trusted_keys=[new.vkey]).verified
    assert verify_bundle(log.bundle(), trusted_keys=[log.first_vkey]).verified
    failed = verify_bundle(log.bundle(), trusted_keys=[Signer.generate("lipvote.test").vkey])
    assert not failed.ok and "not a key you pinned" in failed.check("trust anchor").message


def test_a_malformed_pinned_key_fails_the_anchor(log: MotionLog) -> None:
    check = verify_bundle(log.bundle(), trusted_keys=["nope"]).check("trust anchor")
    assert check.status == "failed" and "a pinned key is not a verifier key" in check.message


def _cli(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(args), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_exit_status_4_without_an_anchor_0_with_a_key_list(tmp_path: Path, log: MotionLog) -> None:
    bundle = tmp_path / "b.json"
    bundle.write_text(json.dumps(log.bundle()))
    code, out, _ = _cli(tmp_path, str(bundle))
    assert code == 4 and out.splitlines()[-1].startswith("NOT verified: self-consistent, but its origin")
    keys = tmp_path / "keys.txt"
    keys.write_text(f"# the federation's keys\n\n{log.first_vkey}\n")
    code, out, _ = _cli(tmp_path, str(bundle), "--keys", str(keys))
    assert code == 0 and out.splitlines()[-1].startswith("verified: every check passed")
    keys.write_text("not a key\n")
    code, _, err = _cli(tmp_path, str(bundle), "--keys", str(keys))
    assert code == 2 and "key list" in err and "line 1" in err
    keys.write_text("# nothing\n")
    code, _, err = _cli(tmp_path, str(bundle), "--keys", str(keys))
    assert code == 2 and "no verifier key in it" in err
