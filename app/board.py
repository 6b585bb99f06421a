"""The bulletin board as stored by the web app: append leaves, sign checkpoints, prove inclusion.

Every append runs inside the caller's write transaction (`app.database.write_transaction`), so
the leaf, the new frontier and the signed checkpoint are committed together or not at all, and
two appends can never take the same index. The Merkle work is done by `ballots`.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Iterator

from flask import current_app
from sqlalchemy import Insert, Select, Update, bindparam, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ballots import merkle
from ballots.bundle import MAX_CHECKPOINTS as MAX_BUNDLE_CHECKPOINTS
from ballots.checkpoint import open_checkpoint, sign_checkpoint
from ballots.keys import load_or_create
from ballots.leaves import parse_leaf
from ballots.note import Signer, parse_vkey
from ballots.receipt import build_receipt, tracking_code

from app.database import in_write_transaction
from app.extensions import db
from app.motions.models import LogCheckpoint, LogKind, LogLeaf, TransparencyLog

AUDIT_LOG_SUFFIX = "/audit"


@lru_cache(maxsize=4)
def _signer_at(path: str, name: str) -> Signer:
    return load_or_create(path, name)


def signer() -> Signer:
    """The checkpoint signing key (created under instance/ with mode 0600 on first use)."""
    return _signer_at(current_app.config["LIPVOTE_SIGNING_KEY"], current_app.config["LIPVOTE_LOG_ORIGIN"])


def motion_origin(motion_id: int) -> str:
    return f"{current_app.config['LIPVOTE_LOG_ORIGIN']}/motion/{motion_id}"


def audit_origin() -> str:
    return current_app.config["LIPVOTE_LOG_ORIGIN"] + AUDIT_LOG_SUFFIX


def create_log(origin: str, kind: LogKind) -> TransparencyLog:
    log = TransparencyLog(origin=origin, kind=kind, size=0, frontier_json="[]", verifier_key=signer().vkey)
    db.session.add(log)
    db.session.flush()
    return log


@dataclass(frozen=True)
class Appended:
    index: int
    leaf: str
    leaf_hash: bytes
    tracking_code: str
    checkpoint: str
    proof: list[bytes]
    verifier_key: str  # the key that signed `checkpoint`

    def receipt(self, origin: str) -> dict[str, object]:
        return build_receipt(origin=origin, index=self.index, leaf=self.leaf, checkpoint=self.checkpoint, proof=self.proof,
                             verifier_key=self.verifier_key)


@dataclass(frozen=True)
class _AppendStatements:
    leaf: Insert
    checkpoint: Insert
    head: Update


@lru_cache(maxsize=1)
def _append_statements() -> _AppendStatements:
    """Built once: building and keying a statement costs about as much as running it on SQLite."""
    logs = TransparencyLog.__table__
    return _AppendStatements(
        leaf=insert(LogLeaf.__table__),
        checkpoint=insert(LogCheckpoint.__table__),
        head=update(logs).where(logs.c.id == bindparam("log_id"))
        .values(size=bindparam("size"), frontier_json=bindparam("frontier_json")),
    )


# The session's info key listing the logs this transaction signed a new checkpoint for (the
# witnesses are asked about them once it commits: app/witnesses.py).
NEW_CHECKPOINTS = "lipvote_new_checkpoints"


def append(log: TransparencyLog, leaf: str) -> Appended:
    """Append one canonical leaf at the next index and store the new signed checkpoint.

    The caller holds the write lock (SQLite `BEGIN IMMEDIATE`; on PostgreSQL the log row is
    locked with `lock_for_append`). The receipt proof comes from the frontier alone. The three
    rows are written as plain statements (no unit of work to sort out), and `log` is kept equal
    to its stored row, so the next append in the same transaction continues from it.
    """
    kind = type(parse_leaf(leaf)).__name__.removesuffix("Leaf").lower()
    index = log.size
    frontier = merkle.frontier_from_json(json.loads(log.frontier_json), index)
    hashed = merkle.leaf_hash(leaf.encode("utf-8"))
    proof = merkle.frontier_inclusion_proof(frontier, index)
    new_frontier = merkle.frontier_append(frontier, index, hashed)
    size = index + 1
    key = signer()
    note = sign_checkpoint(key, log.origin, size, merkle.frontier_root(new_frontier, size))
    code = tracking_code(hashed)
    frontier_json = json.dumps(merkle.frontier_to_json(new_frontier))
    statements = _append_statements()
    db.session.execute(statements.leaf, {"log_id": log.id, "index": index, "leaf": leaf, "leaf_hash": hashed,
                                         "tracking_code": code, "kind": kind})
    db.session.execute(statements.checkpoint, {"log_id": log.id, "size": size, "note": note})
    db.session.execute(statements.head, {"log_id": log.id, "size": size, "frontier_json": frontier_json})
    set_committed_value(log, "size", size)
    set_committed_value(log, "frontier_json", frontier_json)
    db.session.info.setdefault(NEW_CHECKPOINTS, set()).add(log.id)
    return Appended(index, leaf, hashed, code, note, proof, key.vkey)


def lock_for_append(log_id: int) -> TransparencyLog:
    """Load a log row for appending; on PostgreSQL this takes a row lock until commit.

    The row is read afresh even if the session already holds it: an object loaded before the
    lock was taken may carry another transaction's older size and frontier. On SQLite inside
    `write_transaction()` a log object the session already holds is used as it is: that
    transaction took the database's one write lock with its first statement (`BEGIN IMMEDIATE`)
    after every object of the session had been expired (`write_transaction` ends the read
    transaction before; a commit or rollback expires them), so anything loaded since was read
    under the lock and no other writer can have changed it.
    """
    if db.engine.dialect.name == "sqlite" and in_write_transaction():
        held = db.session.get(TransparencyLog, log_id)
        if held is None:
            raise LookupError(f"no transparency log {log_id}")
        return held
    log = db.session.scalar(select(TransparencyLog).where(TransparencyLog.id == log_id).with_for_update()
                            .execution_options(populate_existing=True))
    if log is None:
        raise LookupError(f"no transparency log {log_id}")
    return log


def leaves(log: TransparencyLog, start: int = 0, stop: int | None = None) -> list[LogLeaf]:
    query = select(LogLeaf).where(LogLeaf.log_id == log.id, LogLeaf.index >= start).order_by(LogLeaf.index)
    if stop is not None:
        query = query.where(LogLeaf.index < stop)
    return list(db.session.scalars(query))


def latest_checkpoint(log: TransparencyLog) -> str | None:
    latest = latest_signed(log)
    return latest[1] if latest else None


def latest_signed(log: TransparencyLog) -> tuple[int, str] | None:
    """The size and note of the log's latest signed checkpoint, read in one statement.

    Everything served against "the current log" (receipts, consistency proofs) is computed for
    this size, from the leaves below it: on PostgreSQL each statement of a request may see a
    newer commit than the one before, so a proof built from every leaf stored and a checkpoint
    read a moment later can describe two different trees.
    """
    row = db.session.execute(_latest_checkpoint_of(), {"log_id": log.id}).first()
    return (int(row.size), str(row.note)) if row else None


# The statements every receipt runs are built once with their values as parameters, as the
# casting service's are (building and keying a statement costs about as much as running it).


@cache
def _latest_checkpoint_of() -> Select[tuple[int, str]]:
    return (select(LogCheckpoint.size, LogCheckpoint.note).where(LogCheckpoint.log_id == bindparam("log_id"))
            .order_by(LogCheckpoint.size.desc()).limit(1))


@cache
def _hashes_between() -> Select[tuple[bytes]]:
    return (select(LogLeaf.leaf_hash).where(LogLeaf.log_id == bindparam("log_id"), LogLeaf.index >= bindparam("start"),
                                            LogLeaf.index < bindparam("stop"))
            .order_by(LogLeaf.index))


def checkpoint_at(log: TransparencyLog, size: int) -> str | None:
    return db.session.scalar(select(LogCheckpoint.note).where(LogCheckpoint.log_id == log.id, LogCheckpoint.size == size))


def tree(log: TransparencyLog, size: int) -> merkle.Tree:
    """The tree of the first `size` leaves, from their stored hashes (no leaf is re-hashed).

    This is the plain reference; receipts use `signed_tree`, which keeps the trees it built.
    """
    built = merkle.Tree()
    built.extend(_stored_hashes(log, 0, size))
    if built.size != size:
        raise LookupError(f"{log.origin}: got {built.size} stored leaves below size {size}")
    return built


def _stored_hashes(log: TransparencyLog, start: int, stop: int) -> Iterator[bytes]:
    return (bytes(h) for h in db.session.scalars(_hashes_between(), {"log_id": log.id, "start": start, "stop": stop}))


class _TreeCache:
    """The trees this process has built, extended with the leaves appended since.

    A log's committed leaves never change, so a receipt needs to read only the leaf hashes
    added since the last one instead of every hash of the log (the receipt page was rebuilding
    the whole tree each time). A cached tree is used only if, extended to the requested size,
    its root is the root that size's signed checkpoint states; otherwise (say, another database
    under the same URL, as in tests) it is rebuilt from every stored hash.
    """

    def __init__(self, logs: int = 64) -> None:
        self._trees: OrderedDict[tuple[str, str, int], merkle.Tree] = OrderedDict()
        self._logs = logs
        self._lock = threading.Lock()

    def tree(self, log: TransparencyLog, size: int, root: bytes) -> merkle.Tree:
        key = (str(db.engine.url), log.origin, log.id)
        with self._lock:
            cached = self._trees.pop(key, None) or merkle.Tree()
        if cached.size < size:
            cached.extend(_stored_hashes(log, cached.size, size))
        if cached.size < size or cached.root(size) != root:
            cached = tree(log, size)  # the reference, from every stored hash
            if cached.root() != root:
                raise LookupError(f"{log.origin}: the stored leaves below {size} do not give the signed root")
        with self._lock:
            self._trees[key] = cached
            while len(self._trees) > self._logs:
                self._trees.popitem(last=False)
        return cached


_trees = _TreeCache()


def signed_root(log: TransparencyLog, note: str) -> bytes:
    return _checked_root(note, log.verifier_key, log.origin)


@lru_cache(maxsize=256)
def _checked_root(note: str, verifier_key: str, origin: str) -> bytes:
    """The root a checkpoint states, once its signature is checked against the log's key.

    Kept per (note, key, origin): the same checkpoint text checked against the same key always
    gives the same answer, and every receipt against the latest checkpoint checked it again. A
    note that fails the check raises and is not kept."""
    return open_checkpoint(note, [parse_vkey(verifier_key)], origin=origin).root


def signed_tree(log: TransparencyLog, size: int, note: str) -> merkle.Tree:
    """The tree of the first `size` leaves, checked against the signed checkpoint `note`."""
    return _trees.tree(log, size, signed_root(log, note))


def consistency_proof(log: TransparencyLog, old_size: int, new_size: int) -> list[bytes]:
    return tree(log, new_size).consistency_proof(old_size, new_size)


def receipt_for(log: TransparencyLog, index: int) -> dict[str, object]:
    """A receipt for leaf `index` against the log's latest checkpoint, naming the log's key (which
    `signed_tree` checked the checkpoint against)."""
    row = db.session.get(LogLeaf, (log.id, index))
    latest = latest_signed(log)
    if row is None or latest is None or index >= latest[0]:
        raise LookupError(f"no leaf {index} in {log.origin}")
    size, note = latest
    proof = signed_tree(log, size, note).inclusion_proof(index, size)
    from app.witnesses import cosigned_note  # the witnesses' cosignatures of this checkpoint, if any

    return build_receipt(origin=log.origin, index=index, leaf=row.leaf, checkpoint=cosigned_note(log, size, note),
                         proof=proof, verifier_key=log.verifier_key)


def find_by_tracking_code(log: TransparencyLog, code: str) -> LogLeaf | None:
    return db.session.scalar(select(LogLeaf).where(LogLeaf.log_id == log.id, LogLeaf.tracking_code == code))


def earlier_checkpoints(log: TransparencyLog, size: int) -> list[str]:
    """The checkpoints the server signed for the log below `size`, smallest first, for its bundle.

    All of them, unless there are more than a bundle may hold; then an even spread that keeps
    the first and the last (docs/bulletin-board.md §6).
    """
    notes = list(db.session.scalars(select(LogCheckpoint.note).where(
        LogCheckpoint.log_id == log.id, LogCheckpoint.size < size).order_by(LogCheckpoint.size)))
    room = MAX_BUNDLE_CHECKPOINTS - 1
    if len(notes) <= room:
        return notes
    return [notes[k * (len(notes) - 1) // (room - 1)] for k in range(room)]
