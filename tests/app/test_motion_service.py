"""The casting path and the motion lifecycle through the real services, checked by the real verifier."""

from __future__ import annotations

import hashlib

import pytest
from flask import Flask
from sqlalchemy import select

from app import board
from app.extensions import db
from app.models import DelegateRank, Role
from app.motions import service
from app.motions.models import Ballot, LogLeaf, Motion, MotionState
from ballots import seed as tie_break
from ballots.leaves import CloseLeaf, OpenLeaf, parse_leaf
from ballots.receipt import verify_receipt
from ballots.verify import verify_bundle
from tests.app.motion_helpers import cast_as, close_now, draft_motion, open_now, options
from tests.conftest import add_member, add_user


@pytest.fixture
def federation(app: Flask) -> Flask:
    """Four members in three regions, one primary delegate each, plus an alternate for halifax."""
    with app.app_context():
        rows = [("halifax", "NS", "atlantic"), ("pei", "PE", "atlantic"), ("ottawa", "ON", "ontario"),
                ("calgary", "AB", "prairies_nt")]
        members = {}
        for slug, province, region in rows:
            members[slug] = add_member(slug, province=province, region=region)
            add_user(f"{slug}@example.org", Role.DELEGATE, members[slug], DelegateRank.PRIMARY, password=None)
        add_user("alt.halifax@example.org", Role.DELEGATE, members["halifax"], DelegateRank.ALTERNATE, password=None)
        db.session.commit()
    return app


def test_yes_no_motion_end_to_end_verifies_offline(federation: Flask) -> None:
    with federation.app_context():
        motion_id = draft_motion(rules={"threshold": "majority_cast", "quorum": {"members": "1/2", "weight": None}})
        open_now(motion_id)
        receipts = [cast_as(motion_id, "halifax@example.org", "yes").receipt,
                    cast_as(motion_id, "ottawa@example.org", "no").receipt,
                    cast_as(motion_id, "calgary@example.org", "yes").receipt]
        motion = close_now(motion_id)
        assert motion.state is MotionState.CLOSED
        assert motion.result["status"] == "carried"
        bundle = service.bundle_for(motion)
        assert len(bundle["leaves"]) == 5  # open, three ballots, close
        report = verify_bundle(bundle, receipts=receipts)
        assert report.ok, [(c.name, c.message) for c in report.failures()]
        for receipt in receipts:
            verify_receipt(receipt, bundle["verifier_key"])


def test_second_ballot_is_refused_without_revote_and_supersedes_with_it(federation: Flask) -> None:
    with federation.app_context():
        strict = draft_motion()
        open_now(strict)
        cast_as(strict, "halifax@example.org", "yes")
        with pytest.raises(service.MotionError, match="already voted"):
            cast_as(strict, "alt.halifax@example.org", "no")  # the alternate of the same member
        assert db.session.scalar(select(db.func.count()).select_from(LogLeaf).where(LogLeaf.log_id == db.session.get(Motion, strict).log_id)) == 2

        lenient = draft_motion(revote=True)
        open_now(lenient)
        first = cast_as(lenient, "halifax@example.org", "yes")
        second = cast_as(lenient, "halifax@example.org", "no")
        assert second.superseded == first.receipt["index"]
        counted = db.session.scalars(select(Ballot).where(Ballot.motion_id == lenient, Ballot.counted)).all()
        assert len(counted) == 1 and counted[0].leaf_index == second.receipt["index"]
        motion = close_now(lenient)
        assert motion.result["status"] == "defeated"  # the changed vote counts, the old one does not
        assert verify_bundle(service.bundle_for(motion), receipts=[first.receipt, second.receipt]).ok


def test_refusals_store_nothing(federation: Flask) -> None:
    with federation.app_context():
        draft = draft_motion(method="irv", option_list=options("a", "b", "c"))
        with pytest.raises(service.MotionError, match="not open"):
            cast_as(draft, "halifax@example.org", ["a"])
        open_now(draft)
        with pytest.raises(service.MotionError, match="more than once"):
            cast_as(draft, "halifax@example.org", ["a", "a"])
        with pytest.raises(service.MotionError, match="unknown option"):
            cast_as(draft, "halifax@example.org", ["z"])
        with pytest.raises(service.MotionError, match="may not vote for") as refused:
            cast_as(draft, "halifax@example.org", ["a"], for_member="ottawa")
        assert refused.value.status == 403
        close_now(draft)
        with pytest.raises(service.MotionError, match="not open"):
            cast_as(draft, "ottawa@example.org", ["b"])
        motion = db.session.get(Motion, draft)
        assert motion.log.size == 2  # open and close only
        assert db.session.scalar(select(db.func.count()).select_from(Ballot)) == 0


def test_secret_ballot_leaves_have_no_member_and_regions_only_when_needed(federation: Flask) -> None:
    with federation.app_context():
        motion_id = draft_motion(secret=True, rules={"threshold": "majority_cast",
                                                     "double_majority": {"members": True, "regions": 2}})
        open_now(motion_id)
        receipt = cast_as(motion_id, "pei@example.org", "yes").receipt
        assert '"member"' not in receipt["leaf"] and '"region":"atlantic"' in receipt["leaf"]
        motion = close_now(motion_id)
        assert verify_bundle(service.bundle_for(motion)).ok


def test_closing_a_tied_motion_counts_with_the_seed_derived_from_the_committed_secret(federation: Flask) -> None:
    with federation.app_context():
        motion_id = draft_motion(method="plurality", option_list=options("rivers", "lakes"), rules={})
        open_now(motion_id)
        motion = db.session.get(Motion, motion_id)
        secret = bytes.fromhex(motion.seed_secret or "")
        opening = parse_leaf(motion.open_leaf_json or "")
        assert isinstance(opening, OpenLeaf) and opening.format == "lipvote-leaf/2"
        assert opening.seed_commitment == hashlib.sha256(secret).hexdigest()
        assert motion.seed_secret not in (motion.open_leaf_json or "")  # committed to, not shown
        cast_as(motion_id, "halifax@example.org", "rivers")
        cast_as(motion_id, "ottawa@example.org", "lakes")  # equal weights: a tie broken by lot
        before_close = service.log_root(db.session.get(Motion, motion_id).log)
        motion = close_now(motion_id)
        assert motion.result["status"] == "tie_resolved"
        assert motion.seed_secret is None  # public in the close leaf from now on
        close = parse_leaf(board.leaves(motion.log)[-1].leaf)
        assert isinstance(close, CloseLeaf) and close.seed_secret == secret.hex()
        derived = tie_break.derive_seed(secret, before_close)
        assert motion.result["tie_break"]["seed"] == derived.hex()
        assert derived != service.log_root(motion.log)  # not the final root, which the close moves
        report = verify_bundle(service.bundle_for(motion), trusted_keys=[board.signer().vkey])
        assert report.verified, [(c.name, c.message) for c in report.failures()]
        assert report.check("tie-break seed").status == "ok"
