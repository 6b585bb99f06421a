"""Exact fractions as JSON-safe strings ("p/q", always with a slash, lowest terms)."""

from __future__ import annotations

import re
from fractions import Fraction

_FRACTION_RE = re.compile(r"^(0|[1-9][0-9]*)/([1-9][0-9]*)$")


def frac_str(value: Fraction | int) -> str:
    """Render an exact number as "p/q" in lowest terms; integers become "n/1"."""
    f = Fraction(value)
    return f"{f.numerator}/{f.denominator}"


def share_str(part: int, whole: int) -> str | None:
    """part/whole as "p/q", or None when whole is 0 (no share is defined)."""
    if whole == 0:
        return None
    return frac_str(Fraction(part, whole))


def parse_fraction(text: object, field: str) -> Fraction:
    """Parse a "p/q" string (p >= 0, q >= 1, digits only); ValueError names the field."""
    if not isinstance(text, str):
        raise ValueError(f"{field}: got {text!r}, want a fraction string like \"1/2\"")
    m = _FRACTION_RE.match(text)
    if m is None:
        raise ValueError(f"{field}: got {text!r}, want a fraction string like \"1/2\"")
    return Fraction(int(m.group(1)), int(m.group(2)))
