"""The public audit pages, receipt checks against the live log, and the auditors' trail.

Every check goes through the test client and is judged with the pure `ballots` verifier, so a
page that showed or served the wrong evidence would fail here.
"""

from __future__ import annotations

import io
import re
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import board
from app.audit_portal import export
from app.extensions import db
from app.models import AuditEvent, DelegateRank, Member, Role
from app.motions.models import LogLeaf, Motion
from ballots import merkle
from ballots.checkpoint import open_checkpoint, sign_checkpoint
from ballots.cli import main as verify_main
from ballots.leaves import ballot_leaf, parse_leaf
from ballots.note import Signer, b64decode_strict, b64encode, parse_vkey
from ballots.receipt import build_receipt, receipt_to_tlog_proof
from ballots.verify import verify_bundle
from tests.app.motion_helpers import cast_as, close_now, draft_motion, open_now
from tests.conftest import Person, add_member, add_user, csrf_token, post_form, sign_in

SECRET_NAMES = ("Halifax LIP", "halifax", "Bow Valley", "bow-valley", "Ottawa LIP", "ottawa")


@pytest.fixture
def voters(app: Flask, people: dict[str, Person]) -> Flask:
    """The `people` federation (halifax with a delegate, bow-valley) plus ottawa, each with a delegate."""
    with app.app_context():
        bow = db.session.scalar(select(Member).where(Member.slug == "bow-valley"))
        add_user("bow@example.org", Role.DELEGATE, bow, DelegateRank.PRIMARY, password=None)
        ottawa = add_member("ottawa", name_en="Ottawa LIP", name_fr="PLI d'Ottawa")
        add_user("ottawa@example.org", Role.DELEGATE, ottawa, DelegateRank.PRIMARY, password=None)
        db.session.commit()
    return app


def _motion_with_ballots(app: Flask, *, secret: bool = False, close: bool = True, revote: bool = False) -> tuple[int, list[dict[str, Any]]]:
    with app.app_context():
        motion_id = draft_motion(secret=secret, revote=revote)
        open_now(motion_id)
        receipts = [cast_as(motion_id, "delegate@example.org", "yes").receipt,
                    cast_as(motion_id, "bow@example.org", "no").receipt,
                    cast_as(motion_id, "ottawa@example.org", "yes").receipt]
        if close:
            close_now(motion_id)
    return motion_id, receipts


def _page(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


# --- public motion page ------------------------------------------------------------------------


def test_anonymous_sees_origin_key_checkpoint_and_entries(voters: Flask, client: FlaskClient) -> None:
    motion_id, receipts = _motion_with_ballots(voters)
    html = _page(client, f"/audit/motions/{motion_id}")
    with voters.app_context():
        log = db.session.get(Motion, motion_id).log
        assert log.origin in html
        assert log.verifier_key in html
        assert f"{parse_vkey(log.verifier_key).key_id:08x}" in html
        assert board.latest_checkpoint(log).split("\n")[2] in html  # the root line of the signed note
    for receipt in receipts:
        assert receipt["tracking_code"] in html
    assert "Halifax LIP" in html and "Ottawa LIP" in html  # a recorded ballot names its member
    assert f'href="/results/motions/{motion_id}"' in html
    assert f"lipvote verify lipvote-motion-{motion_id}-bundle.json --key" in html


def test_drafts_and_unknown_motions_are_not_public(voters: Flask, client: FlaskClient) -> None:
    with voters.app_context():
        draft = draft_motion()
    for url in (f"/audit/motions/{draft}", f"/audit/motions/{draft}/bundle.json", f"/audit/motions/{draft}/checkpoint",
                f"/audit/motions/{draft}/consistency?old=1", f"/audit/motions/{draft}/receipt", "/audit/motions/9999"):
        assert client.get(url).status_code == 404, url
    assert "Adopt the representative framework" not in _page(client, "/audit/")


def test_secret_ballot_pages_and_bundle_name_no_member(voters: Flask, client: FlaskClient, login: Any) -> None:
    motion_id, receipts = _motion_with_ballots(voters, secret=True)
    login("observer")
    for url in (f"/audit/motions/{motion_id}", f"/audit/motions/{motion_id}?code={receipts[0]['tracking_code']}",
                f"/results/motions/{motion_id}", f"/audit/motions/{motion_id}/bundle.json"):
        text = _page(client, url)
        if url.endswith(".json"):
            continue  # the weight snapshot lists every eligible member; the ballots are checked below
        # the power report lists the weights in force by member, as leaf 0 publishes them (like the
        # bundle); nothing else on the page may name a member
        text = re.sub(r'<section class="power-report".*?</section>', "", text, flags=re.S)
        leaked = [name for name in SECRET_NAMES if name in text]
        assert not leaked, (url, leaked)
    bundle = client.get(f"/audit/motions/{motion_id}/bundle.json").get_json()
    ballots = [parse_leaf(t) for t in bundle["leaves"][1:-1]]
    assert len(ballots) == 3 and all(b.member is None for b in ballots)


def test_entries_are_paged_fifty_at_a_time_and_mark_superseded_ballots(voters: Flask, client: FlaskClient) -> None:
    with voters.app_context():
        motion_id = draft_motion(revote=True)
        open_now(motion_id)
        for n in range(55):
            cast_as(motion_id, "delegate@example.org", "yes" if n % 2 else "no")
    first = _page(client, f"/audit/motions/{motion_id}")
    second = _page(client, f"/audit/motions/{motion_id}?page=2")
    assert 'id="entry-0"' in first and 'id="entry-49"' in first and 'id="entry-50"' not in first
    assert 'id="entry-50"' in second and 'id="entry-55"' in second and 'id="entry-0"' not in second
    assert "Page 2 of 2" in second
    # leaves 1..54 were replaced by the next ballot; leaf 55 is the one that counts
    assert first.count("<strong>superseded</strong>") == 49
    assert second.count("<strong>superseded</strong>") == 5
    assert "replaces entry 54" in second
    assert 'id="entry-55"' in _page(client, f"/audit/motions/{motion_id}?page=99")  # clamped to the last page


def test_search_by_tracking_code(voters: Flask, client: FlaskClient) -> None:
    motion_id, receipts = _motion_with_ballots(voters, close=False)
    code = receipts[1]["tracking_code"]
    typed = code.lower().replace("-", " ")
    html = _page(client, f"/audit/motions/{motion_id}?code={typed}")
    assert f"Found: entry {receipts[1]['index']} of this log." in html
    bad = _page(client, f"/audit/motions/{motion_id}?code=not-a-code", 422)
    assert "is not a tracking code" in bad
    missing = _page(client, f"/audit/motions/{motion_id}?code=0000-0000-0000-0000", 404)
    assert "Tracking code not found" in missing and "0000-0000-0000-0000" in missing


def test_bundle_is_refused_while_open_then_downloads_and_verifies(voters: Flask, client: FlaskClient) -> None:
    motion_id, receipts = _motion_with_ballots(voters, close=False)
    assert "still open" in _page(client, f"/audit/motions/{motion_id}/bundle.json", 409)
    with voters.app_context():
        close_now(motion_id)
        expected = export.motion_bundle_bytes(db.session.get(Motion, motion_id))
    response = client.get(f"/audit/motions/{motion_id}/bundle.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f"attachment; filename=lipvote-motion-{motion_id}-bundle.json"
    assert response.data == expected
    report = verify_bundle(response.get_json(), receipts=receipts)
    assert report.ok, [(c.name, c.message) for c in report.failures()]


def test_checkpoint_text_is_the_signed_latest_checkpoint(voters: Flask, client: FlaskClient) -> None:
    motion_id, _ = _motion_with_ballots(voters, close=False)
    response = client.get(f"/audit/motions/{motion_id}/checkpoint")
    assert response.mimetype == "text/plain"
    with voters.app_context():
        log = db.session.get(Motion, motion_id).log
        signed = open_checkpoint(response.get_data(as_text=True), [parse_vkey(log.verifier_key)], origin=log.origin)
        assert signed.checkpoint.size == log.size == 4
        assert signed.checkpoint.root == board.tree(log, log.size).root()


def test_consistency_proof_links_an_old_checkpoint_to_the_current_one(voters: Flask, client: FlaskClient) -> None:
    motion_id, _ = _motion_with_ballots(voters)
    with voters.app_context():
        log = db.session.get(Motion, motion_id).log
        verifier = parse_vkey(log.verifier_key)
    for old in range(1, 6):
        data = client.get(f"/audit/motions/{motion_id}/consistency?old={old}").get_json()
        before = open_checkpoint(data["old_checkpoint"], [verifier], origin=data["origin"]).checkpoint
        after = open_checkpoint(data["checkpoint"], [verifier], origin=data["origin"]).checkpoint
        assert (before.size, after.size, data["new_size"]) == (old, 5, 5)
        merkle.verify_consistency(old, 5, [b64decode_strict(p, "proof") for p in data["proof"]], before.root, after.root)
    for bad in ("0", "6", "abc", ""):
        response = client.get(f"/audit/motions/{motion_id}/consistency?old={bad}")
        assert response.status_code == 422 and "want a whole number from 1 to 5" in response.get_json()["message"]


def test_key_page_shows_the_signing_key(voters: Flask, client: FlaskClient) -> None:
    with voters.app_context():
        vkey = board.signer().vkey
    html = _page(client, "/audit/key")
    assert vkey in html and f"{parse_vkey(vkey).key_id:08x}" in html
    fingerprint = parse_vkey(vkey).fingerprint
    assert _fingerprint_shown(html) == fingerprint and "Compare the fingerprint" in html
    french = client.get("/audit/key", headers={"Accept-Language": "fr-CA,fr;q=0.9"}).get_data(as_text=True)
    assert _fingerprint_shown(french) == fingerprint and "Comparez l’empreinte" in french


def test_fingerprint_on_the_motion_page_and_the_receipt_check(voters: Flask, client: FlaskClient) -> None:
    motion_id, receipts = _motion_with_ballots(voters)
    assert receipts[0]["format"] == "lipvote-receipt/2"
    fingerprint = receipts[0]["key_fingerprint"]
    assert _fingerprint_shown(_page(client, f"/audit/motions/{motion_id}")) == fingerprint
    checked = _check(client, motion_id, json.dumps(receipts[0])).get_data(as_text=True)
    assert "This check uses the server’s own signing key" in checked and _fingerprint_shown(checked) == fingerprint
    # a receipt naming another key (the fingerprint it carries is that key's) is not this server's
    other = Signer.generate("lipvote.local").vkey
    forged = dict(receipts[0], verifier_key=other, key_fingerprint=parse_vkey(other).fingerprint)
    refused = _check(client, motion_id, json.dumps(forged))
    assert refused.status_code == 422 and "not a key this log is signed with" in refused.get_data(as_text=True)


def _fingerprint_shown(html: str) -> str:
    found = re.search(r'<code class="key-fingerprint"[^>]*>(.*?)</code>', html, re.S)
    assert found is not None
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()


# --- receipts -------------------------------------------------------------------------------------


def _check(client: FlaskClient, motion_id: int, text: str | None = None, upload: bytes | None = None) -> Any:
    url = f"/audit/motions/{motion_id}/receipt"
    data: dict[str, Any] = {"receipt": text or ""}
    if upload is not None:
        data["upload"] = (io.BytesIO(upload), "receipt.json")
    return post_form(client, url, data, content_type="multipart/form-data")


def test_a_genuine_receipt_is_included_pasted_or_uploaded(voters: Flask, client: FlaskClient) -> None:
    motion_id, receipts = _motion_with_ballots(voters, close=False)
    pasted = _check(client, motion_id, json.dumps(receipts[0]))
    assert pasted.status_code == 200
    assert "Your ballot is in the log" in pasted.get_data(as_text=True)
    uploaded = _check(client, motion_id, upload=json.dumps(receipts[2]).encode())
    assert uploaded.status_code == 200 and f"Entry {receipts[2]['index']} of" in uploaded.get_data(as_text=True)
    with voters.app_context():
        close_now(motion_id)  # the log grew: the old receipt must still be proven inside it
    later = _check(client, motion_id, json.dumps(receipts[1]))
    assert later.status_code == 200 and "is in the log the server shows now, unchanged, and it is counted" \
        in later.get_data(as_text=True)


def test_a_superseded_ballot_is_included_but_not_counted(voters: Flask, client: FlaskClient) -> None:
    with voters.app_context():
        motion_id = draft_motion(revote=True)
        open_now(motion_id)
        first = cast_as(motion_id, "delegate@example.org", "yes").receipt
        cast_as(motion_id, "delegate@example.org", "no")
        third = cast_as(motion_id, "delegate@example.org", "abstain").receipt
    response = _check(client, motion_id, json.dumps(first))
    html = response.get_data(as_text=True)
    # Not the plain "in the log" verdict: it says it was replaced and which entry counts (the last, not the next).
    assert response.status_code == 200 and "Your ballot is in the log, but it was replaced</h2>" in html
    assert "Your ballot is in the log</h2>" not in html
    assert (f"Entry {first['index']} (tracking code {first['tracking_code']}) is in the log, unchanged, but it no longer "
            f"counts: it was replaced by a later ballot of the same member, and entry {third['index']} is the one "
            "counted.") in html
    assert f'#entry-{third["index"]}">See entry {third["index"]}, the one counted</a>' in html


def test_bad_receipts_are_invalid_with_a_reason(voters: Flask, client: FlaskClient) -> None:
    motion_id, receipts = _motion_with_ballots(voters, close=False)
    other_id, other_receipts = _motion_with_ballots(voters, close=False)
    unreadable = "This text is not a receipt we can read. Paste the whole receipt"
    changed = "This receipt does not match its own signature and proof: it was changed after it was issued"
    # what it means and what to do first; the verifier's technical line only inside "Details for auditors"
    cases = {
        "not json at all": (unreadable, "not valid JSON"),
        json.dumps(other_receipts[0]): ("This receipt is for another motion",
                                        f"origin: got {other_receipts[0]['origin']}, want "),
        json.dumps(dict(receipts[0], tracking_code="0000-0000-0000-0000")): (changed, "tracking code: got "),
        json.dumps(dict(receipts[0], index=receipts[0]["index"] + 1)): (changed, "index"),
    }
    for text, (words, technical) in cases.items():
        response = _check(client, motion_id, text)
        assert response.status_code == 422, text
        html = response.get_data(as_text=True)
        assert words in html, text
        folded = html[html.index("<details"):html.index("</details>")]
        assert "Details for auditors" in folded and technical in folded, text
        assert technical not in html[:html.index("<details")] or technical == "index", text
    other = _check(client, motion_id, json.dumps(other_receipts[0])).get_data(as_text=True)
    assert f'href="/audit/motions/{other_id}/receipt">Check it on the page of' in other
    empty = _check(client, motion_id, "   ")
    assert empty.status_code == 422 and "Paste a receipt or choose its file." in empty.get_data(as_text=True)
    no_token = client.post(f"/audit/motions/{motion_id}/receipt", data={"receipt": json.dumps(receipts[0])})
    assert no_token.status_code == 400


def test_a_tlog_proof_is_checked_pasted_with_crlf_or_uploaded(voters: Flask, client: FlaskClient) -> None:
    motion_id, receipts = _motion_with_ballots(voters, close=False)
    proof = receipt_to_tlog_proof(receipts[0])
    for sent in ({"text": proof.replace("\n", "\r\n")}, {"text": proof.strip()}, {"upload": proof.encode()}):
        response = _check(client, motion_id, **sent)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert f"Entry {receipts[0]['index']} of" in response.get_data(as_text=True)


def test_deeply_nested_receipts_are_invalid_not_a_server_error(voters: Flask, client: FlaskClient) -> None:
    motion_id, receipts = _motion_with_ballots(voters, close=False)
    deep = "[" * 100_000 + "]" * 100_000
    hostile = {
        "pasted": {"text": deep},
        "uploaded": {"upload": deep.encode()},
        "nested in a field": {"text": json.dumps(dict(receipts[0], proof=json.loads("[" * 65 + "]" * 65)))},
        "as the leaf": {"text": json.dumps(dict(receipts[0], leaf=deep))},
        "tlog-proof leaf": {"text": receipt_to_tlog_proof(dict(receipts[0], leaf=deep))},
    }
    for name, sent in hostile.items():
        response = _check(client, motion_id, **sent)
        assert response.status_code == 422, name
        assert "nested more than 64 levels deep" in response.get_data(as_text=True), name


def _forged_receipt(app: Flask, motion_id: int, leaves: list[str], index: int) -> dict[str, Any]:
    """A receipt signed with the server's real key for another history of the same log: what a
    server that rewrote its log would have handed out."""
    with app.app_context():
        log = db.session.get(Motion, motion_id).log
        hashes = [merkle.leaf_hash(t.encode()) for t in leaves]
        note = sign_checkpoint(board.signer(), log.origin, len(hashes), merkle.root_hash(hashes))
        return build_receipt(origin=log.origin, index=index, leaf=leaves[index], checkpoint=note,
                             proof=merkle.inclusion_proof(hashes, index))


def _leaves(app: Flask, motion_id: int) -> list[str]:
    with app.app_context():
        log = db.session.get(Motion, motion_id).log
        return [row.leaf for row in board.leaves(log)]


def test_receipts_from_another_history_are_reported_as_forked(voters: Flask, client: FlaskClient) -> None:
    motion_id, _ = _motion_with_ballots(voters, close=False)
    real = _leaves(voters, motion_id)
    extra = ballot_leaf(motion=f"motion-{motion_id}", weight=1, selection="yes", cast_at="2030-01-01T00:00:00Z",
                        member="ghost", supersedes=None)
    longer = _forged_receipt(voters, motion_id, real + [extra], len(real))  # the log was cut back since
    changed = _forged_receipt(voters, motion_id, real[:2] + [extra] + real[3:], 2)  # another leaf at index 2
    rewritten_past = _forged_receipt(voters, motion_id, [real[0], extra, real[2], real[3]], 3)  # same leaf, other past
    for forged, words in ((longer, "now shorter than when your receipt was issued: entries were removed"),
                          (changed, "a different entry where your ballot was (entry 2)"),
                          (rewritten_past, "does not continue the log your receipt was issued from")):
        response = _check(client, motion_id, json.dumps(forged))
        assert response.status_code == 409, words
        text = response.get_data(as_text=True)
        assert "Warning: the log has changed since your receipt" in text and words in text


# --- audit trail ----------------------------------------------------------------------------------


def test_every_recorded_action_is_a_leaf_of_the_audit_log(voters: Flask, client: FlaskClient, login: Any) -> None:
    motion_id, _ = _motion_with_ballots(voters)  # open and close: two system actions
    login("admin")
    response = post_form(client, "/members/bow-valley/edit", {
        "population": "31000", "active": "y"})  # fields not sent keep their values
    assert response.status_code == 302
    with voters.app_context():
        events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        log = export.audit_log()
        leaves = [parse_leaf(row.leaf) for row in board.leaves(log)]
    assert [e.action for e in events] == ["motion.open", "motion.close", "member.update"]
    assert [leaf.details["event"] for leaf in leaves] == [e.id for e in events]
    assert [leaf.action for leaf in leaves] == [e.action for e in events]
    assert leaves[2].details["before"]["population"] == 30000 and leaves[2].details["after"]["population"] == 31000
    assert leaves[2].actor.startswith("Admin <admin@example.org>") and leaves[0].actor == "system"


def test_auditor_reads_the_trail_and_its_bundle_verifies(voters: Flask, client: FlaskClient, login: Any,
                                                         tmp_path: Path) -> None:
    _motion_with_ballots(voters)
    login("auditor")
    html = _page(client, "/audit/trail")
    assert "motion.open" in html and "motion.close" in html and "2 recorded actions" in html
    with voters.app_context():
        log = export.audit_log()
        assert board.latest_checkpoint(log) in html
    response = client.get("/audit/trail/bundle.json")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    report = verify_bundle(response.get_json())
    assert report.ok and report.summary["format"] == "lipvote-audit/1", [(c.name, c.message) for c in report.failures()]
    path = tmp_path / "audit.json"
    path.write_bytes(response.data)
    out = io.StringIO()
    assert verify_main([str(path), "--key", log.verifier_key], stdout=out, stderr=io.StringIO()) == 0
    assert "verified: every check passed" in out.getvalue()


def test_trail_is_for_auditors_chairs_and_admins_only(voters: Flask, client: FlaskClient, people: dict[str, Person]) -> None:
    _motion_with_ballots(voters)
    assert client.get("/audit/trail").status_code == 302
    for role, status in (("observer", 403), ("delegate", 403), ("chair", 200), ("admin", 200), ("auditor", 200)):
        assert sign_in(client, people[role].email).status_code == 302
        assert client.get("/audit/trail").status_code == status, role
        assert client.get("/audit/trail/bundle.json").status_code == status, role
        client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})


def test_trail_bundle_is_404_before_any_action(app: Flask, client: FlaskClient, login: Any) -> None:
    login("auditor")
    assert "audit log is empty" in _page(client, "/audit/trail/bundle.json", 404)
    assert "No action has been recorded yet." in _page(client, "/audit/trail")


def test_concurrent_admin_actions_keep_the_audit_log_contiguous(voters: Flask, people: dict[str, Person]) -> None:
    """Eight admins' browsers save at once: every action gets its own leaf, none is lost or doubled."""
    clients = []
    for _ in range(8):
        c = voters.test_client()
        assert sign_in(c, people["admin"].email).status_code == 302
        clients.append((c, csrf_token(c, "/members/bow-valley/edit")))
    statuses: list[int] = []

    def save(c: FlaskClient, token: str, n: int) -> None:
        response = c.post("/members/bow-valley/edit", data={
            "csrf_token": token, "population": str(40000 + n), "active": "y"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=save, args=(c, token, n)) for n, (c, token) in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [302] * 8
    with voters.app_context():
        log = export.audit_log()
        indexes = list(db.session.scalars(select(LogLeaf.index).where(LogLeaf.log_id == log.id).order_by(LogLeaf.index)))
        assert indexes == list(range(8)) == list(range(log.size))
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 8
        assert verify_bundle(json.loads(export.audit_bundle_bytes(log))).ok


# --- lipvote bundle ---------------------------------------------------------------------------------


def test_bundle_command_writes_the_downloaded_bytes_and_verify_accepts_them(voters: Flask, client: FlaskClient,
                                                                            runner: Any, tmp_path: Path) -> None:
    motion_id, receipts = _motion_with_ballots(voters)
    target = tmp_path / "bundle.json"
    result = runner.invoke(args=["bundle", str(motion_id), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == client.get(f"/audit/motions/{motion_id}/bundle.json").data
    receipt = tmp_path / "receipt.json"
    receipt.write_text(json.dumps(receipts[0]))
    out = io.StringIO()
    assert verify_main([str(target), "--receipt", str(receipt)], stdout=out, stderr=io.StringIO()) == 0, out.getvalue()


def test_bundle_command_refuses_unknown_and_open_motions_in_one_sentence(voters: Flask, runner: Any, tmp_path: Path) -> None:
    open_id, _ = _motion_with_ballots(voters, close=False)
    target = tmp_path / "x.json"
    unknown = runner.invoke(args=["bundle", "9999", "-o", str(target)])
    assert unknown.exit_code != 0 and "There is no motion 9999." in unknown.output
    still_open = runner.invoke(args=["bundle", str(open_id), "-o", str(target)])
    assert still_open.exit_code != 0 and f"Motion {open_id} is open; its bundle exists once it is closed." in still_open.output
    assert not target.exists()
    assert runner.invoke(args=["bundle"]).exit_code != 0
    assert runner.invoke(args=["bundle", str(open_id), "--all", str(tmp_path)]).exit_code != 0


def test_bundle_all_writes_one_verified_file_per_closed_motion(voters: Flask, runner: Any, tmp_path: Path) -> None:
    first, _ = _motion_with_ballots(voters)
    second, _ = _motion_with_ballots(voters, secret=True)
    _motion_with_ballots(voters, close=False)
    with voters.app_context():
        draft_motion()
    folder = tmp_path / "archive"
    result = runner.invoke(args=["bundle", "--all", str(folder)])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in folder.iterdir())
    assert files == sorted([f"lipvote-motion-{first}-bundle.json", f"lipvote-motion-{second}-bundle.json"])
    with voters.app_context():
        vkey = board.signer().vkey  # the key the audit page publishes
    for name in files:
        out = io.StringIO()
        assert verify_main([str(folder / name), "--key", vkey], stdout=out, stderr=io.StringIO()) == 0, out.getvalue()


def test_audit_index_lists_opened_motions_for_anyone(voters: Flask, client: FlaskClient) -> None:
    closed_id, _ = _motion_with_ballots(voters)
    with voters.app_context():
        open_id = draft_motion(title="Still open")
        open_now(open_id)
        draft_motion(title="Secret draft title")
    html = _page(client, "/audit/")
    assert f'href="/audit/motions/{closed_id}"' in html and f'href="/results/motions/{closed_id}"' in html
    assert f'href="/audit/motions/{open_id}"' in html and f'href="/results/motions/{open_id}"' not in html
    assert "Secret draft title" not in html
    assert 'href="/audit/trail"' not in html  # the trail link is for auditors only


def test_trail_shows_who_what_and_the_record_before_and_after(voters: Flask, client: FlaskClient, login: Any) -> None:
    login("admin")
    assert post_form(client, "/members/bow-valley/active", {"active": "0"}, token_from="/members/").status_code == 302
    html = _page(client, "/audit/trail")
    assert "member.deactivate" in html and "member:bow-valley" in html and "Admin &lt;admin@example.org&gt; (admin)" in html
    assert "&#34;active&#34;: true" in html and "&#34;active&#34;: false" in html
    assert re.search(r"<td>0 <code class=\"mono\">[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}</code></td>", html)


def test_bundle_command_writes_to_standard_output(voters: Flask, client: FlaskClient, runner: Any) -> None:
    motion_id, _ = _motion_with_ballots(voters)
    result = runner.invoke(args=["bundle", str(motion_id), "-o", "-"])
    assert result.exit_code == 0
    assert result.stdout_bytes == client.get(f"/audit/motions/{motion_id}/bundle.json").data


def test_receipts_from_the_kept_tree_equal_receipts_from_every_stored_leaf(app, people) -> None:
    """board.signed_tree keeps each log's tree between receipts; the plain board.tree rebuilds it
    from every stored hash. Receipts for every leaf, after every cast, agree."""
    from tests.app.motion_helpers import cast_as, draft_motion, open_now
    from tests.conftest import add_member, add_user

    with app.app_context():
        for n in range(6):
            add_user(f"d{n}@example.org", Role.DELEGATE, add_member(f"lip-{n}"), DelegateRank.PRIMARY)
        db.session.commit()
        motion_id = draft_motion(revote=True)
        open_now(motion_id)
        for cast in range(13):
            cast_as(motion_id, f"d{cast % 6}@example.org", "yes" if cast % 3 else "no")
            log = db.session.get(Motion, motion_id).log
            size, note = board.latest_signed(log)
            for index in range(size):
                kept = board.signed_tree(log, size, note)
                assert kept.inclusion_proof(index, size) == board.tree(log, size).inclusion_proof(index, size)
            assert board.receipt_for(log, size - 1)["proof"] == [
                b64encode(h) for h in board.tree(log, size).inclusion_proof(size - 1, size)]


# --- the log in the reader's words ----------------------------------------------------------------


def test_the_log_shows_option_labels_in_the_readers_language(voters: Flask, client: FlaskClient) -> None:
    motion_id, _ = _motion_with_ballots(voters)
    html = _page(client, f"/audit/motions/{motion_id}")
    assert "<td>Yes</td>" in html and "<td>No</td>" in html and "<td>yes</td>" not in html
    assert post_form(client, "/language", {"lang": "fr", "next": "/"}, token_from="/audit/").status_code == 302
    french = _page(client, f"/audit/motions/{motion_id}")
    assert "<td>Oui</td>" in french and "<td>Non</td>" in french


def test_the_receipt_check_says_what_is_public_for_this_motion(voters: Flask, client: FlaskClient) -> None:
    recorded, _ = _motion_with_ballots(voters)
    secret, _ = _motion_with_ballots(voters, secret=True)
    recorded_page = _page(client, f"/audit/motions/{recorded}/receipt")
    secret_page = _page(client, f"/audit/motions/{secret}/receipt")
    assert "the public log shows each ballot with the member that cast it" in recorded_page
    assert "but not which member cast it" in secret_page and "member that cast it" not in secret_page


# --- auditors record "I verified this bundle" ------------------------------------------------------


def _final_root(app: Flask, motion_id: int) -> tuple[int, str]:
    """The root as `lipvote verify` prints it on its merkle root line, from the bundle itself."""
    with app.app_context():
        bundle = export.motion_bundle_bytes(db.session.get(Motion, motion_id))
        key = db.session.get(Motion, motion_id).log.verifier_key
    report = verify_bundle(bundle.decode(), trusted_keys=[key])
    assert report.ok
    line = report.check("merkle root").message
    root = re.search(r"signed root ([0-9a-f]{64})", line).group(1)
    size = int(re.search(r"the (\d+) leaves", line).group(1))
    return size, root


def test_an_auditor_records_a_verified_bundle_in_the_signed_trail(voters: Flask, client: FlaskClient, login: Any) -> None:
    motion_id, _ = _motion_with_ballots(voters)
    size, root = _final_root(voters, motion_id)
    url = f"/audit/motions/{motion_id}/verified"
    login("auditor")
    wrong = post_form(client, url, {"root": "ab" * 32, "confirm": "y"})
    assert wrong.status_code == 422 and "This is not the root of this motion&#39;s log" in wrong.get_data(as_text=True)
    unconfirmed = post_form(client, url, {"root": root})
    assert unconfirmed.status_code == 422 and "Confirm that every check passed" in unconfirmed.get_data(as_text=True)
    # typed with spaces and capitals, as copied from a terminal
    spaced = " ".join(root[i:i + 8].upper() for i in range(0, 64, 8))
    done = post_form(client, url, {"root": spaced, "confirm": "y"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/results/motions/{motion_id}")
    again = post_form(client, url, {"root": root, "confirm": "y"})
    assert again.status_code == 302
    with voters.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "motion.bundle_verified")))
        assert len(events) == 1  # recording twice at the same checkpoint adds nothing
        after = json.loads(events[0].after_json)
        log = db.session.get(Motion, motion_id).log
        assert after == {"motion": motion_id, "auditor": "Auditor", "checkpoint_size": size, "root": root,
                         "origin": log.origin, "key_fingerprint": parse_vkey(log.verifier_key).fingerprint}
        assert "auditor@example.org" in events[0].actor_label
        trail = export.audit_log()
        last = parse_leaf(board.leaves(trail)[-1].leaf)
        assert last.action == "motion.bundle_verified" and last.details["after"]["root"] == root
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    results = _page(client, f"/results/motions/{motion_id}")
    assert "Verified by Auditor on <time" in results and f"at checkpoint size {size}</li>" in results
    assert "Verified by Auditor on <time" in _page(client, f"/audit/motions/{motion_id}")


def test_only_auditors_record_and_only_closed_motions(voters: Flask, client: FlaskClient, login: Any) -> None:
    closed, _ = _motion_with_ballots(voters)
    still_open, _ = _motion_with_ballots(voters, close=False)
    login("chair")
    assert client.get(f"/audit/motions/{closed}/verified").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    login("auditor")
    assert client.get(f"/audit/motions/{still_open}/verified").status_code == 409
    home = _page(client, "/home")
    assert f'href="/audit/motions/{closed}/bundle.json"' in home and f'href="/audit/motions/{closed}/verified"' in home
    assert f"/audit/motions/{still_open}/" not in home and "lipvote verify lipvote-motion-N-bundle.json --key" in home
