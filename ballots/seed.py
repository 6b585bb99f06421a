"""The tie-break seed: committed when a motion opens, revealed when it closes.

A ``lipvote-leaf/2`` log commits in leaf 0 to a secret the server drew at
opening (``seed_commitment``: SHA-256 of 32 random bytes) and reveals the
secret in its close leaf (``seed_secret``).  The seed is then::

    SHA-256(SEED_DOMAIN || secret || ballots_root)

where ``ballots_root`` is the Merkle root of every leaf before the close leaf
(the log as it stood when the motion closed).  Nothing the server writes at
the close enters the seed.  A ``lipvote-leaf/1`` log has no commitment and its
seed is the final Merkle root, close leaf included.  ``docs/bulletin-board.md``
§2.7 gives the byte layout and a worked vector.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from .errors import LeafError

__all__ = ["SEED_DOMAIN", "SECRET_BYTES", "new_secret", "commitment", "derive_seed",
           "hex32", "is_hex32"]

SEED_DOMAIN = b"lipvote-tie-break-seed/2\n"  # 25 ASCII bytes, the last one a newline
SECRET_BYTES = 32
_HEX32 = re.compile(r"[0-9a-f]{64}\Z", re.ASCII)


def new_secret() -> bytes:
    """32 bytes from the operating system's cryptographic generator."""
    return secrets.token_bytes(SECRET_BYTES)


def commitment(secret: bytes) -> str:
    """What leaf 0 publishes: the SHA-256 of the secret, 64 lowercase hex digits."""
    return hashlib.sha256(_checked(secret, "secret")).hexdigest()


def derive_seed(secret: bytes, ballots_root: bytes) -> bytes:
    """The tie-break seed of a ``lipvote-leaf/2`` log (32 bytes)."""
    return hashlib.sha256(SEED_DOMAIN + _checked(secret, "secret")
                          + _checked(ballots_root, "ballots root")).digest()


def is_hex32(value: object) -> bool:
    """Exactly 64 lowercase hexadecimal digits."""
    return isinstance(value, str) and bool(_HEX32.match(value))


def hex32(value: str, what: str) -> bytes:
    """The 32 bytes written as 64 lowercase hex digits; :class:`LeafError` otherwise."""
    if not is_hex32(value):
        raise LeafError(f"{what}: got {value!r:.80}, want 64 lowercase hexadecimal digits")
    return bytes.fromhex(value)


def _checked(value: bytes, what: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)) or len(value) != SECRET_BYTES:
        raise LeafError(f"{what}: want {SECRET_BYTES} bytes")
    return bytes(value)
