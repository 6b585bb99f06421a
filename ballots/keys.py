"""Checkpoint signing keys: load or create on disk, and rotate.

The key file holds one line, the signing key in the
``golang.org/x/mod/sumdb/note`` form ``PRIVATE+KEY+<name>+<keyid>+<base64>``.
:func:`load_or_create` makes it with mode 0600 and never overwrites: the key
is written to a private temporary file and hard-linked into place, so when two
processes race, one link wins and both end up using the winner's key.

Rotation: the current key signs a statement announcing the next key; the
statement goes into the log as a ``key`` leaf (:func:`key_rotation_leaf`).
Checkpoints of sizes after that leaf are signed by the new key, and the
verifier follows the chain with :func:`follow_rotation`, keeping the keys it
followed in a :class:`KeyChain` (which key signs checkpoints of which sizes).
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from pathlib import Path

from .checkpoint import open_checkpoint, parse_checkpoint
from .errors import KeyFormatError, VerificationError
from .leaves import KeyLeaf, _build, format_time
from .note import Signer, Verifier, _split, open_note, parse_vkey, sign_note

__all__ = [
    "MAX_KEY_FILE_BYTES",
    "load_signing_key",
    "load_or_create",
    "rotation_statement_text",
    "key_rotation_leaf",
    "follow_rotation",
    "KeyChain",
]

MAX_KEY_FILE_BYTES = 4096
ROTATION_FORMAT = "lipvote-key-rotation/1"


def load_signing_key(path: str | os.PathLike[str]) -> Signer:
    """Read a signing key file; raise :class:`KeyFormatError` if unreadable."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            data = f.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as e:
        raise KeyFormatError(f"signing key file {p}: {e.strerror or e}") from e
    if len(data) > MAX_KEY_FILE_BYTES:
        raise KeyFormatError(f"signing key file {p}: larger than {MAX_KEY_FILE_BYTES} bytes")
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as e:
        raise KeyFormatError(f"signing key file {p}: not ASCII text") from e
    try:
        return Signer.from_skey(text)
    except KeyFormatError as e:
        raise KeyFormatError(f"signing key file {p}: {e}") from e


def load_or_create(path: str | os.PathLike[str], name: str) -> Signer:
    """Load the key at ``path``, creating it (mode 0600) if it does not exist.

    ``name`` is the signed-note key name used when creating; an existing key
    keeps its own name.
    """
    p = Path(path)
    if p.exists():
        return load_signing_key(p)
    signer = Signer.generate(name)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(signer.to_skey() + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, p)
        except FileExistsError:
            return load_signing_key(p)  # another process won the race
    finally:
        tmp.unlink(missing_ok=True)
    return signer


def rotation_statement_text(origin: str, new_vkey: str, announced_at: str) -> str:
    """Note text the old key signs: format, origin, new vkey, time; one per line."""
    return f"{ROTATION_FORMAT}\n{origin}\n{new_vkey}\n{announced_at}\n"


def key_rotation_leaf(*, motion: str, origin: str, old: Signer, new_vkey: str,
                      announced_at: datetime | str) -> str:
    """Canonical text of a ``key`` leaf announcing ``new_vkey``, signed by ``old``."""
    parse_vkey(new_vkey)
    when = format_time(announced_at)
    statement = sign_note(rotation_statement_text(origin, new_vkey, when), [old])
    return _build({"type": "key", "motion": motion, "new_key": new_vkey,
                   "announced_at": when, "statement": statement})


def follow_rotation(leaf: KeyLeaf, origin: str, current: Verifier) -> Verifier:
    """Check a ``key`` leaf against the key in force; return the new key.

    Raises :class:`VerificationError` (or :class:`SignatureError`) if the
    statement is not signed by ``current`` or does not match the leaf.
    """
    opened = open_note(leaf.statement, [current])
    want = rotation_statement_text(origin, leaf.new_key, leaf.announced_at)
    if opened.text != want:
        raise VerificationError("key rotation statement does not match the leaf's origin, "
                                "new key and time")
    return parse_vkey(leaf.new_key)


class KeyChain:
    """Which key signs checkpoints of which sizes, following ``key`` leaves."""

    def __init__(self, first: Verifier) -> None:
        self.starts: list[tuple[int, Verifier]] = [(0, first)]

    def at(self, size: int) -> Verifier:
        """Key in force for a checkpoint of ``size`` leaves."""
        key = self.starts[0][1]
        for start, v in self.starts:
            if start <= size:
                key = v
        return key

    def add(self, index: int, v: Verifier) -> None:
        # the checkpoint that first includes leaf ``index`` is signed by the new key
        self.starts.append((index + 1, v))

    def open(self, note: str, origin: str) -> tuple[int, bytes]:
        """Size and root of a signed checkpoint, checked with the key in force for its size."""
        size = parse_checkpoint(_split(note)[0]).size
        sc = open_checkpoint(note, [self.at(size)], origin=origin)
        return sc.size, sc.root
