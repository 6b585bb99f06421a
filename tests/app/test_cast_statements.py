"""The casting path's statements after issue 12's cuts: fewer reads, the same rows, never a stale log.

`board.lock_for_append` no longer reads the log row again on SQLite inside a write transaction
when the session already holds it, since `write_transaction` expires everything before it takes
the lock; these tests pin that reasoning down, and that what a cast stores is what the receipt and
the verifier expect.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from flask import Flask
from sqlalchemy import event, select

from app import board, create_app
from app.database import write_transaction
from app.extensions import db
from app.motions import service
from app.motions.models import Ballot, LogCheckpoint, LogLeaf, Motion, TransparencyLog
from ballots.checkpoint import open_checkpoint
from ballots.note import parse_vkey
from ballots.receipt import verify_receipt
from tests.app import test_delegate
from tests.app.motion_helpers import cast_as
from tests.app.test_delegate import new_motion

fed = test_delegate.fed  # halifax (delegate@ and alt.halifax@), bow-valley, ottawa (ottawa@)


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_a_cast_reads_the_log_once_with_its_motion(fed: Flask, statements: list[str]) -> None:
    motion_id = new_motion(fed, revote=True)
    with fed.app_context():
        cast_as(motion_id, "delegate@example.org", "yes")
        statements.clear()
        cast_as(motion_id, "delegate@example.org", "no")  # a changed vote: the most statements a cast runs
    under_lock = statements[statements.index("BEGIN IMMEDIATE"):]
    log_reads = [s for s in under_lock if s.startswith("SELECT") and "transparency_log" in s]
    assert len(log_reads) == 1 and "FROM motion LEFT OUTER JOIN transparency_log" in log_reads[0], log_reads
    assert len(under_lock) <= 12, "\n".join(under_lock)  # BEGIN IMMEDIATE, 6 reads (the last: the latest ballot time), 5 writes


def test_a_log_read_before_the_write_lock_is_read_again_under_it(fed: Flask, tmp_path: Any) -> None:
    """Another process appends between this session's read and its write transaction: the append
    under the lock must continue from the other process's leaf, not from what was read before."""
    motion_id = new_motion(fed, revote=True)
    other = create_app({**fed.config, "INSTANCE_PATH": fed.instance_path})
    with fed.app_context():
        log_id = db.session.get(Motion, motion_id).log_id
        stale = db.session.get(TransparencyLog, log_id)
        size_before = stale.size  # read in this session's read transaction
        with other.app_context():
            cast_as(motion_id, "ottawa@example.org", "yes")  # another worker's cast
            db.engine.dispose()
        with write_transaction():
            log = board.lock_for_append(log_id)
            assert log.size == size_before + 1
        receipt = cast_as(motion_id, "delegate@example.org", "no")
        assert receipt.index == size_before + 1


def test_what_a_cast_stores_agrees_with_its_receipt(fed: Flask) -> None:
    motion_id = new_motion(fed, revote=True)
    with fed.app_context():
        first = cast_as(motion_id, "delegate@example.org", "yes")
        second = cast_as(motion_id, "delegate@example.org", "no")
        assert second.superseded == first.index
        log = db.session.scalar(select(TransparencyLog).join(Motion, Motion.log_id == TransparencyLog.id)
                                .where(Motion.id == motion_id))
        leaf = db.session.get(LogLeaf, (log.id, second.index))
        assert leaf.leaf == second.receipt["leaf"] and leaf.tracking_code == second.tracking_code
        note = db.session.scalar(select(LogCheckpoint.note).where(LogCheckpoint.log_id == log.id,
                                                                   LogCheckpoint.size == log.size))
        assert note == second.receipt["checkpoint"]
        assert open_checkpoint(note, [parse_vkey(log.verifier_key)], origin=log.origin).root == service.log_root(log)
        verify_receipt(second.receipt, log.verifier_key)
        rows = {b.leaf_index: b for b in db.session.scalars(select(Ballot).where(Ballot.motion_id == motion_id))}
        assert rows[first.index].counted is False and rows[second.index].counted is True
        assert rows[second.index].id == second.ballot_id
        assert board.receipt_for(log, second.index)["leaf"] == second.receipt["leaf"]
