"""The casting path under real concurrency: gunicorn with 4 worker processes, on SQLite and on PostgreSQL.

* The storm: 20 delegates each fire 10 identical casts at the same moment, and the primary and
  the alternate delegate of one member race each other, on a motion that allows no change of
  vote. Wanted: exactly one counted ballot per member, contiguous leaf indexes, every issued
  receipt verifies against the final bundle, and no 5xx.
* The race with the close: delegates keep changing their ballots while the chair closes the
  motion. Wanted: every cast is either acknowledged and in the log before the close leaf, or
  refused with 409; the close leaf counts exactly the ballots before it; no 5xx.
"""

from __future__ import annotations

import json
import random
import threading
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.models import DelegateRank, Role
from app.motions.models import Ballot, Motion
from ballots.leaves import BallotLeaf, CloseLeaf, parse_leaf
from ballots.verify import verify_bundle
from bench.loadkit.checks import Findings, check_database, check_log_roots, count_ballots
from bench.loadkit.client import Session
from bench.loadkit.meeting import RECEIPT_INDEX, Cast
from bench.loadkit.server import Gunicorn, app_environment
from tests.app.motion_helpers import close_now, draft_motion, open_now
from tests.conftest import PASSWORD, add_member, add_user

pytestmark = pytest.mark.slow

DELEGATES = 20
CASTS_EACH = 10
MAX_CASTS_IN_RACE = 300  # per delegate: a bound, in case the close never came through


@pytest.fixture
def server(served_app: Flask, engine_url: str, tmp_path: Path) -> Iterator[Gunicorn]:
    """gunicorn with 4 workers on the test's database; started by the test once its data is in."""
    gunicorn = Gunicorn(app_environment(engine_url, tmp_path), workers=4, log_path=tmp_path / "gunicorn.log")
    yield gunicorn
    gunicorn.stop()
    assert gunicorn.tracebacks() == [], gunicorn.log_tail()


def _federation(app: Flask, revote: bool) -> int:
    with app.app_context():
        members = [add_member(f"lip-{i:02d}") for i in range(DELEGATES)]
        for i, member in enumerate(members):
            add_user(f"delegate{i:02d}@example.org", Role.DELEGATE, member, DelegateRank.PRIMARY)
        add_user("alternate00@example.org", Role.DELEGATE, members[0], DelegateRank.ALTERNATE)
        add_user("chair@example.org", Role.CHAIR)
        db.session.commit()
        motion_id = draft_motion(revote=revote)
        open_now(motion_id)
        db.session.remove()
    return motion_id


def _signed_in(server: Gunicorn, email: str) -> Session:
    session = Session(server.port)
    reply = session.sign_in(email, PASSWORD)
    assert reply.status == 302, f"sign-in of {email}: {reply.status}"
    return session


def _receipt(session: Session, location: str) -> dict[str, object]:
    reply = session.get(location.rstrip("/") + "/receipt.json")
    assert reply.status == 200, (location, reply.status)
    return dict(json.loads(reply.body))


def test_simultaneous_casts_count_once_per_member(served_app: Flask, server: Gunicorn) -> None:
    motion_id = _federation(served_app, revote=False)
    server.start()
    sessions = [(f"lip-{i:02d}", _signed_in(server, f"delegate{i:02d}@example.org")) for i in range(DELEGATES)]
    alternate = _signed_in(server, "alternate00@example.org")

    jobs: list[tuple[str, Session, list[tuple[str, str]]]] = []
    for slug, session in sessions:
        token = session.get(f"/motions/{motion_id}/ballot?member={slug}").csrf_token()
        jobs += [(slug, session, [("csrf_token", token), ("member", slug), ("choice", "yes")])] * CASTS_EACH
    token = alternate.get(f"/motions/{motion_id}/ballot?member=lip-00").csrf_token()
    jobs.append(("lip-00", alternate, [("csrf_token", token), ("member", "lip-00"), ("choice", "no")]))

    start = threading.Barrier(len(jobs))
    outcomes: list[tuple[str, Session, int, str | None]] = []
    lock = threading.Lock()

    def fire(slug: str, session: Session, form: list[tuple[str, str]]) -> None:
        client = Session(server.port)  # the same browser (cookies), one connection per request in flight
        client.cookies = dict(session.cookies)
        start.wait()
        reply = client.post(f"/motions/{motion_id}/ballot/cast", form)
        with lock:
            outcomes.append((slug, session, reply.status, reply.location))

    threads = [threading.Thread(target=fire, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert len(outcomes) == len(jobs)
    statuses = sorted({status for _, _, status, _ in outcomes})
    assert set(statuses) <= {303, 409}, statuses
    accepted = [(slug, session, location) for slug, session, status, location in outcomes if status == 303]
    assert sorted(slug for slug, _, _ in accepted) == sorted(slug for slug, _ in sessions)  # one per member
    receipts = [_receipt(session, location) for _slug, session, location in accepted if location]

    with served_app.app_context():
        counted = db.session.scalars(select(Ballot).where(Ballot.motion_id == motion_id, Ballot.counted)).all()
        assert len(counted) == DELEGATES
        all_rows = db.session.scalars(select(Ballot).where(Ballot.motion_id == motion_id)).all()
        assert sorted(b.leaf_index for b in all_rows) == list(range(1, DELEGATES + 1))  # contiguous, no gaps
        close_now(motion_id)
        db.session.remove()
    bundle = json.loads(Session(server.port).get(f"/audit/motions/{motion_id}/bundle.json").body)
    assert len(bundle["leaves"]) == DELEGATES + 2
    report = verify_bundle(bundle, receipts=receipts)
    assert report.ok, [(c.name, c.message) for c in report.failures()]


def test_casts_racing_the_close_are_in_the_log_before_it_or_refused(served_app: Flask, server: Gunicorn) -> None:
    motion_id = _federation(served_app, revote=True)
    server.start()
    delegates = [(f"lip-{i:02d}", _signed_in(server, f"delegate{i:02d}@example.org")) for i in range(DELEGATES)]
    chair = _signed_in(server, "chair@example.org")
    close_token = chair.get(f"/motions/{motion_id}/close").csrf_token()

    casts: list[Cast] = []
    statuses: list[int] = []
    receipts: list[dict[str, object]] = []
    lock = threading.Lock()
    everyone_cast = threading.Barrier(DELEGATES + 1)

    def keep_casting(number: int, slug: str, session: Session) -> None:
        rng = random.Random(number)
        token = session.get(f"/motions/{motion_id}/ballot?member={slug}").csrf_token()
        for n in range(MAX_CASTS_IN_RACE):
            choice = rng.choice(("yes", "no", "abstain"))
            reply = session.post(f"/motions/{motion_id}/ballot/cast",
                                 [("csrf_token", token), ("member", slug), ("choice", choice)])
            with lock:
                statuses.append(reply.status)
            if reply.status == 303:
                match = RECEIPT_INDEX.search(reply.path_of_location())
                assert match is not None, reply.location
                with lock:
                    casts.append(Cast(slug, motion_id, choice, 0.0, int(match.group(2))))
                    receipts.append(json.loads(session.get(reply.path_of_location() + "/receipt.json").body))
            if n == 0:
                everyone_cast.wait(timeout=120)  # the close comes once every member has a ballot in
            if reply.status != 303:
                return

    threads = [threading.Thread(target=keep_casting, args=(n, slug, session)) for n, (slug, session) in enumerate(delegates)]
    for t in threads:
        t.start()
    everyone_cast.wait(timeout=120)
    closed = chair.post(f"/motions/{motion_id}/close", [("csrf_token", close_token)])
    for t in threads:
        t.join(timeout=300)

    assert closed.status == 302
    assert set(statuses) <= {303, 409}, sorted(set(statuses))
    assert statuses.count(409) == DELEGATES  # each delegate stopped at the closed motion
    bundle = json.loads(Session(server.port).get(f"/audit/motions/{motion_id}/bundle.json").body)
    leaves = [parse_leaf(text) for text in bundle["leaves"]]
    close_at = next(i for i, leaf in enumerate(leaves) if isinstance(leaf, CloseLeaf))
    assert close_at == len(leaves) - 1  # nothing after the close leaf
    ballots_before = [i for i, leaf in enumerate(leaves) if isinstance(leaf, BallotLeaf)]
    assert leaves[close_at].ballots == len(ballots_before) == len(casts)  # type: ignore[union-attr]
    assert all(cast.index is not None and cast.index < close_at for cast in casts)

    found = Findings()
    count_ballots(motion_id, bundle, casts, found)
    with served_app.app_context():
        check_database([motion_id], {motion_id: bundle}, found)
        check_log_roots(found)
        assert db.session.get(Motion, motion_id).state.value == "closed"
        db.session.remove()
    assert (found.lost, found.double_counted, found.unexplained, found.problems) == ([], [], [], [])
    report = verify_bundle(bundle, receipts=receipts)
    assert report.ok, [(c.name, c.message) for c in report.failures()]
