"""What a receipt page keeps instead of doing again (issue 12, third pass): the checked root of a
signed checkpoint and the QR code of an audit link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from app import board, qr
from ballots.checkpoint import sign_checkpoint
from ballots.errors import BallotsError
from ballots.note import Signer

ORIGIN = "lipvote.example/motion/7"
ROOT = bytes(range(32))


@dataclass(frozen=True)
class _Log:
    """The two fields of a transparency log that `board.signed_root` reads."""

    origin: str
    verifier_key: str


def _fail(*_args: Any, **_kwargs: Any) -> None:
    pytest.fail("the work was done again")


def test_a_checkpoint_once_checked_is_not_checked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    signer = Signer.generate(ORIGIN)
    log = _Log(ORIGIN, signer.vkey)
    note = sign_checkpoint(signer, ORIGIN, 3, ROOT)
    assert board.signed_root(log, note) == ROOT
    monkeypatch.setattr(board, "open_checkpoint", _fail)
    assert board.signed_root(log, note) == ROOT


def test_a_checkpoint_is_checked_against_each_key_and_origin_it_is_asked_about() -> None:
    signer, other = Signer.generate(ORIGIN), Signer.generate(ORIGIN)
    note = sign_checkpoint(signer, ORIGIN, 3, ROOT)
    assert board.signed_root(_Log(ORIGIN, signer.vkey), note) == ROOT
    # The same text kept as checked under one key is refused under another, every time.
    for _ in range(2):
        with pytest.raises(BallotsError):
            board.signed_root(_Log(ORIGIN, other.vkey), note)
        with pytest.raises(BallotsError):
            board.signed_root(_Log("lipvote.example/motion/8", signer.vkey), note)


def test_a_tampered_checkpoint_is_refused_after_the_genuine_one_was_kept() -> None:
    signer = Signer.generate(ORIGIN)
    log = _Log(ORIGIN, signer.vkey)
    note = sign_checkpoint(signer, ORIGIN, 3, ROOT)
    assert board.signed_root(log, note) == ROOT
    tampered = note.replace("\n3\n", "\n4\n", 1)
    assert tampered != note
    for _ in range(2):
        with pytest.raises(BallotsError):
            board.signed_root(log, tampered)


def test_an_audit_link_is_drawn_once(monkeypatch: pytest.MonkeyPatch) -> None:
    link = "https://lipvote.example/audit/motions/12?code=WXYZ-EFGH-JKLM-NPQR"
    first = qr.qr_svg(link, "QR code of the audit link")
    monkeypatch.setattr(qr.segno, "make", _fail)
    assert qr.qr_svg(link, "QR code of the audit link") == first


def test_each_link_and_each_title_gets_its_own_code() -> None:
    link = "https://lipvote.example/audit/motions/12?code=WXYZ-EFGH-JKLM-NPQA"
    english = qr.qr_svg(link, "QR code of the audit link")
    french = qr.qr_svg(link, "Code QR du lien de vérification")
    assert "<title>Code QR du lien de vérification</title>" in french and french != english
    assert qr.qr_svg(link.replace("NPQA", "NPQB"), "QR code of the audit link") != english
