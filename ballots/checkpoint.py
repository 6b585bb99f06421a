"""Checkpoints (https://c2sp.org/tlog-checkpoint) in signed notes.

Body, each line ending in a newline::

    <origin>
    <tree size, ASCII decimal, no leading zeros>
    <root hash, standard base64 of 32 bytes>

lipvote writes no extension lines and refuses them when reading.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import NoteError, VerificationError
from .note import OpenedNote, Signer, Verifier, b64decode_strict, b64encode, open_note, sign_note

__all__ = [
    "Checkpoint",
    "SignedCheckpoint",
    "format_checkpoint",
    "parse_checkpoint",
    "sign_checkpoint",
    "open_checkpoint",
]

_SIZE_RE = re.compile(r"(0|[1-9][0-9]{0,18})\Z")
MAX_ORIGIN_CHARS = 300


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A checkpoint whose signature checked out, with the note as received."""

    checkpoint: Checkpoint
    note: str
    signed_by: Verifier

    @property
    def origin(self) -> str:
        return self.checkpoint.origin

    @property
    def size(self) -> int:
        return self.checkpoint.size

    @property
    def root(self) -> bytes:
        return self.checkpoint.root


def _check_origin(origin: object) -> str:
    if (not isinstance(origin, str) or not origin or len(origin) > MAX_ORIGIN_CHARS
            or "\n" in origin or not origin.isprintable()):
        raise NoteError(f"checkpoint origin {origin!r}: want one non-empty printable line")
    return origin


def format_checkpoint(cp: Checkpoint) -> str:
    """The note text of a checkpoint."""
    _check_origin(cp.origin)
    if isinstance(cp.size, bool) or not isinstance(cp.size, int) or cp.size < 0:
        raise NoteError(f"checkpoint size: got {cp.size!r}, want an integer >= 0")
    if len(cp.root) != 32:
        raise NoteError(f"checkpoint root: got {len(cp.root)} bytes, want 32")
    return f"{cp.origin}\n{cp.size}\n{b64encode(cp.root)}\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse checkpoint note text (not the signatures)."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("checkpoint: want three lines (origin, size, root) each ending in a "
                        "newline")
    if len(lines) > 4:
        raise NoteError(f"checkpoint: got {len(lines) - 4} extension line(s), want none")
    origin, size, root = lines[:3]
    _check_origin(origin)
    if not _SIZE_RE.match(size):
        raise NoteError(f"checkpoint size {size[:40]!r}: want a decimal without leading zeros")
    raw = b64decode_strict(root, "checkpoint root")
    if len(raw) != 32:
        raise NoteError(f"checkpoint root: got {len(raw)} bytes, want 32")
    return Checkpoint(origin, int(size), raw)


def sign_checkpoint(signer: Signer, origin: str, size: int, root: bytes) -> str:
    """Signed note text of the checkpoint ``(origin, size, root)``."""
    return sign_note(format_checkpoint(Checkpoint(origin, size, bytes(root))), [signer])


def open_checkpoint(note: str, verifiers: Sequence[Verifier],
                    origin: str | None = None) -> SignedCheckpoint:
    """Verify a signed checkpoint; if ``origin`` is given it must match.

    Raises :class:`NoteError` (malformed), :class:`SignatureError`, or
    :class:`VerificationError` for another log's origin.
    """
    opened: OpenedNote = open_note(note, verifiers)
    cp = parse_checkpoint(opened.text)
    if origin is not None and cp.origin != origin:
        raise VerificationError(f"checkpoint origin: got {cp.origin!r}, want {origin!r}")
    return SignedCheckpoint(cp, note, opened.verified_by)
