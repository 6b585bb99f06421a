"""Errors raised by :mod:`ballots`.

Two families hang off :class:`BallotsError`:

* :class:`FormatError` -- the input is malformed (bad JSON, wrong type, bad
  base64, unknown format version, too large).  Nothing was verified.
* :class:`VerificationError` -- the input is well formed but does not hold up:
  a proof, a signature, a count or a result does not match.

Messages name what failed and, where it applies, read "got X, want Y".
"""

from __future__ import annotations

__all__ = [
    "BallotsError",
    "FormatError",
    "LeafError",
    "NoteError",
    "KeyFormatError",
    "VerificationError",
    "ProofError",
    "RootMismatchError",
    "SignatureError",
]


class BallotsError(Exception):
    """Base class of every error raised by :mod:`ballots`."""


class FormatError(BallotsError, ValueError):
    """Malformed input: it could not even be read."""


class LeafError(FormatError):
    """A leaf is not a valid, canonical ``lipvote-leaf/1`` record."""


class NoteError(FormatError):
    """A signed note, checkpoint body or tlog-proof is malformed."""


class KeyFormatError(FormatError):
    """A verifier key (vkey) or signing key file is malformed."""


class VerificationError(BallotsError):
    """Well-formed input that fails a check."""


class ProofError(VerificationError):
    """A Merkle inclusion or consistency proof does not verify."""


class RootMismatchError(ProofError):
    """The root computed from a proof differs from the expected root.

    Both roots are kept as raw bytes in :attr:`computed` and :attr:`expected`.
    """

    def __init__(self, what: str, computed: bytes, expected: bytes) -> None:
        self.computed = computed
        self.expected = expected
        super().__init__(f"{what}: got root {computed.hex()}, want {expected.hex()}")


class SignatureError(VerificationError):
    """A signed note carries no valid signature from the trusted key."""
