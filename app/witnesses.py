"""Asking member witnesses to cosign checkpoints (C2SP tlog-witness), and keeping their answers.

A witness is configured by `LIPVOTE_WITNESSES` (docs/configuration.md): its `add-checkpoint`
URL prefix and its public key. When a request commits a new checkpoint, each configured witness
is asked for a cosignature of the log's latest checkpoint by a background thread of the process
(the request only queues the log), each call bounded by `LIPVOTE_WITNESS_TIMEOUT_SECONDS`; so a
witness that is down or slow never delays a cast or holds a worker, and nothing is asked inside
a write transaction.
`lipvote tick` asks again for every log whose latest checkpoint some witness has not cosigned.
A cosignature is checked against the witness's key before it is stored (`log_cosignature`);
bundles and receipts carry the stored lines after the checkpoint's own signature.
"""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache

from flask import Flask, current_app, has_request_context
from sqlalchemy import Select, bindparam, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ballots.cosignature import Cosignature, WitnessKey, add_cosignatures, cosignatures, parse_witness_vkey
from ballots.errors import BallotsError
from ballots.witness import SIZE_CONTENT_TYPE, add_checkpoint_request

from app import board
from app.database import in_write_transaction, write_transaction
from app.extensions import db
from app.motions.models import LogCheckpoint, LogCosignature, TransparencyLog

DEFAULT_TIMEOUT_SECONDS = 1.0
MAX_ANSWER_BYTES = 64 * 1024

# a transport sends one add-checkpoint body and returns the status, content type and answer body
Transport = Callable[[bytes], tuple[int, str, bytes]]


class WitnessUnavailable(Exception):
    """The witness could not be reached, or did not answer in time."""


@dataclass(frozen=True)
class ConfiguredWitness:
    url: str  # the submission prefix: `<url>/add-checkpoint` is asked
    key: WitnessKey


def parse_witnesses(raw: str) -> list[ConfiguredWitness]:
    """`URL VKEY` pairs, separated by commas or new lines; raises ValueError with a sentence."""
    found = []
    for entry in raw.replace("\n", ",").split(","):
        parts = entry.split()
        if not parts:
            continue
        if len(parts) != 2 or not parts[0].startswith(("http://", "https://")):
            raise ValueError(f"LIPVOTE_WITNESSES: {entry.strip()!r} is not 'URL VKEY' with an http(s) URL")
        try:
            key = parse_witness_vkey(parts[1])
        except BallotsError as e:
            raise ValueError(f"LIPVOTE_WITNESSES: {parts[1]!r} is not a witness key: {e}") from e
        found.append(ConfiguredWitness(parts[0].rstrip("/"), key))
    return found


def configured() -> list[ConfiguredWitness]:
    return current_app.extensions.get("lipvote_witnesses", [])


def http_transport(url: str, timeout: float) -> Transport:
    """POST to `<url>/add-checkpoint` with a timeout for connecting and for each read."""

    def send(body: bytes) -> tuple[int, str, bytes]:
        request = urllib.request.Request(f"{url}/add-checkpoint", data=body, method="POST",
                                         headers={"Content-Type": "text/plain; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (configured URL)
                return answer.status, answer.headers.get("Content-Type", ""), answer.read(MAX_ANSWER_BYTES)
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read(MAX_ANSWER_BYTES)
        except (OSError, ValueError) as e:  # refused, unreachable, timed out, bad URL
            raise WitnessUnavailable(f"{url}: {e}") from e

    return send


def _timeout() -> float:
    return float(current_app.config["LIPVOTE_WITNESS_TIMEOUT_SECONDS"])


def _held_size(log_id: int, key: WitnessKey) -> int:
    """The largest size this witness has cosigned for this log, as far as the server knows."""
    size = db.session.scalar(select(func.max(LogCosignature.size)).where(
        LogCosignature.log_id == log_id, LogCosignature.witness_key == key.vkey))
    return int(size or 0)


def ask(log: TransparencyLog, key: WitnessKey, transport: Transport) -> Cosignature | None:
    """Ask one witness to cosign the log's latest checkpoint; store and return its cosignature.

    A 409 names the size the witness holds: the request is sent once more with a consistency
    proof from that size. Anything else but a valid cosignature is logged and skipped.
    """
    latest = board.latest_signed(log)
    if latest is None:
        return None
    size, note = latest
    old = _held_size(log.id, key)
    if old == size:
        return None  # already cosigned
    for _attempt in range(2):
        proof = _consistency_proof(log, old, size, note) if 0 < old < size else []
        status, content_type, body = transport(add_checkpoint_request(old, proof, note))
        if status != 409 or not content_type.startswith(SIZE_CONTENT_TYPE):
            break
        old = _size_in(body)
        if old is None or old > size:
            break
    if status != 200:
        current_app.logger.warning("Witness %s refused %s size %d: %d %s", key.name, log.origin, size, status,
                                   body[:200].decode("utf-8", "replace").strip())
        return None
    return _store(log, size, note, key, body)


def _consistency_proof(log: TransparencyLog, old: int, size: int, note: str) -> list[bytes]:
    """From the trees the board keeps (only the hashes appended since are read); from every
    stored hash when the checkpoint is signed by a key other than the log's first (a rotation)."""
    try:
        tree = board.signed_tree(log, size, note)
    except (BallotsError, LookupError):
        tree = board.tree(log, size)
    return tree.consistency_proof(old, size)


def _size_in(body: bytes) -> int | None:
    text = body.decode("ascii", "replace").strip()
    return int(text) if text.isdigit() and len(text) < 20 else None


def _store(log: TransparencyLog, size: int, note: str, key: WitnessKey, body: bytes) -> Cosignature | None:
    try:
        found, problems = cosignatures(add_cosignatures(note, body.decode("utf-8").splitlines()), [key])
    except (UnicodeDecodeError, BallotsError) as e:
        found, problems = [], [str(e)]
    if not found:
        current_app.logger.warning("Witness %s answered no valid cosignature for %s size %d: %s", key.name,
                                   log.origin, size, "; ".join(problems) or "no line by its key")
        return None
    cosig = found[0]
    try:
        with write_transaction():
            db.session.add(LogCosignature(log_id=log.id, size=size, witness_key=key.vkey, line=cosig.line,
                                          cosigned_at=datetime.fromtimestamp(cosig.timestamp, timezone.utc)))
    except IntegrityError:
        pass  # another worker stored this witness's cosignature of this size first
    return cosig


def cosign_logs(log_ids: Iterable[int], witnesses: Sequence[tuple[WitnessKey, Transport]] | None = None) -> int:
    """Ask every witness about each log's latest checkpoint; return how many cosignatures were stored."""
    if in_write_transaction():
        raise RuntimeError("witnesses are asked after the write transaction, never inside it")
    if witnesses is None:
        witnesses = [(w.key, http_transport(w.url, _timeout())) for w in configured()]
    stored = 0
    for log_id in sorted(set(log_ids)):
        log = db.session.get(TransparencyLog, log_id)
        if log is None:
            continue
        for key, transport in witnesses:
            try:
                stored += ask(log, key, transport) is not None
            except WitnessUnavailable as e:
                current_app.logger.warning("Witness %s is unavailable: %s", key.name, e)
    return stored


def cosign_pending() -> int:
    """`lipvote tick`: ask again for every log whose latest checkpoint a witness has not cosigned."""
    witnesses = configured()
    if not witnesses:
        return 0
    latest = select(LogCheckpoint.log_id, func.max(LogCheckpoint.size).label("size")).group_by(LogCheckpoint.log_id)
    pending = [row.log_id for row in db.session.execute(latest)
               if any(_held_size(row.log_id, w.key) < row.size for w in witnesses)]
    return cosign_logs(pending)


@cache
def _cosignature_lines_of() -> Select[tuple[str]]:
    """Built once: every receipt runs it (see `app.board`, statements built once)."""
    return (select(LogCosignature.line).where(LogCosignature.log_id == bindparam("log_id"),
                                              LogCosignature.size == bindparam("size"))
            .order_by(LogCosignature.id))


def stored_lines(log: TransparencyLog, size: int) -> list[str]:
    return list(db.session.scalars(_cosignature_lines_of(), {"log_id": log.id, "size": size}))


def cosigned_note(log: TransparencyLog, size: int, note: str) -> str:
    """The signed checkpoint `note` of `size` with the witnesses' cosignature lines after it."""
    lines = stored_lines(log, size)
    return add_cosignatures(note, lines) if lines and note else note


@dataclass(frozen=True)
class WitnessFacts:
    """What the key page shows of one witness that has cosigned on this server."""

    name: str
    vkey: str
    fingerprint: str
    cosignatures: int
    last_cosigned_at: datetime


def witness_facts() -> list[WitnessFacts]:
    rows = db.session.execute(select(LogCosignature.witness_key, func.count(), func.max(LogCosignature.cosigned_at))
                              .group_by(LogCosignature.witness_key).order_by(LogCosignature.witness_key))
    facts = []
    for vkey, count, last in rows:
        key = parse_witness_vkey(vkey)
        facts.append(WitnessFacts(key.name, vkey, key.fingerprint, int(count), last))
    return facts


def cosignature_facts(log: TransparencyLog, size: int) -> list[tuple[WitnessKey, datetime]]:
    """Who cosigned the checkpoint of `size`, and when (for the motion's audit page)."""
    rows = db.session.execute(select(LogCosignature.witness_key, LogCosignature.cosigned_at).where(
        LogCosignature.log_id == log.id, LogCosignature.size == size).order_by(LogCosignature.id))
    return [(parse_witness_vkey(vkey), when) for vkey, when in rows]


# --- asking in the background ----------------------------------------------------------------


class _Asker:
    """One thread per process asks the witnesses; a request that committed checkpoints only
    adds its logs to a set. So no worker waits for a witness, even after its response, and the
    logs that committed while a slow witness was being asked are asked about once, for their
    latest checkpoint. Asks still pending when the process ends are made by `lipvote tick`."""

    def __init__(self) -> None:
        self._pending: dict[Flask, set[int]] = {}
        self._busy = False
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, app: Flask, log_ids: Iterable[int]) -> None:
        with self._changed:
            self._pending.setdefault(app, set()).update(log_ids)
            if self._thread is None or not self._thread.is_alive():  # none yet, or lost in a fork
                self._thread = threading.Thread(target=self._run, name="lipvote-witnesses", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is pending or being asked (tests; an orderly shutdown)."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._pending and not self._busy, timeout)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._pending))
                app, log_ids = self._pending.popitem()
                self._busy = True
            try:
                with app.app_context():
                    cosign_logs(log_ids)
            except Exception:  # never let a witness problem end the thread
                app.logger.exception("Asking the witnesses failed")
            finally:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()


_asker = _Asker()
wait_idle = _asker.wait_idle


def _after_commit(session: Session) -> None:
    log_ids = session.info.pop(board.NEW_CHECKPOINTS, None)
    if not log_ids or not has_request_context() or not configured():
        return
    _asker.submit(current_app._get_current_object(), log_ids)  # type: ignore[attr-defined]


def _after_rollback(session: Session) -> None:
    session.info.pop(board.NEW_CHECKPOINTS, None)


_listening = False


def init_app(app: Flask) -> None:
    global _listening
    app.config.setdefault("LIPVOTE_WITNESSES", os.environ.get("LIPVOTE_WITNESSES", ""))
    app.config.setdefault("LIPVOTE_WITNESS_TIMEOUT_SECONDS",
                          os.environ.get("LIPVOTE_WITNESS_TIMEOUT_SECONDS", "") or DEFAULT_TIMEOUT_SECONDS)
    try:
        timeout = float(app.config["LIPVOTE_WITNESS_TIMEOUT_SECONDS"])
    except ValueError as e:
        raise SystemExit("LIPVOTE_WITNESS_TIMEOUT_SECONDS must be a number of seconds, e.g. 1 or 0.5.") from e
    if not 0 < timeout <= 60:
        raise SystemExit("LIPVOTE_WITNESS_TIMEOUT_SECONDS must be above 0 and at most 60 seconds.")
    app.config["LIPVOTE_WITNESS_TIMEOUT_SECONDS"] = timeout
    try:
        app.extensions["lipvote_witnesses"] = parse_witnesses(app.config["LIPVOTE_WITNESSES"])
    except ValueError as e:
        raise SystemExit(str(e)) from e
    if not _listening:
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
        _listening = True
