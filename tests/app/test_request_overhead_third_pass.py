"""What a receipt page keeps instead of doing again (issue 12, third pass): the checked root of a
signed checkpoint, the QR code of an audit link, the delegate's ballots counted by the database,
the catalogue a page's strings are translated with, and the header's unread count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from flask_babel import force_locale, get_locale
from sqlalchemy import event, select

from app import board, i18n, qr
from app.database import write_transaction
from app.extensions import db
from app.mail.models import Notification
from app.models import User
from app.motions.delegate import delegate_rows, next_awaiting
from app.motions.models import Motion
from ballots.checkpoint import sign_checkpoint
from ballots.errors import BallotsError
from ballots.note import Signer
from tests.app import test_delegate
from tests.app.motion_helpers import cast_as
from tests.app.test_delegate import as_user, new_motion

fed = test_delegate.fed  # halifax (delegate@ and alt.halifax@), bow-valley, ottawa (ottawa@)

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


def test_the_delegates_rows_count_changed_votes_and_name_the_counted_one(fed: Flask) -> None:
    """The rows of the receipt page's "next motion" and the delegate's list are counted by the
    database; a vote changed several times is one row naming the ballot that counts."""
    changed, voted, waiting = (new_motion(fed, revote=True, title=f"Motion {n}") for n in range(3))
    with fed.app_context():
        for choice in ("yes", "no", "abstain"):
            cast_as(changed, "delegate@example.org", choice)
        last = cast_as(changed, "delegate@example.org", "yes").index
        cast_as(voted, "delegate@example.org", "no")
        cast_as(voted, "ottawa@example.org", "yes")  # another member's ballot is not the delegate's
        user = db.session.scalar(select(User).where(User.email == "delegate@example.org"))
        rows = {row.motion.id: row for row in delegate_rows(user)}
        assert (rows[changed].status, rows[changed].receipt_index) == ("changed", last)
        assert (rows[voted].status, rows[voted].receipt_index) == ("voted", 1)
        assert (rows[waiting].status, rows[waiting].receipt_index) == ("not_yet", None)
        assert {row.member.slug for row in rows.values()} == {"halifax"}
        assert next_awaiting(user).motion.id == waiting
        assert next_awaiting(user, after=db.session.get(Motion, waiting)) is None


def test_a_page_looks_its_catalogue_up_once_and_again_for_another_language(app: Flask,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    looked_up: list[str] = []
    real = i18n.get_translations

    def counted() -> Any:
        looked_up.append(str(get_locale()))
        return real()

    monkeypatch.setattr(i18n, "get_translations", counted)
    page = "{{ _('Sign out') }}|{{ _('Sign in') }}|{{ ngettext('%(num)d ballot', '%(num)d ballots', 2) }}"
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        french = render_template_string(page)
        with force_locale("en"):
            english = render_template_string(page)
        again = render_template_string(page)
    assert french == again and french.startswith("Se déconnecter|") and english.startswith("Sign out|Sign in|")
    assert looked_up == ["fr", "en", "fr"]


def _add_notice(app: Flask, email: str, ref: str) -> None:
    with app.app_context(), write_transaction():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        db.session.add(Notification(user_id=user_id, kind="test", text_en="A notice", text_fr="Un avis", path="/home",
                                    ref=ref))


def test_the_header_count_comes_with_the_session_and_follows_new_notices(fed: Flask, client: FlaskClient) -> None:
    as_user(client, "delegate@example.org")
    _add_notice(fed, "delegate@example.org", "one")
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    with fed.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        first = client.get("/home").get_data(as_text=True)
        _add_notice(fed, "delegate@example.org", "two")
        seen.clear()
        second = client.get("/home").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert '<span aria-hidden="true"> (1)</span>' in first
    assert '<span aria-hidden="true"> (2)</span>' in second
    notification_reads = [s for s in seen if "FROM notification" in s]
    assert len(notification_reads) == 1 and "user_session" in notification_reads[0], notification_reads
