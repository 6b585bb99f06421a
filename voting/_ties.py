"""The public tie-break order derived from a seed."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from .errors import InvalidMotion


def check_seed(seed: object) -> bytes | None:
    if seed is None:
        return None
    if not isinstance(seed, (bytes, bytearray)) or len(seed) == 0:
        raise InvalidMotion("tie_break_seed", f"got {type(seed).__name__}, want non-empty bytes")
    return bytes(seed)


def option_digest(seed: bytes, option: str) -> bytes:
    """SHA-256 over the seed bytes immediately followed by the option id in UTF-8."""
    return hashlib.sha256(seed + option.encode("utf-8")).digest()


def tie_order(seed: bytes, options: Sequence[str]) -> list[str]:
    """Options sorted by ascending digest (bytewise); earlier means favoured in a tie."""
    return sorted(options, key=lambda o: (option_digest(seed, o), o.encode("utf-8")))
