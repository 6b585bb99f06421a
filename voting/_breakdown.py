"""Totals of recorded ballots broken down by one member attribute."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._ingest import ingest
from ._tally import _check_options, _totals
from ._feasible import METHODS
from .errors import InvalidBallot, InvalidMotion

ATTRIBUTES: tuple[str, ...] = ("region", "province", "setting", "size_class", "holder_type")


def breakdown(
    method: str,
    ballots: Iterable[tuple[int, Any, Mapping[str, Any]]],
    attribute: str,
    *,
    options: Sequence[str],
) -> dict[str, Any]:
    """Per-group turnout and totals for ``(weight, selection, attrs)`` ballots.

    ``attrs`` is the casting member's attribute mapping (e.g. a member dict); groups are
    keyed by ``str(attrs[attribute])`` and listed in sorted order.  Totals follow
    :func:`voting.tally`'s ``totals``: choices for yes_no/plurality, approvals for approval,
    first preferences for ranked methods.  JSON-safe, no floats.
    """
    if method not in METHODS:
        raise InvalidMotion("method", f"got {method!r}, want one of {list(METHODS)}")
    if not isinstance(attribute, str) or not attribute:
        raise InvalidMotion("attribute", f"got {attribute!r}, want an attribute name")
    opts = _check_options(method, options)
    per_group: dict[str, list[tuple[int, Any]]] = {}
    flat: list[tuple[int, Any]] = []
    for index, item in enumerate(ballots):
        if not isinstance(item, (tuple, list)) or len(item) != 3:
            raise InvalidBallot(index, None, "want a (weight, selection, attributes) tuple")
        weight, selection, attrs = item
        if not isinstance(attrs, Mapping) or attribute not in attrs:
            raise InvalidBallot(index, "attributes", f"missing {attribute!r}")
        per_group.setdefault(str(attrs[attribute]), []).append((weight, selection))
        flat.append((weight, selection))
    # Validate everything once in input order, so an error names the caller's ballot index.
    ingest(method, flat, opts, None)
    groups: dict[str, Any] = {}
    for key in sorted(per_group):
        ing = ingest(method, per_group[key], opts, None)
        groups[key] = {
            "ballots": ing.ballots,
            "weight": ing.weight,
            "blank_ballots": ing.blank_ballots,
            "blank_weight": ing.blank_weight,
            "totals": _totals(method, ing, opts),
        }
    return {"method": method, "attribute": attribute, "options": list(opts), "groups": groups}
