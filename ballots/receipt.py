"""Ballot receipts (``lipvote-receipt/2``, and ``/1`` read) and C2SP tlog-proof export.

A receipt is a JSON object::

    {"format": "lipvote-receipt/2", "origin": ..., "index": <leaf index>,
     "leaf": <the exact canonical leaf text>, "tracking_code": "7K2M-Q9XA-4T1B-ZR8W",
     "checkpoint": <signed checkpoint note that includes the leaf>,
     "proof": [<base64 hash>, ...],
     "verifier_key": <the vkey that signed the checkpoint>,
     "key_fingerprint": <its fingerprint, ballots.note.fingerprint>}

A ``lipvote-receipt/1`` receipt has neither of the last two members.

The tracking code is the first 80 bits of the leaf hash in Crockford base32,
in four groups of four.  :func:`receipt_to_tlog_proof` writes the same
evidence as a ``c2sp.org/tlog-proof@v1`` file whose ``extra`` line carries
the leaf, so generic transparency-log tools can check it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import _canonical, merkle
from .checkpoint import Checkpoint, open_checkpoint
from .errors import FormatError, KeyFormatError, NoteError, ProofError, VerificationError
from .leaves import Leaf, parse_leaf
from .note import Verifier, b64decode_strict, b64encode, parse_vkey

__all__ = [
    "RECEIPT_FORMAT",
    "RECEIPT_FORMAT_1",
    "TLOG_PROOF_HEADER",
    "MAX_RECEIPT_BYTES",
    "tracking_code",
    "normalise_tracking_code",
    "build_receipt",
    "parse_receipt",
    "ReceiptCheck",
    "verify_receipt",
    "receipt_to_tlog_proof",
    "TlogProof",
    "parse_tlog_proof",
    "receipt_from_tlog_proof",
    "as_verifiers",
]

RECEIPT_FORMAT = "lipvote-receipt/2"  # carries the signing key and its fingerprint
RECEIPT_FORMAT_1 = "lipvote-receipt/1"  # no key: still read (older receipts, tlog-proofs)
TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1"
MAX_RECEIPT_BYTES = 4 << 20
MAX_PROOF_HASHES = 64
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_IN = {c: i for i, c in enumerate(_CROCKFORD)}
_CROCKFORD_IN.update({"O": 0, "I": 1, "L": 1})


def tracking_code(leaf_hash: bytes) -> str:
    """First 80 bits of the leaf hash, Crockford base32 in four groups of four, e.g. ``7K2M-Q9XA-4T1B-ZR8W``."""
    if len(leaf_hash) != merkle.HASH_SIZE:
        raise FormatError(f"leaf hash: got {len(leaf_hash)} bytes, want {merkle.HASH_SIZE}")
    n = int.from_bytes(leaf_hash[:10], "big")
    chars = "".join(_CROCKFORD[(n >> (5 * (15 - i))) & 31] for i in range(16))
    return "-".join(chars[i:i + 4] for i in range(0, 16, 4))


def normalise_tracking_code(text: str) -> str:
    """Canonical form of a code typed by a person (case, hyphens, spaces, O/I/L)."""
    raw = re.sub(r"[\s-]", "", text).upper()
    if len(raw) != 16 or any(c not in _CROCKFORD_IN for c in raw):
        raise FormatError(f"tracking code {text!r}: want 16 letters and digits, e.g. "
                          "7K2M-Q9XA-4T1B-ZR8W")
    chars = "".join(_CROCKFORD[_CROCKFORD_IN[c]] for c in raw)
    return "-".join(chars[i:i + 4] for i in range(0, 16, 4))


def build_receipt(*, origin: str, index: int, leaf: str, checkpoint: str,
                  proof: Sequence[bytes], verifier_key: str | None = None) -> dict[str, Any]:
    """The receipt dict for leaf ``index``; ``checkpoint`` is the signed note text.

    With ``verifier_key`` (the vkey that signed ``checkpoint``) a ``lipvote-receipt/2``
    carrying that key and its fingerprint; without it a ``lipvote-receipt/1``."""
    receipt: dict[str, Any] = {
        "format": RECEIPT_FORMAT if verifier_key is not None else RECEIPT_FORMAT_1,
        "origin": origin,
        "index": index,
        "leaf": leaf,
        "tracking_code": tracking_code(merkle.leaf_hash(leaf.encode("utf-8"))),
        "checkpoint": checkpoint,
        "proof": [b64encode(p) for p in proof],
    }
    if verifier_key is not None:
        receipt["verifier_key"] = verifier_key
        receipt["key_fingerprint"] = parse_vkey(verifier_key).fingerprint
    return receipt


@dataclass(frozen=True, slots=True)
class _Receipt:
    origin: str
    index: int
    leaf: str
    tracking_code: str
    checkpoint: str
    proof: tuple[bytes, ...]
    verifier_key: Verifier | None = None  # lipvote-receipt/2: the key the receipt names


def _field(d: dict[str, Any], key: str, kind: type, what: str) -> Any:
    if key not in d:
        raise FormatError(f"receipt: missing field {key!r}")
    v = d[key]
    if not isinstance(v, kind) or isinstance(v, bool):
        raise FormatError(f"receipt {key}: got {type(v).__name__}, want {what}")
    return v


def parse_receipt(receipt: object) -> _Receipt:
    """Check a receipt's shape (a dict, or its JSON text); raise :class:`FormatError`."""
    if isinstance(receipt, (str, bytes)):
        if len(receipt) > MAX_RECEIPT_BYTES:
            raise FormatError(f"receipt: larger than {MAX_RECEIPT_BYTES} bytes")
        try:
            receipt = _canonical.loads_untrusted(receipt)
        except ValueError as e:
            raise FormatError(f"receipt is not valid JSON ({e})") from e
    if not isinstance(receipt, dict):
        raise FormatError(f"receipt: got {type(receipt).__name__}, want a JSON object")
    fmt = receipt.get("format")
    if fmt not in (RECEIPT_FORMAT, RECEIPT_FORMAT_1):
        raise FormatError(f"receipt format: got {fmt!r}, want {RECEIPT_FORMAT!r} or "
                          f"{RECEIPT_FORMAT_1!r}")
    origin = _field(receipt, "origin", str, "text")
    index = _field(receipt, "index", int, "an integer")
    if index < 0:
        raise FormatError(f"receipt index: got {index}, want >= 0")
    leaf = _field(receipt, "leaf", str, "the leaf text")
    code = _field(receipt, "tracking_code", str, "text")
    cp = _field(receipt, "checkpoint", str, "the signed checkpoint text")
    proof = _field(receipt, "proof", list, "a list of base64 hashes")
    if len(proof) > MAX_PROOF_HASHES:
        raise FormatError(f"receipt proof: {len(proof)} hashes, want at most {MAX_PROOF_HASHES}")
    hashes = []
    for i, p in enumerate(proof):
        if not isinstance(p, str):
            raise FormatError(f"receipt proof[{i}]: got {type(p).__name__}, want base64 text")
        hashes.append(b64decode_strict(p, f"receipt proof[{i}]", FormatError))
    key = _receipt_key(receipt) if fmt == RECEIPT_FORMAT else None
    return _Receipt(origin, index, leaf, code, cp, tuple(hashes), key)


def _receipt_key(receipt: dict[str, Any]) -> Verifier:
    """A ``lipvote-receipt/2``'s key; its stated fingerprint must be the key's."""
    vkey = _field(receipt, "verifier_key", str, "a verifier key (name+keyid+base64)")
    stated = _field(receipt, "key_fingerprint", str, "the key's fingerprint")
    try:
        key = parse_vkey(vkey)
    except KeyFormatError as e:
        raise FormatError(f"receipt verifier_key: {e}") from e
    if stated != key.fingerprint:
        raise FormatError(f"receipt key_fingerprint: got {stated!r}, want {key.fingerprint!r} "
                          "(SHA-256 of the verifier key's public key)")
    return key


def as_verifiers(keys: str | Verifier | Sequence[str | Verifier]) -> list[Verifier]:
    """Accept one vkey or Verifier, or several (e.g. a rotation chain)."""
    items: Sequence[str | Verifier] = [keys] if isinstance(keys, (str, Verifier)) else keys
    return [k if isinstance(k, Verifier) else parse_vkey(k) for k in items]


@dataclass(frozen=True, slots=True)
class ReceiptCheck:
    """What a verified receipt proves."""

    origin: str
    index: int
    leaf: Leaf
    leaf_text: str
    tracking_code: str
    checkpoint: Checkpoint
    later_checkpoint: Checkpoint | None


def _decode_hashes(proof: Sequence[bytes | str], what: str) -> list[bytes]:
    out = []
    for i, p in enumerate(proof):
        out.append(b64decode_strict(p, f"{what}[{i}]", FormatError) if isinstance(p, str)
                   else bytes(p))
    return out


def verify_receipt(receipt: object, verifier_key: str | Verifier | Sequence[str | Verifier],
                   checkpoint: str | None = None,
                   consistency_proof: Sequence[bytes | str] | None = None) -> ReceiptCheck:
    """Verify a receipt offline, and optionally against a later checkpoint.

    Checks, in order: the receipt's shape; for a ``lipvote-receipt/2``, that the
    key it names is one of ``verifier_key``; its checkpoint's signature (by one
    of ``verifier_key``, by the receipt's own key if it names one) and origin; the leaf parses and is canonical; the
    tracking code matches the leaf hash; the inclusion proof leads to the
    checkpoint's root.  With ``checkpoint`` (another signed checkpoint of the
    same log, e.g. the current one from the server) and ``consistency_proof``
    between the two sizes, also checks that the two are consistent, so the
    ballot is still in the log the server now shows.

    Raises :class:`FormatError` for malformed input and
    :class:`VerificationError` (:class:`ProofError`, :class:`SignatureError`)
    when a check fails.
    """
    r = parse_receipt(receipt)
    verifiers = as_verifiers(verifier_key)
    signers = verifiers
    if r.verifier_key is not None:  # lipvote-receipt/2: its own key must be the one trusted
        if r.verifier_key not in verifiers:
            raise VerificationError(f"receipt verifier_key: the receipt names "
                                    f"{r.verifier_key.vkey}, not a key this log is signed with")
        signers = [r.verifier_key]
    signed = open_checkpoint(r.checkpoint, signers, origin=r.origin)
    cp = signed.checkpoint
    if r.index >= cp.size:
        raise ProofError(f"receipt index: got {r.index}, want < checkpoint size {cp.size}")
    leaf = parse_leaf(r.leaf)
    lh = merkle.leaf_hash(r.leaf.encode("utf-8"))
    want_code = tracking_code(lh)
    if r.tracking_code != want_code:
        raise VerificationError(f"tracking code: got {r.tracking_code}, want {want_code} "
                                "(derived from the leaf)")
    merkle.verify_inclusion(lh, r.index, cp.size, r.proof, cp.root)
    later: Checkpoint | None = None
    if checkpoint is not None:
        later = open_checkpoint(checkpoint, verifiers, origin=r.origin).checkpoint
        proof = _decode_hashes(consistency_proof or [], "consistency proof")
        if later.size >= cp.size:
            merkle.verify_consistency(cp.size, later.size, proof, cp.root, later.root)
        else:
            merkle.verify_consistency(later.size, cp.size, proof, later.root, cp.root)
    return ReceiptCheck(r.origin, r.index, leaf, r.leaf, want_code, cp, later)


# --------------------------------------------------------------------------
# C2SP tlog-proof


def receipt_to_tlog_proof(receipt: object) -> str:
    """The receipt as a ``c2sp.org/tlog-proof@v1`` text (leaf in the ``extra`` line)."""
    r = parse_receipt(receipt)
    lines = [TLOG_PROOF_HEADER, "extra " + b64encode(r.leaf.encode("utf-8")), f"index {r.index}"]
    lines += [b64encode(p) for p in r.proof]
    return "\n".join(lines) + "\n\n" + r.checkpoint


@dataclass(frozen=True, slots=True)
class TlogProof:
    index: int
    proof: tuple[bytes, ...]
    checkpoint: str
    extra: bytes | None


def parse_tlog_proof(text: str) -> TlogProof:
    """Parse a tlog-proof file; raise :class:`NoteError` if malformed."""
    if not isinstance(text, str) or len(text) > MAX_RECEIPT_BYTES:
        raise NoteError("tlog-proof: want text of at most 4 MiB")
    head, sep, checkpoint = text.partition("\n\n")
    if not sep:
        raise NoteError("tlog-proof: no blank line before the checkpoint")
    lines = head.split("\n")
    if lines[0] != TLOG_PROOF_HEADER:
        raise NoteError(f"tlog-proof: first line {lines[0][:40]!r}, want {TLOG_PROOF_HEADER!r}")
    i = 1
    extra = None
    if i < len(lines) and lines[i].startswith("extra "):
        extra = b64decode_strict(lines[i][6:], "tlog-proof extra")
        i += 1
    if i >= len(lines) or not re.fullmatch(r"index (0|[1-9][0-9]{0,18})", lines[i]):
        raise NoteError("tlog-proof: missing 'index N' line (decimal, no leading zeros)")
    index = int(lines[i][6:])
    hashes = lines[i + 1:]
    if len(hashes) > MAX_PROOF_HASHES:
        raise NoteError(f"tlog-proof: {len(hashes)} hashes, want at most {MAX_PROOF_HASHES}")
    proof = []
    for n, h in enumerate(hashes):
        raw = b64decode_strict(h, f"tlog-proof hash {n}")
        if len(raw) != merkle.HASH_SIZE:
            raise NoteError(f"tlog-proof hash {n}: got {len(raw)} bytes, want 32")
        proof.append(raw)
    return TlogProof(index, tuple(proof), checkpoint, extra)


def receipt_from_tlog_proof(text: str) -> dict[str, Any]:
    """Rebuild a lipvote receipt from a tlog-proof whose ``extra`` holds the leaf."""
    t = parse_tlog_proof(text)
    if t.extra is None:
        raise NoteError("tlog-proof: no 'extra' line, so the leaf is unknown")
    try:
        leaf = t.extra.decode("utf-8")
    except UnicodeDecodeError as e:
        raise NoteError("tlog-proof extra: the leaf is not UTF-8") from e
    origin = t.checkpoint.split("\n", 1)[0]
    return build_receipt(origin=origin, index=t.index, leaf=leaf, checkpoint=t.checkpoint,
                         proof=t.proof)
