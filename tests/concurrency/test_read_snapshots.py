"""A receipt must be built from one state of the log, even while other ballots are committed.

A receipt reads the log's leaf hashes and a signed checkpoint in separate statements. On
PostgreSQL (READ COMMITTED) each statement sees the latest commit, so a ballot committed between
those reads could pair an inclusion proof for one tree size with the checkpoint of another, and
the receipt would not verify (the load bench found it: `bench/load.py`, docs/benchmarks.md).
SQLite keeps one snapshot per request. The test commits another delegate's ballot at exactly
those moments (from another thread, just before and just after the request reads the checkpoint)
and checks that the receipt the delegate downloads still verifies, on both engines.
"""
from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from app.extensions import db
from app.models import DelegateRank, Role
from app.motions.models import Motion
from ballots.receipt import verify_receipt
from tests.app.motion_helpers import cast_as, draft_motion, open_now
from tests.conftest import add_member, add_user, sign_in

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("moment", ["before_cursor_execute", "after_cursor_execute"])
def test_a_receipt_verifies_when_a_ballot_is_committed_while_it_is_built(served_app: Flask, moment: str) -> None:
    with served_app.app_context():
        first, second = add_member("lip-a"), add_member("lip-b")
        add_user("a@example.org", Role.DELEGATE, first, DelegateRank.PRIMARY)
        add_user("b@example.org", Role.DELEGATE, second, DelegateRank.PRIMARY)
        db.session.commit()
        motion_id = draft_motion(revote=True)
        open_now(motion_id)
        index = cast_as(motion_id, "a@example.org", "yes").receipt["index"]
        verifier_key = db.session.get(Motion, motion_id).log.verifier_key  # type: ignore[union-attr]
        db.session.remove()
    client = served_app.test_client()
    assert sign_in(client, "a@example.org").status_code == 302

    requester = threading.get_ident()
    committed: list[int] = []

    def other_ballot() -> None:
        with served_app.app_context():
            committed.append(cast_as(motion_id, "b@example.org", "no").receipt["index"])
            db.session.remove()

    def at_the_checkpoint_read(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.get_ident() == requester and not committed and "FROM log_checkpoint" in statement and "DESC" in statement:
            thread = threading.Thread(target=other_ballot)
            thread.start()
            thread.join(timeout=60)

    with served_app.app_context():
        engine = db.engine
    event.listen(engine, moment, at_the_checkpoint_read)
    try:
        response = client.get(f"/motions/{motion_id}/receipts/{index}/receipt.json")
    finally:
        event.remove(engine, moment, at_the_checkpoint_read)

    assert committed, "the other ballot was not cast while the receipt was built"
    assert response.status_code == 200
    verify_receipt(json.loads(response.get_data(as_text=True)), verifier_key)  # raises when proof and checkpoint disagree
