"""A weight snapshot's derivation, for people, in the reader's language.

The snapshot in the opening leaf is a machine format: its "basis" and rule strings are English
as docs/weights.md defines them, and stay so. Pages render the derivation from its numbers
instead (``weight_derivation(snapshot)`` in templates, shown by
templates/motions/_weight_derivation.html).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from voting import weights as weight_policies

from app.display import number, rounded
from app.motions import bp
from app.registry import REGIONS, SIZE_CLASSES


def _basis_text(facts: Mapping[str, Any]) -> str:
    kind = facts["kind"]
    if kind == "tiered":
        return _("%(size)s: factor %(factor)s of %(factor_sum)s", size=SIZE_CLASSES.get(facts["size_class"], facts["size_class"]),
                 factor=number(facts["factor"]), factor_sum=number(facts["factor_sum"]))
    if kind == "regional_parity":
        region = REGIONS.get(facts["region"], facts["region"])
        if facts["region_members"] == 1:
            return _("%(region)s: 1/%(regions)s of the total, for its only member", region=region,
                     regions=facts["regions"])
        return _("%(region)s: 1/%(regions)s of the total, shared equally by its %(count)s members", region=region,
                 regions=facts["regions"], count=number(facts["region_members"]))
    if kind == "blended":
        population = facts["population"]
        return _("%(equal_part)s equally among %(members)s members, the rest by population: "
                 "%(population)s of %(population_sum)s", equal_part=facts["equal_part"],
                 members=number(facts["members"]), population=number(population) if population is not None else "—",
                 population_sum=number(facts["population_sum"]))
    if facts["members"] == 1:
        return _("Equal: the only member")
    return _("Equal: one share of %(count)s", count=number(facts["members"]))


def _summary(rule: str, derivation: Mapping[str, Any], total: int) -> tuple[str, str]:
    """The table's caption and one paragraph saying how shares became whole units."""
    if rule == "exact":
        return (_("Weight derivation (exact weights)"),
                _("Exact weights: each member’s share multiplied by %(units)s, the smallest number of units in "
                  "which every share is a whole number. Nothing is rounded: members with equal shares have "
                  "equal weights.", units=number(derivation["common_denominator"])))
    if rule == "fixed_total":
        requested = derivation["requested_total"]
        text = _("The policy asks for a fixed total of %(total)s units. Each member first gets its share of that "
                 "total rounded down; the %(leftover)s units left over go one each to every member of a group with "
                 "the same remainder, largest remainder first, while the whole group can have one.",
                 total=number(requested), leftover=number(derivation["leftover_units"]))
        unassigned = derivation["unassigned_units"]
        if unassigned:
            text += " " + ngettext("%(num)s unit stays unassigned, so that members with equal shares keep equal "
                                   "weights: %(given)s units are in force.",
                                   "%(num)s units stay unassigned, so that members with equal shares keep equal "
                                   "weights: %(given)s units are in force.", unassigned, given=number(total))
        return _("Weight derivation (fixed total of %(total)s units)", total=number(requested)), text
    return (_("Weight derivation (earlier rule: largest remainder)"),
            _("This motion opened under the earlier rule: each member’s share of %(total)s units rounded down, "
              "then the %(leftover)s units left over one each by largest remainder, equal remainders in the "
              "order of the members’ identifiers.", total=number(total),
              leftover=number(derivation["leftover_units"])))


@bp.app_template_global("weight_derivation")
def weight_derivation(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Caption, explanation and rows of a stored weight snapshot (either format), in words.

    rows: id, basis (words), raw_share, limited, share and units, plus base_units and bonus
    when the rule rounds. ``rounds`` says whether those two columns exist.
    """
    derivation = snapshot["derivation"]
    rule = derivation.get("rule", "largest_remainder")
    caption, summary = _summary(rule, derivation, snapshot["total"])
    facts = weight_policies.basis_facts(snapshot)
    rows = [{**row, "basis": _basis_text(facts[row["id"]])} for row in derivation["rows"]]
    scale = derivation.get("scale")
    return {"rule": rule, "caption": caption, "summary": summary, "rounds": rule != "exact", "scale": scale,
            "scale_approx": number(rounded(Fraction(scale), 4)) if scale else None, "rows": rows}
