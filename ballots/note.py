"""C2SP signed notes with Ed25519 (https://c2sp.org/signed-note).

A signed note is ``text`` (ending in a newline), a blank line, then one line
per signature::

    — <key name> base64(4-byte key ID || 64-byte Ed25519 signature)

The key ID is ``SHA-256(key name || 0x0A || 0x01 || public key)[:4]``.

Verifier keys travel as *vkeys*: ``<name>+<key ID as 8 hex digits>+
base64(0x01 || 32-byte public key)``.  Signing keys are stored in the
``golang.org/x/mod/sumdb/note`` private-key form ``PRIVATE+KEY+<name>+
<key ID>+base64(0x01 || 32-byte seed)``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from .errors import KeyFormatError, NoteError, SignatureError

__all__ = [
    "ALG_ED25519",
    "MAX_NOTE_BYTES",
    "MAX_SIGNATURES",
    "key_id",
    "fingerprint",
    "Verifier",
    "Signer",
    "NoteSignature",
    "OpenedNote",
    "parse_vkey",
    "sign_note",
    "open_note",
]

ALG_ED25519 = 0x01
MAX_NOTE_BYTES = 64 * 1024
MAX_SIGNATURES = 100
_DASH = "\u2014"
_SIG_RE = re.compile(r"\u2014 (\S+) ([A-Za-z0-9+/=]+)\Z")
_B64_RE = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?\Z")


def b64decode_strict(text: str, what: str, error: type[Exception] = NoteError) -> bytes:
    """Standard base64 (RFC 4648 section 4) with padding and nothing else."""
    if not isinstance(text, str) or not _B64_RE.match(text):
        raise error(f"{what}: not standard base64")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise error(f"{what}: not standard base64 ({e})") from e


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _check_name(name: object, error: type[Exception]) -> str:
    if (not isinstance(name, str) or not name or "+" in name
            or any(c.isspace() for c in name) or not name.isprintable()):
        raise error(f"key name {name!r}: want a non-empty name without spaces or '+'")
    return name


def key_id(name: str, public_key: bytes, alg: int = ALG_ED25519) -> int:
    """Signed-note key ID: first 4 bytes (big-endian) of SHA-256(name || LF || alg || key).

    ``alg`` is 0x01 for a note signature, 0x04 for a C2SP tlog-cosignature (ballots.cosignature).
    """
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + public_key)
    return int.from_bytes(digest.digest()[:4], "big")


def fingerprint(public_key: bytes) -> str:
    """What people compare out of band: SHA-256 of the raw 32-byte Ed25519 public key, as 64
    lowercase hex digits in 16 groups of 4 separated by single spaces (the name is not hashed)."""
    digest = hashlib.sha256(bytes(public_key)).hexdigest()
    return " ".join(digest[i:i + 4] for i in range(0, 64, 4))


@dataclass(frozen=True, slots=True)
class Verifier:
    """A named Ed25519 public key that checks note signatures."""

    name: str
    public_key: bytes
    key_id: int = field(init=False)

    def __post_init__(self) -> None:
        _check_name(self.name, KeyFormatError)
        if len(self.public_key) != 32:
            raise KeyFormatError(f"public key: got {len(self.public_key)} bytes, want 32")
        object.__setattr__(self, "key_id", key_id(self.name, self.public_key))

    @property
    def vkey(self) -> str:
        """``name+keyid+base64(0x01 || public key)``."""
        return (f"{self.name}+{self.key_id:08x}+"
                f"{b64encode(bytes([ALG_ED25519]) + self.public_key)}")

    @property
    def fingerprint(self) -> str:
        """:func:`fingerprint` of this key."""
        return fingerprint(self.public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


def parse_vkey(vkey: str) -> Verifier:
    """Parse ``name+keyid+base64key``; the key ID must match the key."""
    if not isinstance(vkey, str) or len(vkey) > 1000:
        raise KeyFormatError("verifier key: want a string name+keyid+base64")
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise KeyFormatError(f"verifier key {vkey!r}: got {len(parts)} '+'-separated parts, "
                             "want 3 (name+keyid+base64)")
    name, hexid, b64 = parts
    _check_name(name, KeyFormatError)
    if not re.fullmatch(r"[0-9a-f]{8}", hexid):
        raise KeyFormatError(f"verifier key id {hexid!r}: want 8 lowercase hex digits")
    raw = b64decode_strict(b64, "verifier key", KeyFormatError)
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise KeyFormatError(f"verifier key: got {len(raw)} bytes starting "
                             f"{raw[:1].hex() or 'empty'}, want 0x01 then a 32-byte Ed25519 key")
    v = Verifier(name, raw[1:])
    if v.key_id != int(hexid, 16):
        raise KeyFormatError(f"verifier key id: got {hexid}, want {v.key_id:08x} for this "
                             "name and key")
    return v


def parse_skey(skey: object, alg: int, what: str) -> tuple[str, str, bytes]:
    """The name, key id (as written) and 32-byte Ed25519 seed of ``PRIVATE+KEY+name+keyid+base64(alg || seed)``."""
    if not isinstance(skey, str):
        raise KeyFormatError(f"{what}: want text")
    parts = skey.strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise KeyFormatError(f"{what}: want PRIVATE+KEY+name+keyid+base64")
    name, hexid, b64 = parts[2:]
    raw = b64decode_strict(b64, what, KeyFormatError)
    if len(raw) != 33 or raw[0] != alg:
        raise KeyFormatError(f"{what}: want 0x{alg:02x} then a 32-byte Ed25519 seed")
    return _check_name(name, KeyFormatError), hexid, raw[1:]


def check_skey_id(hexid: str, expected: int, what: str) -> None:
    if not re.fullmatch(r"[0-9a-f]{8}", hexid) or int(hexid, 16) != expected:
        raise KeyFormatError(f"{what} id: got {hexid!r}, want {expected:08x}")


def format_skey(name: str, key_id: int, alg: int, private_key: Ed25519PrivateKey) -> str:
    seed = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return f"PRIVATE+KEY+{name}+{key_id:08x}+{b64encode(bytes([alg]) + seed)}"


class Signer:
    """A named Ed25519 private key that signs notes."""

    __slots__ = ("_private", "verifier")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self._private = private_key
        pub = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.verifier = Verifier(name, pub)

    @classmethod
    def generate(cls, name: str) -> Signer:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_skey(cls, skey: str) -> Signer:
        """Parse ``PRIVATE+KEY+name+keyid+base64(0x01 || seed)``."""
        name, hexid, seed = parse_skey(skey, ALG_ED25519, "signing key")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(seed))
        check_skey_id(hexid, signer.key_id, "signing key")
        return signer

    def to_skey(self) -> str:
        return format_skey(self.name, self.key_id, ALG_ED25519, self._private)

    @property
    def name(self) -> str:
        return self.verifier.name

    @property
    def key_id(self) -> int:
        return self.verifier.key_id

    @property
    def vkey(self) -> str:
        return self.verifier.vkey

    def signature_line(self, text: str) -> str:
        sig = self._private.sign(text.encode("utf-8"))
        return f"{_DASH} {self.name} {b64encode(self.key_id.to_bytes(4, 'big') + sig)}\n"

    def __repr__(self) -> str:
        return f"Signer({self.vkey!r})"


@dataclass(frozen=True, slots=True)
class NoteSignature:
    name: str
    key_id: int
    signature: bytes


@dataclass(frozen=True, slots=True)
class OpenedNote:
    """A note whose signature by ``verified_by`` checked out."""

    text: str
    verified_by: Verifier
    signatures: tuple[NoteSignature, ...]


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text: must end with a newline")
    if any(c < " " and c != "\n" for c in text):
        raise NoteError("note text: contains a control character other than newline")


def sign_note(text: str, signers: Sequence[Signer]) -> str:
    """Return the signed note: text, blank line, one signature line per signer."""
    if not isinstance(text, str) or not text:
        raise NoteError("note text: want non-empty text")
    _check_text(text)
    if not signers:
        raise NoteError("sign_note: want at least one signer")
    return text + "\n" + "".join(s.signature_line(text) for s in signers)


def _split(note: str) -> tuple[str, list[NoteSignature]]:
    if not isinstance(note, str):
        raise NoteError(f"signed note: got {type(note).__name__}, want text")
    if len(note.encode("utf-8", "surrogatepass")) > MAX_NOTE_BYTES:
        raise NoteError(f"signed note: larger than {MAX_NOTE_BYTES} bytes")
    if any(c < " " and c != "\n" for c in note):
        raise NoteError("signed note: contains a control character other than newline")
    if not note.endswith("\n"):
        raise NoteError("signed note: must end with a newline")
    cut = note.rfind("\n\n")
    if cut < 0:
        raise NoteError("signed note: no blank line before the signatures")
    text, sig_block = note[: cut + 1], note[cut + 2:]
    if not text.strip("\n"):
        raise NoteError("signed note: empty text")
    lines = sig_block.split("\n")[:-1]
    if not lines:
        raise NoteError("signed note: no signature lines")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"signed note: {len(lines)} signatures, want at most {MAX_SIGNATURES}")
    sigs = []
    for i, line in enumerate(lines):
        m = _SIG_RE.match(line)
        if not m or "+" in m.group(1):
            raise NoteError(f"signed note: signature line {i + 1} is not '— <name> <base64>'")
        raw = b64decode_strict(m.group(2), f"signature line {i + 1}")
        if len(raw) < 5:
            raise NoteError(f"signature line {i + 1}: got {len(raw)} bytes, want a 4-byte key "
                            "id and a signature")
        sigs.append(NoteSignature(m.group(1), int.from_bytes(raw[:4], "big"), raw[4:]))
    return text, sigs


def open_note(note: str, verifiers: Sequence[Verifier]) -> OpenedNote:
    """Check a signed note against trusted ``verifiers``.

    Signatures from unknown keys are ignored.  A signature from a known key
    (same name and key ID) that fails, or no signature from any known key,
    raises :class:`SignatureError`.  Malformed notes raise :class:`NoteError`.
    """
    text, sigs = _split(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    good: Verifier | None = None
    for s in sigs:
        v = known.get((s.name, s.key_id))
        if v is None:
            continue
        if not v.verify(text.encode("utf-8"), s.signature):
            raise SignatureError(f"signature by {v.name}+{v.key_id:08x} does not verify")
        good = good or v
    if good is None:
        names = ", ".join(f"{s.name}+{s.key_id:08x}" for s in sigs)
        trusted = ", ".join(f"{v.name}+{v.key_id:08x}" for v in verifiers) or "none"
        raise SignatureError(f"no signature from a trusted key: note signed by {names}; "
                             f"trusted: {trusted}")
    return OpenedNote(text, good, tuple(sigs))
