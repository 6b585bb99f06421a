"""C2SP tlog-cosignature v1 with Ed25519 (https://c2sp.org/tlog-cosignature).

A witness *cosigns* a checkpoint it has checked: a signed-note signature line ::

    — <witness name> base64(4-byte key ID || 8-byte timestamp || 64-byte Ed25519 signature)

where the key ID is ``SHA-256(name || 0x0A || 0x04 || public key)[:4]`` (signature type 0x04),
the timestamp is POSIX seconds, big-endian, below 2**63, and the signature is over ::

    cosignature/v1
    time <timestamp in ASCII decimal, no leading zeros>
    <the checkpoint's note text, origin, size and root, each line ending in a newline>

Witness keys travel as vkeys ``name+keyid+base64(0x04 || public key)``; the private key file is
``PRIVATE+KEY+name+keyid+base64(0x04 || 32-byte seed)``, the form :mod:`ballots.note` uses with
type 0x01. One key MUST NOT serve two witness names: the signed message does not name the witness.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .errors import KeyFormatError, NoteError
from .note import (Verifier, _check_name, _split, b64decode_strict, b64encode, check_skey_id, format_skey, key_id,
                   parse_skey)

__all__ = [
    "ALG_COSIGNATURE_V1",
    "MAX_TIMESTAMP",
    "WitnessKey",
    "Cosigner",
    "Cosignature",
    "parse_witness_vkey",
    "cosignature_message",
    "cosignatures",
    "add_cosignatures",
]

ALG_COSIGNATURE_V1 = 0x04
MAX_TIMESTAMP = (1 << 63) - 1
_DASH = "\u2014"
_HEX_ID = re.compile(r"[0-9a-f]{8}\Z")


def cosignature_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The exact bytes a cosigner signs: header line, time line, then the checkpoint text."""
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError(f"cosignature time: got {timestamp!r}, want 0 to 2**63-1")
    if not checkpoint_text.endswith("\n"):
        raise NoteError("cosigned checkpoint text: must end with a newline")
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode("utf-8")


@dataclass(frozen=True, slots=True)
class WitnessKey:
    """A witness's named Ed25519 public key (signature type 0x04)."""

    name: str
    public_key: bytes
    key_id: int = field(init=False)

    def __post_init__(self) -> None:
        _check_name(self.name, KeyFormatError)
        if len(self.public_key) != 32:
            raise KeyFormatError(f"witness public key: got {len(self.public_key)} bytes, want 32")
        object.__setattr__(self, "key_id", key_id(self.name, self.public_key, ALG_COSIGNATURE_V1))

    @property
    def vkey(self) -> str:
        return (f"{self.name}+{self.key_id:08x}+"
                f"{b64encode(bytes([ALG_COSIGNATURE_V1]) + self.public_key)}")

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the raw public key in groups of four hex digits, as for log keys."""
        return Verifier(self.name, self.public_key).fingerprint

    def timestamp_of(self, checkpoint_text: str, signature: bytes) -> int | None:
        """The cosignature's time if ``signature`` (timestamp || Ed25519) is valid, else None."""
        if len(signature) != 8 + 64:
            return None
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            return None
        message = cosignature_message(checkpoint_text, timestamp)
        if not Verifier(self.name, self.public_key).verify(message, signature[8:]):
            return None
        return timestamp


def parse_witness_vkey(vkey: str) -> WitnessKey:
    """Parse ``name+keyid+base64(0x04 || key)``; the key ID must match."""
    if not isinstance(vkey, str) or len(vkey) > 1000:
        raise KeyFormatError("witness key: want a string name+keyid+base64")
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        raise KeyFormatError(f"witness key {vkey!r}: want name+keyid+base64")
    name, hexid, b64 = parts
    if not _HEX_ID.match(hexid):
        raise KeyFormatError(f"witness key id {hexid!r}: want 8 lowercase hex digits")
    raw = b64decode_strict(b64, "witness key", KeyFormatError)
    if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
        raise KeyFormatError(f"witness key: got {len(raw)} bytes starting "
                             f"{raw[:1].hex() or 'empty'}, want 0x04 then a 32-byte Ed25519 key")
    key = WitnessKey(_check_name(name, KeyFormatError), raw[1:])
    if key.key_id != int(hexid, 16):
        raise KeyFormatError(f"witness key id: got {hexid}, want {key.key_id:08x} for this name "
                             "and key")
    return key


class Cosigner:
    """A witness's private key: it makes cosignature lines."""

    __slots__ = ("_private", "key")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self._private = private_key
        self.key = WitnessKey(name, private_key.public_key().public_bytes(Encoding.Raw,
                                                                           PublicFormat.Raw))

    @classmethod
    def generate(cls, name: str) -> Cosigner:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Cosigner:
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_skey(cls, skey: str) -> Cosigner:
        """Parse ``PRIVATE+KEY+name+keyid+base64(0x04 || seed)``."""
        name, hexid, seed = parse_skey(skey, ALG_COSIGNATURE_V1, "witness signing key")
        cosigner = cls.from_seed(name, seed)
        check_skey_id(hexid, cosigner.key.key_id, "witness signing key")
        return cosigner

    def to_skey(self) -> str:
        return format_skey(self.key.name, self.key.key_id, ALG_COSIGNATURE_V1, self._private)

    @property
    def name(self) -> str:
        return self.key.name

    @property
    def vkey(self) -> str:
        return self.key.vkey

    def cosign(self, checkpoint_text: str, timestamp: int) -> str:
        """One signature line (ending in a newline) cosigning ``checkpoint_text`` at ``timestamp``."""
        signature = self._private.sign(cosignature_message(checkpoint_text, timestamp))
        blob = self.key.key_id.to_bytes(4, "big") + timestamp.to_bytes(8, "big") + signature
        return f"{_DASH} {self.key.name} {b64encode(blob)}\n"

    def __repr__(self) -> str:
        return f"Cosigner({self.vkey!r})"


@dataclass(frozen=True, slots=True)
class Cosignature:
    """A valid cosignature found on a checkpoint: who, when, and its signature line."""

    witness: WitnessKey
    timestamp: int
    line: str


def cosignatures(note: str, witnesses: Sequence[WitnessKey]) -> tuple[list[Cosignature], list[str]]:
    """The valid cosignatures on a signed checkpoint ``note`` by the given witness keys.

    Lines from other keys are ignored. Returns the cosignatures (one per witness, the first
    valid one) and a problem sentence for each line whose name and key ID match a given
    witness but whose signature does not verify. Raises :class:`NoteError` if the note is
    malformed.
    """
    text, signatures = _split(note)
    known = {(w.name, w.key_id): w for w in witnesses}
    found: dict[WitnessKey, Cosignature] = {}
    problems = []
    lines = note[len(text) + 1:].split("\n")[:-1]
    for sig, line in zip(signatures, lines):
        witness = known.get((sig.name, sig.key_id))
        if witness is None:
            continue
        timestamp = witness.timestamp_of(text, sig.signature)
        if timestamp is None:
            problems.append(f"the cosignature by {witness.name}+{witness.key_id:08x} does not "
                            "verify")
        elif witness not in found:
            found[witness] = Cosignature(witness, timestamp, line + "\n")
    return list(found.values()), problems


def add_cosignatures(note: str, lines: Sequence[str]) -> str:
    """``note`` with the signature ``lines`` appended, skipping lines it already carries."""
    have = set(note.split("\n"))
    extra = [line if line.endswith("\n") else line + "\n" for line in lines]
    return note + "".join(line for line in dict.fromkeys(extra) if line.rstrip("\n") not in have)
