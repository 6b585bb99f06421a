"""Cosignatures (C2SP tlog-cosignature v1) and the witness's add-checkpoint logic (C2SP tlog-witness).

Published vectors: C2SP/C2SP tlog-cosignature.md (@ 01194db11950a0ae2b2b2401afa0a4063a822458):
the example checkpoint of example.com/behind-the-sofa, its cosignature line by
witness.example.com/w1 and the example signed message "cosignature/v1 / time 1679315147 / ...";
C2SP/C2SP signed-note.md (@ 055287621bf3cd13ff4394418a3e8efc2d5e8ed7): the quasimodo.example
note (its text holds an empty line; the last one separates the signatures);
golang/mod sumdb/note/note_test.go (@ 02c991387e35f9e4c0a9b7ce137717055f8d716d): the
PeterNeumann key (its seed is reused here as a witness key of type 0x04).
Neither C2SP example publishes its key, so they test the parsing and the signed bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballots import merkle
from ballots.checkpoint import sign_checkpoint
from ballots.cosignature import (
    Cosigner,
    WitnessKey,
    add_cosignatures,
    cosignature_message,
    cosignatures,
    parse_witness_vkey,
)
from ballots.errors import KeyFormatError, SignatureError
from ballots.note import Signer, _split, open_note
from ballots.witness import SIZE_CONTENT_TYPE, Witness, add_checkpoint_request, read_evidence
from tests.conftest import examples

# C2SP tlog-cosignature.md, "Format" and "Ed25519 signed message"
SPEC_CHECKPOINT = ("example.com/behind-the-sofa\n20852163\n"
                   "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")
SPEC_COSIGNATURE = ("\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeol"
                    "MI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==")
SPEC_MESSAGE = ("cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
                "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")
SPEC_COSIGNED_NOTE = (SPEC_CHECKPOINT + "\n\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZni"
                      "Mp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n" + SPEC_COSIGNATURE + "\n")
# C2SP signed-note.md, the opening example
SPEC_NOTE = ("Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned \u00e8 subito sera.\n\n"
             "\u2014 quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXx"
             "j99ihAQwaqP3ZekRwNtIc=\n")
# golang/mod sumdb/note: PeterNeumann's seed (PRIVATE+KEY+PeterNeumann+c74f20a3+AYEK...)
PETER_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
ORIGIN_BASE = "lipvote.test"
ORIGIN = "lipvote.test/motion/1"


def test_signed_message_is_the_specs_example() -> None:
    assert cosignature_message(SPEC_CHECKPOINT, 1679315147) == SPEC_MESSAGE.encode()


def test_spec_cosignature_line_is_key_id_timestamp_signature() -> None:
    blob = base64.b64decode(SPEC_COSIGNATURE.split(" ")[2])
    assert len(blob) == 4 + 8 + 64
    assert int.from_bytes(blob[4:12], "big") == 1679315147  # the example message's time line


def test_spec_cosigned_checkpoint_parses_and_unknown_witnesses_are_ignored() -> None:
    stranger = WitnessKey("witness.example.com/w1", bytes(32))  # same name, another key: another ID
    assert stranger.key_id != 0x8D66CF3F
    assert cosignatures(SPEC_COSIGNED_NOTE, [stranger]) == ([], [])
    [_log, cosig] = _split(SPEC_COSIGNED_NOTE)[1]
    assert (cosig.name, cosig.key_id) == ("witness.example.com/w1", 0x8D66CF3F)


def test_spec_signed_note_splits_at_the_last_empty_line() -> None:
    text, [sig] = _split(SPEC_NOTE)
    assert text.endswith("sole:\n\ned \u00e8 subito sera.\n") and sig.name == "quasimodo.example/salvatore"
    with pytest.raises(SignatureError, match="no signature from a trusted key"):
        open_note(SPEC_NOTE, [Signer.generate("quasimodo.example/salvatore").verifier])


def test_key_id_uses_signature_type_4() -> None:
    c = Cosigner.from_seed("PeterNeumann", PETER_SEED)
    raw = c.key.public_key
    assert c.key.key_id == int.from_bytes(
        hashlib.sha256(b"PeterNeumann\n\x04" + raw).digest()[:4], "big")
    # the same key as a note signer (type 0x01) has the published key ID c74f20a3, not this one
    assert Signer.from_skey("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09"
                            "iUvxdXHKDFz").key_id == 0xC74F20A3 != c.key.key_id
    assert parse_witness_vkey(c.vkey) == c.key
    assert Cosigner.from_skey(c.to_skey()).vkey == c.vkey


@pytest.mark.parametrize("vkey, why", [
    ("w+00000000+AQ==", "want 0x04"),
    ("w+0000000g+BA==", "8 lowercase hex"),
    ("w", "name\\+keyid\\+base64"),
])
def test_bad_witness_keys_are_refused(vkey: str, why: str) -> None:
    with pytest.raises(KeyFormatError, match=why):
        parse_witness_vkey(vkey)


def test_note_signer_vkey_is_not_a_witness_key() -> None:
    with pytest.raises(KeyFormatError, match="want 0x04"):
        parse_witness_vkey(Signer.generate("log").vkey)


def test_cosignature_round_trip_and_tamper() -> None:
    log = Signer.generate(ORIGIN_BASE)
    w = Cosigner.from_seed("PeterNeumann", PETER_SEED)
    note = sign_checkpoint(log, ORIGIN, 3, bytes(32))
    text = note[: note.index("\n\n") + 1]
    line = w.cosign(text, 1679315147)
    assert line == w.cosign(text, 1679315147)  # Ed25519 is deterministic
    cosigned = add_cosignatures(note, [line])
    assert add_cosignatures(cosigned, [line]) == cosigned
    found, problems = cosignatures(cosigned, [w.key])
    assert [(c.witness, c.timestamp) for c in found] == [(w.key, 1679315147)] and not problems
    open_note(cosigned, [log.verifier])  # the log's own check ignores the cosignature
    other = Cosigner.generate("PeterNeumann")
    assert cosignatures(cosigned, [other.key]) == ([], [])
    forged = cosigned.replace("\n3\n", "\n4\n")
    assert cosignatures(forged, [w.key])[0] == []
    assert "does not verify" in cosignatures(forged, [w.key])[1][0]


# --------------------------------------------------------------------------
# The witness


class Log:
    """A log under test: leaves, a signing key, signed checkpoints and proofs."""

    def __init__(self, signer: Signer, origin: str = ORIGIN) -> None:
        self.signer, self.origin, self.tree = signer, origin, merkle.Tree()

    def add(self, *items: str) -> None:
        for item in items:
            self.tree.append(merkle.leaf_hash(item.encode()))

    def note(self, size: int | None = None) -> str:
        size = self.tree.size if size is None else size
        return sign_checkpoint(self.signer, self.origin, size, self.tree.root(size))

    def request(self, old: int, size: int | None = None) -> bytes:
        size = self.tree.size if size is None else size
        proof = self.tree.consistency_proof(old, size) if old else []
        return add_checkpoint_request(old, proof, self.note(size))


@pytest.fixture
def log_key() -> Signer:
    return Signer.generate(ORIGIN_BASE)


@pytest.fixture
def witness(tmp_path, log_key) -> Witness:
    return Witness(Cosigner.from_seed("lip.halifax.example/witness", PETER_SEED),
                   [log_key.verifier], tmp_path / "state", clock=lambda: 1_790_000_000)


def test_first_checkpoint_and_growth_are_cosigned(witness, log_key) -> None:
    log = Log(log_key)
    log.add("a", "b", "c")
    a = witness.add_checkpoint(log.request(0))
    assert a.status == 200
    found, _ = cosignatures(add_cosignatures(log.note(), [a.body.decode()]), [witness.cosigner.key])
    assert found[0].timestamp == 1_790_000_000
    log.add("d", "e")
    assert witness.add_checkpoint(log.request(3)).status == 200
    assert witness.held(ORIGIN)[0] == 5
    assert witness.add_checkpoint(log.request(5)).status == 200  # the same checkpoint again


def test_stale_old_size_gets_409_with_the_witness_size(witness, log_key) -> None:
    log = Log(log_key)
    log.add("a", "b", "c", "d")
    assert witness.add_checkpoint(log.request(0)).status == 200
    log.add("e")
    a = witness.add_checkpoint(log.request(2))
    assert (a.status, a.body, a.content_type) == (409, b"4\n", SIZE_CONTENT_TYPE)


def test_rolled_back_log_is_refused(witness, log_key) -> None:
    log = Log(log_key)
    log.add("a", "b", "c", "d", "e")
    assert witness.add_checkpoint(log.request(0)).status == 200
    rolled_back = add_checkpoint_request(5, [], log.note(3))
    assert witness.add_checkpoint(rolled_back).status == 400  # old above the new size
    a = witness.add_checkpoint(log.request(3, 3))  # pretends the witness held 3
    assert (a.status, a.body) == (409, b"5\n")
    assert witness.held(ORIGIN)[0] == 5


def test_forked_log_gets_422_and_the_pair_is_kept(witness, log_key) -> None:
    log = Log(log_key)
    log.add("a", "b", "c")
    assert witness.add_checkpoint(log.request(0)).status == 200
    held_note = witness.held(ORIGIN)[2]
    fork = Log(log_key)
    fork.add("a", "B", "c", "d")  # leaf 1 rewritten: the same key signs another history
    a = witness.add_checkpoint(fork.request(3))
    assert a.status == 422 and b"not consistent" in a.body
    assert witness.held(ORIGIN)[0] == 3
    [evidence] = witness.evidence_files()
    origin, held, offered = read_evidence(evidence.read_bytes())
    assert (origin, held, offered) == (ORIGIN, held_note, fork.note())
    assert json.loads(evidence.read_bytes())["old_size"] == 3


def test_same_size_other_root_is_409_and_evidence(witness, log_key) -> None:
    log = Log(log_key)
    log.add("a", "b")
    assert witness.add_checkpoint(log.request(0)).status == 200
    fork = Log(log_key)
    fork.add("a", "X")
    a = witness.add_checkpoint(add_checkpoint_request(2, [], fork.note()))
    assert (a.status, a.body) == (409, b"2\n")
    assert len(witness.evidence_files()) == 1


def test_unknown_origin_bad_signature_and_garbage(witness, log_key) -> None:
    other = Log(log_key, origin="elsewhere.example/log")
    other.add("a")
    assert witness.add_checkpoint(other.request(0)).status == 404
    impostor = Log(Signer.generate(ORIGIN_BASE))
    impostor.add("a")
    assert witness.add_checkpoint(impostor.request(0)).status == 403
    for body in (b"", b"old 01\n\n", b"old 1\nnot-base64\n\n", b"\xff\xfe", b"old 0\n\nx\n"):
        assert witness.add_checkpoint(body).status == 400
    log = Log(log_key)
    log.add("a", "b")
    assert witness.add_checkpoint(add_checkpoint_request(0, [bytes(32)], log.note())).status == 400
    assert witness.held(ORIGIN) is None


def test_state_survives_a_restart(tmp_path, witness, log_key) -> None:
    log = Log(log_key)
    log.add("a", "b", "c")
    assert witness.add_checkpoint(log.request(0)).status == 200
    again = Witness(witness.cosigner, [log_key.verifier], witness.state_dir)
    assert again.held(ORIGIN)[0] == 3
    assert again.add_checkpoint(log.request(0)).status == 409


@settings(max_examples=examples(25), deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=8))
def test_witness_accepts_every_consistent_extension(tmp_path_factory, growth: list[int]) -> None:
    key = Signer.generate(ORIGIN_BASE)
    w = Witness(Cosigner.generate("w"), [key.verifier], tmp_path_factory.mktemp("w"))
    log = Log(key)
    held = 0
    for n in growth:
        log.add(*(f"leaf {log.tree.size + i}" for i in range(n)))
        a = w.add_checkpoint(log.request(held))
        assert a.status == 200, a.body
        held = log.tree.size
        assert cosignatures(add_cosignatures(log.note(), [a.body.decode()]), [w.cosigner.key])[0]
