"""The casting path under real concurrency: gunicorn with 4 worker processes on one SQLite file.

20 delegates each fire 10 identical casts at the same moment, and the primary and the alternate
delegate of one member race each other. Wanted: exactly one counted ballot per member,
contiguous leaf indexes, every issued receipt verifies against the final bundle, and no 5xx.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import DelegateRank, Role
from app.motions import service
from app.motions.models import Ballot, Motion
from ballots.verify import verify_bundle
from tests.app.motion_helpers import close_now, draft_motion, open_now
from tests.conftest import PASSWORD, add_member, add_user, make_app

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DELEGATES = 20
CASTS_EACH = 10
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


class Browser:
    """One signed-in session (its own cookie jar), like one browser profile."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace"), dict(e.headers)

    def token(self, path: str) -> str:
        status, page, _ = self.request(path)
        assert status == 200, f"{path}: {status}"
        match = CSRF.search(page)
        assert match, f"no CSRF token on {path} ({status})"
        return match.group(1)

    def sign_in(self, email: str) -> None:
        status, _, headers = self.request("/login", {"csrf_token": self.token("/login"), "email": email, "password": PASSWORD})
        assert status == 302, f"sign-in of {email}: {status}"


@pytest.fixture
def served(tmp_path: Path, migrated_database: Path) -> Iterator[tuple[str, object, int]]:
    database = tmp_path / "lipvote.sqlite3"
    shutil.copyfile(migrated_database, database)
    env = {
        **os.environ,
        "LIPVOTE_DATABASE_URL": f"sqlite:///{database}",
        "LIPVOTE_SECRET_KEY": "concurrency-test-secret",
        "LIPVOTE_SIGNING_KEY": str(tmp_path / "signing_key"),
        "LIPVOTE_LOG_ORIGIN": "lipvote.test",
    }
    app = make_app(tmp_path, database, LIPVOTE_SIGNING_KEY=env["LIPVOTE_SIGNING_KEY"], LIPVOTE_LOG_ORIGIN="lipvote.test")
    with app.app_context():
        members = [add_member(f"lip-{i:02d}") for i in range(DELEGATES)]
        for i, member in enumerate(members):
            add_user(f"delegate{i:02d}@example.org", Role.DELEGATE, member, DelegateRank.PRIMARY)
        add_user("alternate00@example.org", Role.DELEGATE, members[0], DelegateRank.ALTERNATE)
        db.session.commit()
        motion_id = draft_motion()
        open_now(motion_id)
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    log_file = log_path.open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py", "--workers", "4",
         "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start: {log_path.read_text()[-2000:]}")
                time.sleep(0.2)
        yield base, app, motion_id
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log_file.close()
        assert "Traceback" not in log_path.read_text(), log_path.read_text()[-3000:]


def test_simultaneous_casts_count_once_per_member(served: tuple[str, object, int]) -> None:
    base, app, motion_id = served
    browsers: list[tuple[str, Browser]] = []
    for i in range(DELEGATES):
        browser = Browser(base)
        browser.sign_in(f"delegate{i:02d}@example.org")
        browsers.append((f"lip-{i:02d}", browser))
    alternate = Browser(base)
    alternate.sign_in("alternate00@example.org")

    jobs: list[tuple[str, Browser, dict[str, str]]] = []
    for slug, browser in browsers:
        form = {"csrf_token": browser.token(f"/motions/{motion_id}/ballot?member={slug}"), "member": slug, "choice": "yes"}
        jobs += [(slug, browser, form)] * CASTS_EACH
    jobs.append(("lip-00", alternate, {"csrf_token": alternate.token(f"/motions/{motion_id}/ballot?member=lip-00"),
                                       "member": "lip-00", "choice": "no"}))

    start = threading.Barrier(len(jobs))
    outcomes: list[tuple[str, Browser, int, dict[str, str]]] = []
    lock = threading.Lock()

    def fire(slug: str, browser: Browser, form: dict[str, str]) -> None:
        start.wait()
        status, _body, headers = browser.request(f"/motions/{motion_id}/ballot/cast", form)
        with lock:
            outcomes.append((slug, browser, status, headers))

    threads = [threading.Thread(target=fire, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert len(outcomes) == len(jobs)
    statuses = sorted({status for _, _, status, _ in outcomes})
    assert all(status < 500 for status in statuses), statuses
    assert set(statuses) <= {303, 409}, statuses
    accepted = [(slug, browser, headers["Location"]) for slug, browser, status, headers in outcomes if status == 303]
    assert sorted(slug for slug, _, _ in accepted) == sorted(slug for slug, _ in browsers)  # one per member

    receipts = []
    for _slug, browser, location in accepted:
        path = urllib.parse.urlsplit(location).path
        status, body, _ = browser.request(path.rstrip("/") + "/receipt.json")
        assert status == 200, (path, status)
        receipts.append(json.loads(body))

    with app.app_context():  # type: ignore[attr-defined]
        counted = db.session.scalars(select(Ballot).where(Ballot.motion_id == motion_id, Ballot.counted)).all()
        assert len(counted) == DELEGATES
        all_rows = db.session.scalars(select(Ballot).where(Ballot.motion_id == motion_id)).all()
        assert sorted(b.leaf_index for b in all_rows) == list(range(1, DELEGATES + 1))  # contiguous, no gaps
        motion = close_now(motion_id)
        bundle = service.bundle_for(db.session.get(Motion, motion.id))
    assert len(bundle["leaves"]) == DELEGATES + 2
    report = verify_bundle(bundle, receipts=receipts)
    assert report.ok, [(c.name, c.message) for c in report.failures()]
