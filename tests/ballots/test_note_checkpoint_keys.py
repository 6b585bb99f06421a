"""Signed notes, checkpoints and signing keys.

Published vectors: golang/mod sumdb/note/note_test.go
(@ 02c991387e35f9e4c0a9b7ce137717055f8d716d): the PeterNeumann and EnochRoot
keys, the signed "If you think cryptography..." note and its two signatures.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import threading
from pathlib import Path

import pytest

from ballots import checkpoint as cpmod
from ballots import keys, leaves, merkle
from ballots.errors import KeyFormatError, NoteError, SignatureError, VerificationError
from ballots.note import Signer, open_note, parse_vkey, sign_note

# golang/mod sumdb/note/note_test.go, TestSign / TestOpen / TestVerifierList
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = ("If you think cryptography is the answer to your problem,\n"
        "then you don't know what your problem is.\n")
PETER_SIG = ("\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2p"
             "ZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
ENOCH_SIG = ("\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovT"
             "G01oOTGwnWLox33WWd1RvMc+QQ=\n")


def test_go_vkey_parses_and_key_id_matches_spec() -> None:
    v = parse_vkey(PETER_VKEY)
    assert v.name == "PeterNeumann" and v.key_id == 0xC74F20A3
    # key ID = SHA-256(name || 0x0A || 0x01 || pubkey)[:4], C2SP signed-note
    raw = base64.b64decode(PETER_VKEY.split("+")[2])
    assert hashlib.sha256(b"PeterNeumann\n" + raw).digest()[:4] == bytes.fromhex("c74f20a3")
    assert v.vkey == PETER_VKEY
    assert parse_vkey(ENOCH_VKEY).key_id == 0xAF0CFE78


def test_go_signing_key_reproduces_published_signature() -> None:
    signer = Signer.from_skey(PETER_SKEY)
    assert signer.vkey == PETER_VKEY
    assert signer.to_skey() == PETER_SKEY
    assert sign_note(TEXT, [signer]) == TEXT + "\n" + PETER_SIG


def test_go_open_one_known_one_unknown_signature() -> None:
    opened = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [parse_vkey(PETER_VKEY)])
    assert opened.text == TEXT and opened.verified_by.name == "PeterNeumann"
    assert [s.name for s in opened.signatures] == ["PeterNeumann", "EnochRoot"]
    both = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG,
                     [parse_vkey(ENOCH_VKEY), parse_vkey(PETER_VKEY)])
    assert both.text == TEXT


def test_go_open_failures() -> None:
    peter = [parse_vkey(PETER_VKEY)]
    with pytest.raises(SignatureError, match="no signature from a trusted key"):
        open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [])
    with pytest.raises((SignatureError, NoteError)):  # corrupted base64 inside the signature
        open_note(TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:], peter)
    bad_msgs = [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT + "\n" + "\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2p"
        "ZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
    ]
    for msg in bad_msgs:
        with pytest.raises(NoteError):
            open_note(msg, peter)
    with pytest.raises(NoteError, match="101 signatures"):
        open_note(TEXT + "\n" + PETER_SIG * 101, peter)


def test_tampered_text_fails_signature() -> None:
    with pytest.raises(SignatureError, match=r"signature by PeterNeumann\+c74f20a3 does not verify"):
        open_note(TEXT.replace("answer", "ANSWER") + "\n" + PETER_SIG, [parse_vkey(PETER_VKEY)])


@pytest.mark.parametrize(
    ("vkey", "message"),
    [
        ("PeterNeumann+c74f20a3", "got 2 '\\+'-separated parts"),
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key id: got c74f20a4, want c74f20a3"),
        # golang/mod note_test.go TestNewVerifier: wrong length key, with adjusted key hash
        ("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", "want 0x01 then a 32-byte"),
        # ... and unknown algorithm, with adjusted key hash
        ("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "want 0x01 then a 32-byte"),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key name"),
        ("PeterNeumann+c74f20a3+!!!", "not standard base64"),
    ],
)
def test_bad_vkeys(vkey: str, message: str) -> None:
    with pytest.raises(KeyFormatError, match=message):
        parse_vkey(vkey)


def test_every_truncation_of_the_go_vkey_is_rejected() -> None:
    # golang/mod note_test.go TestNewVerifier checks all proper substrings.
    for i in range(len(PETER_VKEY)):
        for j in range(i + 1, len(PETER_VKEY) + 1):
            if (i, j) != (0, len(PETER_VKEY)):
                with pytest.raises(KeyFormatError):
                    parse_vkey(PETER_VKEY[i:j])


# --------------------------------------------------------------------------
# Checkpoints


def test_checkpoint_round_trip_and_exact_text() -> None:
    signer = Signer.from_skey(PETER_SKEY)
    root = merkle.root_hash([merkle.leaf_hash(b"")])
    note = cpmod.sign_checkpoint(signer, "lipvote.example/m-1", 1, root)
    body = "lipvote.example/m-1\n1\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\n"
    assert note.startswith(body + "\n\u2014 PeterNeumann ")
    sc = cpmod.open_checkpoint(note, [signer.verifier], origin="lipvote.example/m-1")
    assert (sc.origin, sc.size, sc.root) == ("lipvote.example/m-1", 1, root)
    with pytest.raises(VerificationError, match="origin: got 'lipvote.example/m-1', want 'x'"):
        cpmod.open_checkpoint(note, [signer.verifier], origin="x")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("o\n01\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\n", "without leading zeros"),
        ("o\n-1\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\n", "size"),
        ("o\n1\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0\n", "not standard base64"),
        ("o\n1\nV3JvbmdSb290\n", "root: got 9 bytes, want 32"),
        ("o\n1\n", "want three lines"),
        ("o\n1\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\next\n", "extension line"),
        ("\n1\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\n", "origin"),
    ],
)
def test_bad_checkpoint_bodies(body: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        cpmod.parse_checkpoint(body)


def test_checkpoint_signed_by_another_key_is_refused() -> None:
    other = Signer.generate("PeterNeumann")  # same name, other key: ignored as unknown
    note = cpmod.sign_checkpoint(other, "o", 1, merkle.leaf_hash(b""))
    with pytest.raises(SignatureError, match="no signature from a trusted key"):
        cpmod.open_checkpoint(note, [parse_vkey(PETER_VKEY)])


# --------------------------------------------------------------------------
# Keys on disk and rotation


def test_load_or_create_makes_a_0600_key_and_reloads_it(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "signing.key"
    a = keys.load_or_create(path, "lipvote.example")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    b = keys.load_or_create(path, "ignored-name")
    assert a.vkey == b.vkey and b.name == "lipvote.example"
    assert path.read_text().startswith("PRIVATE+KEY+lipvote.example+")
    assert [p.name for p in path.parent.iterdir()] == ["signing.key"]  # no temp files left


def test_load_or_create_race_yields_one_key(tmp_path: Path) -> None:
    path = tmp_path / "k"
    results: list[str] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        results.append(keys.load_or_create(path, "n").vkey)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and len(set(results)) == 1
    assert keys.load_signing_key(path).vkey == results[0]


def test_bad_key_files(tmp_path: Path) -> None:
    with pytest.raises(KeyFormatError, match="No such file"):
        keys.load_signing_key(tmp_path / "missing")
    (tmp_path / "bad").write_text("PRIVATE+KEY+x+00000000+AAAA")
    with pytest.raises(KeyFormatError, match="signing key file .*bad"):
        keys.load_signing_key(tmp_path / "bad")
    (tmp_path / "id").write_text(PETER_SKEY.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(KeyFormatError, match="signing key id: got 'c74f20a4', want c74f20a3"):
        keys.load_signing_key(tmp_path / "id")


def test_rotation_leaf_is_followed_and_forgery_refused() -> None:
    old, new, evil = Signer.generate("lv"), Signer.generate("lv"), Signer.generate("lv")
    text = keys.key_rotation_leaf(motion="m-1", origin="o/m-1", old=old, new_vkey=new.vkey,
                                  announced_at="2025-03-01T14:05:00Z")
    leaf = leaves.parse_leaf(text)
    assert isinstance(leaf, leaves.KeyLeaf)
    assert keys.follow_rotation(leaf, "o/m-1", old.verifier).vkey == new.vkey
    with pytest.raises(VerificationError, match="does not match"):
        keys.follow_rotation(leaf, "o/m-2", old.verifier)  # replayed into another log
    forged = leaves.parse_leaf(keys.key_rotation_leaf(
        motion="m-1", origin="o/m-1", old=evil, new_vkey=evil.vkey,
        announced_at="2025-03-01T14:05:00Z"))
    with pytest.raises(SignatureError):
        keys.follow_rotation(forged, "o/m-1", old.verifier)
