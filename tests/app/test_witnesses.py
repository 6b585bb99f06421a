"""The server asks member witnesses for cosignatures: a real `lipvote witness serve` on the
loopback, stopped mid-test, never blocks casting; cosignatures land in bundles and receipts."""

from __future__ import annotations

import io
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import board, witnesses
from app.audit_portal.export import motion_bundle_bytes
from app.extensions import db
from app.models import DelegateRank, Member, Role
from app.motions.models import LogCosignature, Motion
from app.witnesses import cosign_logs, cosign_pending, parse_witnesses, wait_idle
from ballots.cli import main as verify_main
from ballots.cosignature import Cosigner, cosignatures
from ballots.keys import load_or_create
from ballots.receipt import receipt_from_tlog_proof, receipt_to_tlog_proof, verify_receipt
from tests.app.motion_helpers import cast_as, close_now, draft_motion, open_now
from tests.app.test_delegate import as_user, vote
from tests.conftest import add_member, add_user, make_app, post_form

LIPVOTE = str(Path(sys.executable).with_name("lipvote"))
ROOT = Path(__file__).parents[2]
TIMEOUT = 1.0


class WitnessProcess:
    """`lipvote witness serve` on 127.0.0.1, started and stopped by the test."""

    def __init__(self, folder: Path, log_vkey: str) -> None:
        self.cosigner = Cosigner.generate("lip-halifax.example/witness")
        self.key_file = folder / "witness.key"
        self.key_file.write_text(self.cosigner.to_skey() + "\n")
        self.state = folder / "witness-state"
        self.log_vkey = log_vkey
        self.port = 0
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [LIPVOTE, "witness", "serve", "--key", str(self.key_file), "--state", str(self.state),
             "--listen", f"127.0.0.1:{self.port}", "--log-key", self.log_vkey],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
        line = self.proc.stdout.readline()  # "witness ... listening on http://127.0.0.1:PORT/add-checkpoint ..."
        assert "listening on" in line, line
        self.port = int(line.split("http://127.0.0.1:")[1].split("/")[0])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc.stdout.close()
            self.proc = None


@pytest.fixture
def witness(tmp_path: Path) -> Iterator[WitnessProcess]:
    log_key = load_or_create(tmp_path / "signing_key", "lipvote.local")
    w = WitnessProcess(tmp_path, log_key.vkey)
    w.start()
    yield w
    w.stop()


@pytest.fixture
def app(tmp_path: Path, migrated_database: Path, witness: WitnessProcess) -> Iterator[Flask]:
    database = tmp_path / "lipvote.sqlite3"
    shutil.copyfile(migrated_database, database)
    application = make_app(tmp_path, database, LIPVOTE_WITNESSES=f"{witness.url} {witness.cosigner.vkey}",
                           LIPVOTE_WITNESS_TIMEOUT_SECONDS=TIMEOUT)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def motion_id(app: Flask, people: dict) -> int:
    with app.app_context():
        halifax = db.session.scalar(select(Member).where(Member.slug == "halifax"))
        add_user("alt.halifax@example.org", Role.DELEGATE, halifax, DelegateRank.ALTERNATE)
        add_user("ottawa@example.org", Role.DELEGATE, add_member("ottawa"), DelegateRank.PRIMARY)
        db.session.commit()
        motion = draft_motion()
        open_now(motion)
    return motion


def cosigned_sizes(app: Flask, motion_id: int) -> list[int]:
    with app.app_context():
        log_id = db.session.get(Motion, motion_id).log_id
        return sorted(db.session.scalars(select(LogCosignature.size).where(LogCosignature.log_id == log_id)))


def cast(client: FlaskClient, motion_id: int, choice: str, member: str = "halifax") -> int:
    """Cast through the forms, then wait for the process's witness thread to have asked."""
    response, _ = vote(client, motion_id, [("choice", choice)], member=member)
    response.close()
    assert wait_idle(20 * TIMEOUT + 10)
    return response.status_code


def log_size(app: Flask, motion_id: int) -> int:
    with app.app_context():
        return db.session.get(Motion, motion_id).log.size


def test_setting_is_checked() -> None:
    key = Cosigner.generate("w").vkey
    assert parse_witnesses(f"http://a.example/w {key},\nhttps://b.example {key}")[1].url == "https://b.example"
    for bad in ("http://a.example", f"ftp://a.example {key}", "http://a.example w+00000000+AQ=="):
        with pytest.raises(ValueError, match="LIPVOTE_WITNESSES"):
            parse_witnesses(bad)


def test_a_cast_is_cosigned_after_the_response(app: Flask, client: FlaskClient, motion_id: int,
                                               witness: WitnessProcess) -> None:
    as_user(client, "delegate@example.org")
    assert cast(client, motion_id, "yes") == 303
    assert cosigned_sizes(app, motion_id) == [2]
    with app.app_context():
        receipt = board.receipt_for(db.session.get(Motion, motion_id).log, 1)
    found, problems = cosignatures(receipt["checkpoint"], [witness.cosigner.key])
    assert len(found) == 1 and not problems
    # the cosigned receipt still checks out with the log key alone, and as a C2SP tlog-proof
    with app.app_context():
        log_key = board.signer().verifier
    assert verify_receipt(receipt, [log_key]).index == 1
    assert verify_receipt(receipt_from_tlog_proof(receipt_to_tlog_proof(receipt)), [log_key]).index == 1


def test_a_stopped_witness_never_blocks_casting(app: Flask, client: FlaskClient, motion_id: int,
                                                witness: WitnessProcess) -> None:
    as_user(client, "delegate@example.org")
    assert cast(client, motion_id, "yes") == 303
    assert cosigned_sizes(app, motion_id) == [2]
    witness.stop()
    as_user(client, "ottawa@example.org")
    started = time.monotonic()
    assert cast(client, motion_id, "no", member="ottawa") == 303  # cast, its receipt page offered
    assert time.monotonic() - started < 4 * TIMEOUT + 10  # generous: pages and the one refused call
    assert log_size(app, motion_id) == 3 and cosigned_sizes(app, motion_id) == [2]  # size 3: none
    with app.app_context():
        assert cosign_pending() == 0  # `lipvote tick` with the witness down: nothing, no error
    witness.start()  # back on the same port, with the same state
    with app.app_context():
        assert cosign_pending() >= 1  # a consistency proof from 2, the size the witness holds (and the audit log's)
    assert cosigned_sizes(app, motion_id) == [2, 3]


def test_a_409_is_answered_with_a_proof_from_the_witness_size(app: Flask, client: FlaskClient,
                                                             motion_id: int, witness: WitnessProcess) -> None:
    as_user(client, "delegate@example.org")
    assert cast(client, motion_id, "yes") == 303
    with app.app_context():
        db.session.execute(LogCosignature.__table__.delete())  # the server forgets what the witness holds
        db.session.commit()
        log_id = db.session.get(Motion, motion_id).log_id
        assert cosign_logs([log_id]) == 1  # "old 0" -> 409 "2" -> asked again from 2
    assert cosigned_sizes(app, motion_id) == [2]


def test_the_bundle_carries_the_cosignature_of_its_final_checkpoint(app: Flask, client: FlaskClient, motion_id: int,
                                                                   witness: WitnessProcess, tmp_path: Path) -> None:
    as_user(client, "delegate@example.org")
    assert cast(client, motion_id, "yes") == 303
    with app.app_context():
        motion = close_now(motion_id)
        assert cosign_pending() >= 1  # the close leaf's checkpoint (tick after the close)
        bundle = json.loads(motion_bundle_bytes(db.session.get(Motion, motion_id)))
        vkey = board.signer().vkey
    found, _ = cosignatures(bundle["checkpoint"], [witness.cosigner.key])
    assert [c.witness for c in found] == [witness.cosigner.key]
    assert motion is not None
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    out = io.StringIO()
    assert verify_main([str(path), "--key", vkey, "--witness", witness.cosigner.vkey], stdout=out) == 0, out.getvalue()
    assert "OK: witnesses: 1 of 1 witnesses cosigned the final checkpoint" in out.getvalue()


def test_the_demo_is_witnessed_by_two_member_lips(demo_app: Flask, tmp_path: Path) -> None:
    from app.demo_witnesses import DEMO_WITNESSES, demo_cosigner

    keys = [demo_cosigner(slug, name) for slug, name in DEMO_WITNESSES]
    with demo_app.app_context():
        motion = db.session.scalars(select(Motion).where(Motion.log_id.is_not(None), Motion.closed_at.is_not(None))
                                    .order_by(Motion.id)).first()
        (tmp_path / "bundle.json").write_bytes(motion_bundle_bytes(motion))
        vkey = board.signer().vkey
        motion_id = motion.id
    out = io.StringIO()
    args = [str(tmp_path / "bundle.json"), "--key", vkey, *(a for k in keys for a in ("--witness", k.vkey))]
    assert verify_main(args, stdout=out) == 0, out.getvalue()
    assert "OK: witnesses: 2 of 2 witnesses cosigned" in out.getvalue()
    client = demo_app.test_client()
    for heading in ("Witnesses", "Témoins"):
        key_page = client.get("/audit/key").get_data(as_text=True)
        assert f">{heading}</h2>" in key_page
        assert all(k.name in key_page and k.key.fingerprint.split()[0] in key_page for k in keys)
        motion_page = client.get(f"/audit/motions/{motion_id}").get_data(as_text=True)
        assert "lip-ottawa.demo.example/witness" in motion_page and "<time" in motion_page
        post_form(client, "/language", {"lang": "fr", "next": "/"}, token_from="/audit/")


def test_a_slow_witness_delays_neither_the_answer_nor_more_than_its_timeout(
        tmp_path: Path, migrated_database: Path) -> None:
    """A witness that accepts the connection and never answers: the delegate's answer comes at
    once and closing it waits for nothing; the background ask ends at the timeout, and nothing
    is stored."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshakes; nobody ever reads or answers
    try:
        database = tmp_path / "lipvote.sqlite3"
        shutil.copyfile(migrated_database, database)
        key = Cosigner.generate("slow.example/witness").vkey
        app = make_app(tmp_path, database, LIPVOTE_WITNESSES=f"http://127.0.0.1:{silent.getsockname()[1]} {key}",
                       LIPVOTE_WITNESS_TIMEOUT_SECONDS=TIMEOUT)
        with app.app_context():
            add_user("halifax@example.org", Role.DELEGATE, add_member("halifax"), DelegateRank.PRIMARY)
            db.session.commit()
            motion_id = draft_motion()
            open_now(motion_id)
        client = app.test_client()
        as_user(client, "halifax@example.org")
        started = time.monotonic()
        response, _ = vote(client, motion_id, [("choice", "yes")])
        answered = time.monotonic() - started
        assert response.status_code == 303 and answered < TIMEOUT + 10  # pages only: no witness yet
        started = time.monotonic()
        response.close()  # what the WSGI server does once the answer is sent: nothing waits there
        assert time.monotonic() - started < TIMEOUT / 2
        assert wait_idle(2 * TIMEOUT + 5)  # the process's witness thread: one read timeout, then given up
        asked = time.monotonic() - started
        assert 0.9 * TIMEOUT <= asked < 2 * TIMEOUT + 5
        assert cosigned_sizes(app, motion_id) == []
        with app.app_context():
            db.engine.dispose()
    finally:
        silent.close()


def test_the_witness_process_answers_only_add_checkpoint(witness: WitnessProcess) -> None:
    def send(method: str, path: str, body: bytes | None = None, length: str | None = None) -> int:
        request = urllib.request.Request(witness.url + path, data=body, method=method)
        if length is not None:
            request.add_header("Content-Length", length)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status
        except urllib.error.HTTPError as e:
            return e.code

    assert send("GET", "/add-checkpoint") == 405
    assert send("POST", "/elsewhere", b"x") == 404
    assert send("POST", "/add-checkpoint", b"old 0\n\nnot a checkpoint\n") == 400
    assert send("POST", "/add-checkpoint", b"x" * (128 * 1024 + 1)) == 413


def test_tick_asks_for_what_is_missing(app: Flask, motion_id: int) -> None:
    """Casts made outside a request (here the service directly) are cosigned by `lipvote tick`."""
    with app.app_context():
        cast_as(motion_id, "delegate@example.org", "yes")
    assert cosigned_sizes(app, motion_id) == []
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0 and "witness cosignature(s)" in result.output
    assert cosigned_sizes(app, motion_id) == [2]
    assert "witness" not in app.test_cli_runner().invoke(args=["tick"]).output  # nothing missing now


def test_logs_queued_while_a_witness_is_slow_are_asked_about_once(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The witness thread takes everything queued while it was busy in one round."""
    asked: list[set[int]] = []
    asking, first_round = threading.Event(), threading.Event()

    def slow_cosign_logs(log_ids: Iterable[int]) -> int:
        asked.append(set(log_ids))
        asking.set()
        first_round.wait(10)
        return 0

    monkeypatch.setattr(witnesses, "cosign_logs", slow_cosign_logs)
    asker = witnesses._Asker()
    asker.submit(app, [1])
    assert asking.wait(10)
    for log_id in (2, 3, 2, 3, 2):  # casts on two motions while the first ask hangs
        asker.submit(app, [log_id])
    first_round.set()
    assert asker.wait_idle(10)
    assert asked == [{1}, {2, 3}]
