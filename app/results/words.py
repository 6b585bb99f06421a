"""Numbers and sentences for the results page, in the reader's language (EN/FR).

Everything is derived from the published result dict (`voting.Result.as_dict()`, schema in
docs/methods.md §6): exact fractions are parsed back into `Fraction` and only rounded for
display, so the words say exactly what the arithmetic decided.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

import voting
from app.display import number, percent, rounded

METHOD_NAMES: dict[str, Any] = {
    "yes_no": _l("yes or no"),
    "plurality": _l("plurality (most votes)"),
    "approval": _l("approval"),
    "irv": _l("instant runoff (IRV)"),
    "stv": _l("single transferable vote (STV)"),
    "schulze": _l("Schulze (Condorcet)"),
    "ranked_pairs": _l("Ranked Pairs (Condorcet)"),
    "schulze_stv": _l("Schulze STV"),
}

THRESHOLD_NAMES: dict[str, Any] = {
    "majority_cast": _l("simple majority"),
    "absolute_majority": _l("absolute majority"),
    "two_thirds": _l("two-thirds"),
    "three_quarters": _l("three-quarters"),
    "unanimity": _l("unanimity"),
}


def frac(text: str | None) -> Fraction | None:
    """A "p/q" string from the result dict as an exact Fraction (None stays None)."""
    if text is None:
        return None
    p, q = text.split("/")
    return Fraction(int(p), int(q))


def amount(value: Fraction | str | None) -> str:
    """A tally that may be fractional (STV transfers): whole numbers plain, others to 2 places."""
    if value is None:
        return "—"
    v = frac(value) if isinstance(value, str) else value
    if v.denominator == 1:
        return number(v.numerator)
    return str(format_decimal(rounded(v, 2), format="#,##0.00"))


def signed_amount(value: str) -> str:
    v = frac(value) or Fraction(0)
    if v > 0:
        return "+" + amount(v)
    if v < 0:
        return "\u2212" + amount(-v)
    return amount(v)


def needed(required: Fraction, base: int, comparison: str) -> int:
    """The smallest whole amount that passes `amount / base  comparison  required` (voting.needed)."""
    return voting.needed(required, base, strict=comparison == ">")


def comparison_words(comparison: str) -> str:
    return _("more than") if comparison == ">" else _("at least")


def met_words(met: bool) -> str:
    return _("met") if met else _("not met")


def fraction_words(text: str) -> str:
    """ "2/3" -> "2/3 (66.7 %)": the exact rule and a readable percentage."""
    return f"{text} ({percent(frac(text))})"
