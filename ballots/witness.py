"""A C2SP tlog-witness (https://c2sp.org/tlog-witness): the ``add-checkpoint`` logic.

A witness keeps, per log origin, the last checkpoint it cosigned. A request (the body of
``POST /add-checkpoint``) is ::

    old <size the client believes the witness holds>
    <zero to 63 consistency proof hashes, one base64 line each>
    <empty line>
    <the new signed checkpoint>

and the answer follows the spec: 400 malformed (or old size above the new size), 404 no log key
for the origin, 403 no trusted log signature, 409 (body ``<size>\\n``, type ``text/x.tlog.size``)
when ``old`` is not the size the witness holds or equal sizes have different roots, 422 when the
consistency proof does not verify, else 200 with the cosignature line. On 422, and on 409 for
equal sizes with different roots, the witness keeps both signed checkpoints as *evidence* of a
fork (:data:`EVIDENCE_FORMAT`, one JSON file in ``<state>/evidence/``).

A log key vouches for the origin equal to its name and for every origin below it
(``<name>/...``): lipvote has one log per motion under one key.

State is one JSON file per origin in ``<state>/logs/``, written to a temporary file, fsynced and
renamed (then the directory fsynced) before the cosignature is returned; checking the old size
and writing the new state happen under one lock (a thread lock and ``flock`` on
``<state>/lock``), so two requests can never roll the state back.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .checkpoint import Checkpoint, parse_checkpoint
from .cosignature import Cosigner
from .errors import BallotsError, ProofError
from .merkle import HASH_SIZE, verify_consistency
from .note import Verifier, _split, b64decode_strict, b64encode, open_note

__all__ = ["Answer", "Witness", "EVIDENCE_FORMAT", "MAX_REQUEST_BYTES", "MAX_PROOF_LINES",
           "SIZE_CONTENT_TYPE", "add_checkpoint_request", "read_evidence"]

EVIDENCE_FORMAT = "lipvote-witness-evidence/1"
STATE_FORMAT = "lipvote-witness-state/1"
MAX_REQUEST_BYTES = 128 * 1024
MAX_PROOF_LINES = 63
SIZE_CONTENT_TYPE = "text/x.tlog.size"
_OLD_RE = re.compile(r"old (0|[1-9][0-9]{0,18})\Z")


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer: status, content type and body."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"

    @classmethod
    def text(cls, status: int, sentence: str) -> Answer:
        return cls(status, (sentence + "\n").encode("utf-8"))


@dataclass(frozen=True, slots=True)
class _Request:
    old_size: int
    proof: list[bytes]
    note: str
    text: str
    checkpoint: Checkpoint


@dataclass(frozen=True, slots=True)
class _Held:
    size: int
    root: bytes
    note: str


def add_checkpoint_request(old_size: int, proof: Sequence[bytes], note: str) -> bytes:
    """The body of an ``add-checkpoint`` request (what a log sends)."""
    lines = [f"old {old_size}\n"] + [b64encode(h) + "\n" for h in proof] + ["\n", note]
    return "".join(lines).encode("utf-8")


def _parse_request(body: bytes) -> _Request:
    if len(body) > MAX_REQUEST_BYTES:
        raise ValueError(f"the request is larger than {MAX_REQUEST_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError("the request is not UTF-8 text") from e
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise ValueError("the request has no empty line before the checkpoint")
    lines = head.split("\n")
    old = _OLD_RE.match(lines[0])
    if old is None:
        raise ValueError("the first line must be 'old <size>' in decimal without leading zeros")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise ValueError(f"the consistency proof has more than {MAX_PROOF_LINES} lines")
    proof = [b64decode_strict(line, f"proof line {i}") for i, line in enumerate(lines[1:], 1)]
    if any(len(h) != HASH_SIZE for h in proof):
        raise ValueError(f"each proof line must be a {HASH_SIZE}-byte hash")
    note_text, _ = _split(note)
    return _Request(int(old.group(1)), proof, note, note_text, parse_checkpoint(note_text))


def _origin_file(origin: str) -> str:
    return hashlib.sha256(origin.encode("utf-8")).hexdigest() + ".json"


def _write_durably(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file, fsync it, rename it over ``path``, fsync the folder."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def read_evidence(data: bytes | str) -> tuple[str, str, str]:
    """The origin and the two conflicting signed checkpoints of an evidence file."""
    try:
        doc = json.loads(data)
    except ValueError as e:
        raise BallotsError(f"witness evidence: not JSON ({e})") from e
    if not isinstance(doc, dict) or doc.get("format") != EVIDENCE_FORMAT:
        raise BallotsError(f"witness evidence: want a JSON object of format {EVIDENCE_FORMAT}")
    parts = doc.get("origin"), doc.get("held"), doc.get("offered")
    if not all(isinstance(p, str) for p in parts):
        raise BallotsError("witness evidence: want the strings origin, held and offered")
    return parts  # type: ignore[return-value]


class Witness:
    """One witness: its cosigning key, the log keys it trusts, its state folder."""

    def __init__(self, cosigner: Cosigner, log_keys: Sequence[Verifier],
                 state_dir: str | os.PathLike[str], clock: Callable[[], float] = time.time) -> None:
        self.cosigner = cosigner
        self.log_keys = list(log_keys)
        self.state_dir = Path(state_dir)
        self.clock = clock
        self._lock = threading.Lock()
        for sub in ("logs", "evidence"):
            (self.state_dir / sub).mkdir(parents=True, exist_ok=True, mode=0o700)

    def add_checkpoint(self, body: bytes) -> Answer:
        """Handle one ``add-checkpoint`` request body; never raises for bad input."""
        try:
            req = _parse_request(body)
        except (ValueError, BallotsError) as e:
            return Answer.text(400, f"bad request: {e}")
        keys = self._keys_for(req.checkpoint.origin)
        if not keys:
            return Answer.text(404, f"unknown log: no key for origin {req.checkpoint.origin}")
        try:
            open_note(req.note, keys)
        except BallotsError:
            return Answer.text(403, "the checkpoint carries no valid signature by the log's key")
        if req.old_size > req.checkpoint.size:
            return Answer.text(400, f"old size {req.old_size} is above the checkpoint's size "
                               f"{req.checkpoint.size}")
        if req.old_size == 0 and req.proof:
            return Answer.text(400, "the consistency proof must be empty from size 0")
        with self._locked():
            return self._add_locked(req)

    def held(self, origin: str) -> tuple[int, bytes, str] | None:
        """Size, root and signed note of the last checkpoint cosigned for ``origin``."""
        h = self._load(origin)
        return (h.size, h.root, h.note) if h else None

    def evidence_files(self) -> list[Path]:
        return sorted((self.state_dir / "evidence").glob("*.json"))

    def _keys_for(self, origin: str) -> list[Verifier]:
        return [k for k in self.log_keys if origin == k.name or origin.startswith(k.name + "/")]

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock, open(self.state_dir / "lock", "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _add_locked(self, req: _Request) -> Answer:
        cp = req.checkpoint
        held = self._load(cp.origin)
        held_size = held.size if held else 0
        if req.old_size != held_size:
            return self._conflict(held_size)
        if held is not None and held.size == cp.size and held.root != cp.root:
            self._keep_evidence(held, req, "two checkpoints of one size with different roots")
            return self._conflict(held_size)
        if held is not None and held.size < cp.size:
            try:
                verify_consistency(held.size, cp.size, req.proof, held.root, cp.root)
            except ProofError as e:
                self._keep_evidence(held, req, f"the consistency proof does not verify: {e}")
                return Answer.text(422, f"the checkpoint is not consistent with size {held.size}: "
                                   f"{e}")
        self._store(_Held(cp.size, cp.root, req.note), cp.origin)
        line = self.cosigner.cosign(req.text, int(self.clock()))
        return Answer(200, line.encode("utf-8"))

    @staticmethod
    def _conflict(size: int) -> Answer:
        return Answer(409, f"{size}\n".encode("ascii"), SIZE_CONTENT_TYPE)

    def _load(self, origin: str) -> _Held | None:
        path = self.state_dir / "logs" / _origin_file(origin)
        try:
            doc = json.loads(path.read_bytes())
        except FileNotFoundError:
            return None
        return _Held(int(doc["size"]), b64decode_strict(doc["root"], "stored root"), doc["checkpoint"])

    def _store(self, held: _Held, origin: str) -> None:
        doc = {"format": STATE_FORMAT, "origin": origin, "size": held.size,
               "root": b64encode(held.root), "checkpoint": held.note}
        _write_durably(self.state_dir / "logs" / _origin_file(origin),
                       json.dumps(doc, indent=1).encode("utf-8"))

    def _keep_evidence(self, held: _Held, req: _Request, why: str) -> None:
        doc = {"format": EVIDENCE_FORMAT, "origin": req.checkpoint.origin, "why": why,
               "held": held.note, "offered": req.note, "old_size": req.old_size,
               "proof": [b64encode(h) for h in req.proof],
               "recorded_at": int(self.clock())}
        name = (f"{_origin_file(req.checkpoint.origin)[:16]}-{held.size}-{req.checkpoint.size}-"
                f"{hashlib.sha256(req.note.encode('utf-8')).hexdigest()[:12]}.json")
        _write_durably(self.state_dir / "evidence" / name, json.dumps(doc, indent=1).encode("utf-8"))
