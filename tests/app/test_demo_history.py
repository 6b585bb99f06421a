"""The demo history: every kind of motion, closed and certified through the real services, with
bundles the offline verifier accepts; choices are the same on every run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from app import demo
from app.audit_portal import export
from app.deliberation.amendments import Amendment
from app.deliberation.models import Proposal
from app.extensions import db
from app.models import AuditEvent
from app.motions import service
from app.motions.models import Motion, MotionState
from ballots.leaves import BallotLeaf, parse_leaf
from ballots.verify import verify_bundle
from tests.conftest import make_app


def _ballots(motion: Motion) -> list[BallotLeaf]:
    leaves = [parse_leaf(t) for t in service.bundle_for(motion)["leaves"]]
    return [leaf for leaf in leaves if isinstance(leaf, BallotLeaf)]


def test_every_closed_demo_motion_is_certified_and_its_bundle_verifies(demo_app: Flask) -> None:
    with demo_app.app_context():
        motions = list(db.session.scalars(select(Motion).order_by(Motion.id)))
        closed = [m for m in motions if m.state is MotionState.CERTIFIED]
        assert {m.method for m in closed} == {"yes_no", "approval", "irv", "stv", "schulze", "ranked_pairs"}
        for motion in closed:
            report = verify_bundle(service.bundle_for(motion))
            assert report.ok, (motion.method, [(c.name, c.message) for c in report.failures()])
            assert motion.certified_at is not None and motion.certified_at > motion.closed_at
            assert len(_ballots(motion)) >= 0.7 * len(demo.LIPS)  # most members voted
        stv = next(m for m in closed if m.method == "stv")
        assert stv.seats == 3 and len(stv.result["winners"]) == 3
        yes_no = next(m for m in closed if m.method == "yes_no")
        assert yes_no.result["rules"]["double_majority"]["regions"] == "all"
        assert yes_no.result["detail"]["regions_test"]["counted_regions"] >= 4
        for motion in closed:
            if motion.secret:
                assert all(b.member is None for b in _ballots(motion)), motion.method
            else:
                assert all(b.member for b in _ballots(motion)), motion.method


def test_one_open_motion_with_ballots_and_one_draft(demo_app: Flask) -> None:
    with demo_app.app_context():
        states = {m.state: m for m in db.session.scalars(select(Motion))}
        open_motion = states[MotionState.OPEN]
        assert open_motion.log.size > 5 and open_motion.closes_at is not None
        assert MotionState.DRAFT in states and states[MotionState.DRAFT].log is None


def test_the_demo_history_fills_the_audit_trail_with_a_verifiable_log(demo_app: Flask) -> None:
    with demo_app.app_context():
        log = export.audit_log()
        # open, close and certify for six motions, open for one; the demo proposals' own
        # actions (app/deliberation/demo.py) are counted in tests/app/test_proposal_demo.py, and
        # the demo consultations' (app/deliberation/consultation_demo.py) are counted here with them
        proposal_actions = db.session.scalar(select(db.func.count()).select_from(AuditEvent)
                                             .where(AuditEvent.action.startswith("proposal.")
                                                    | AuditEvent.action.startswith("consultation.")))
        # the demo's comments and amendments, with their two motions (app/deliberation/amendment_demo.py)
        # and the motion that adopted the Statement of Intention
        amendment_motions = [f"motion:{a.motion_id}" for a in db.session.scalars(select(Amendment))] + [
            f"motion:{p.decided_by_motion_id}" for p in db.session.scalars(select(Proposal).where(
                Proposal.decided_by_motion_id.is_not(None)))]
        debate_actions = db.session.scalar(select(db.func.count()).select_from(AuditEvent).where(
            AuditEvent.action.startswith("amendment.") | AuditEvent.action.startswith("comment.")
            | AuditEvent.target.in_(amendment_motions)))
        assert log is not None and log.size == 6 * 3 + 1 + proposal_actions + debate_actions
        assert verify_bundle(export.audit_bundle_bytes(log).decode()).ok


def test_every_demo_page_renders(demo_app: Flask) -> None:
    client = demo_app.test_client()
    with demo_app.app_context():
        motions = list(db.session.scalars(select(Motion)))
    for motion in motions:
        public = motion.state is not MotionState.DRAFT
        closed = motion.state in (MotionState.CLOSED, MotionState.CERTIFIED)
        assert client.get(f"/audit/motions/{motion.id}").status_code == (200 if public else 404)
        assert client.get(f"/results/motions/{motion.id}").status_code == (200 if closed else 409 if public else 404)


def _choices(app: Flask) -> list[Any]:
    with app.app_context():
        return [[(b.weight, b.selection, b.member) for b in _ballots(m)]
                for m in db.session.scalars(select(Motion).where(Motion.state == MotionState.CERTIFIED).order_by(Motion.id))]


def test_choices_are_the_same_on_every_run(demo_app: Flask, tmp_path: Path, migrated_database: Path) -> None:
    other_db = tmp_path / "other" / "db.sqlite3"
    other_db.parent.mkdir()
    other_db.write_bytes(migrated_database.read_bytes())
    other = make_app(other_db.parent, other_db)
    with other.app_context():
        demo.load()
    try:
        assert _choices(other) == _choices(demo_app)
    finally:
        with other.app_context():
            db.engine.dispose()
