"""A custom framework from the explorer's form: parameters read from the query string.

The form is a GET form, so a custom comparison has an address to share and nothing is stored.
Shares are typed as percentages ("50", "66,67", "0.25 %"); every field is checked here with a
message in the reader's language before :mod:`voting.frameworks` sees the framework.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from flask_babel import lazy_gettext as _l

from app.whole_numbers import parse_whole_number
from voting import frameworks

KINDS: dict[str, object] = {
    "equal": _l("The same weight for every LIP"),
    "tiered": _l("Weight by size of centre"),
    "population": _l("Weight by population served, with an equal part"),
    "sqrt_population": _l("Weight by the square root of the population served"),
    "regional_parity": _l("The same weight for every region, shared equally by its LIPs"),
}
CONDITIONS: dict[str, object] = {
    "none": _l("No condition"),
    "more_than": _l("More than"),
    "at_least": _l("At least"),
}
WEIGHT_CONDITIONS: dict[str, object] = {**CONDITIONS, "jagiellonian": _l("The Jagiellonian optimal quota")}
REGION_RULES: dict[str, object] = {
    "none": _l("No regional condition"),
    "some": _l("A majority of the LIPs in some of the regions"),
    "all": _l("A majority of the LIPs in every region"),
}
TIERS = ("small", "medium", "large")
MAX_TIER = 100
MAX_TOTAL = 1_000_000
MIN_COMPARED, MAX_COMPARED = 1, 3  # presets beside the custom framework
_PERCENT = re.compile(r"([0-9]{1,3})(?:[.,]([0-9]{1,4}))?\s*%?")
_FRACTION = re.compile(r"([0-9]{1,6})\s*/\s*([0-9]{1,6})")

# Each percentage field says which share it wants: the error summary lists them out of context.
NOT_A_PERCENTAGE: dict[str, object] = {
    "equal_part": _l("Enter the part shared equally as a percentage from 0 to 100, such as 50, or a fraction such as 1/2."),
    "cap": _l("Enter the cap as a percentage from 0 to 100, such as 10 or 12.5, or a fraction such as 1/8."),
    "floor": _l("Enter the floor as a percentage from 0 to 100, such as 0.25, or a fraction such as 1/400."),
    "weight_share": _l("Enter the share of the weight as a percentage from 0 to 100 (below 100 after “more than”), "
                        "such as 50, or a fraction such as 2/3."),
    "members_share": _l("Enter the share of the LIPs as a percentage from 0 to 100 (below 100 after “more than”), "
                        "such as 50, or a fraction such as 2/3."),
}
MISSING_PERCENTAGE: dict[str, object] = {
    "equal_part": _l("Enter the part of the weight shared equally."),
    "weight_share": _l("Enter the share of the weight a motion needs."),
    "members_share": _l("Enter the share of the LIPs a motion needs."),
}


@dataclass
class Parsed:
    """The form's values as typed, the framework they make (None when any is wrong) and the errors."""

    values: dict[str, str]
    compared: list[str]
    framework: dict[str, Any] | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)

    def fail(self, name: str, message: object) -> None:
        self.errors.append((name, str(message)))


def _percent_text(share: str | None) -> str:
    """"1/10" -> "10", "1/400" -> "0.25", "2/3" -> "2/3": a share as typed in the form
    (a percentage when it has at most four decimals, else the fraction itself)."""
    if share is None:
        return ""
    value = Fraction(share) * 100
    if value.denominator == 1:
        return str(value.numerator)
    if (value * 10_000).denominator == 1:
        return f"{float(value):.4f}".rstrip("0").rstrip(".")
    return share


def _condition(spec: Mapping[str, Any] | None) -> tuple[str, str]:
    if spec is None:
        return "none", ""
    key, share = next(iter(spec.items()))
    return key, _percent_text(share)


def values_from_preset(name: str) -> dict[str, str]:
    """The form's fields filled in from a preset of voting.frameworks."""
    fw = frameworks.validate_framework(frameworks.PRESETS[name])
    weights, rule = fw["weights"], fw["rule"]
    kind = "population" if weights["kind"] == "blended" else weights["kind"]
    tiers = weights.get("tiers") or {"small": 1, "medium": 2, "large": 3}
    values = {"kind": kind, "total": str(weights["total"] or ""), **{t: str(tiers[t]) for t in TIERS},
              "equal_part": _percent_text(weights.get("equal_part", "0/1")),
              "cap": _percent_text(weights.get("cap")), "floor": _percent_text(weights.get("floor"))}
    if rule["weight"] == {"jagiellonian": True}:
        values["weight"], values["weight_share"] = "jagiellonian", ""
    else:
        values["weight"], values["weight_share"] = _condition(rule["weight"])
    values["members"], values["members_share"] = _condition(rule["members"])
    regions = rule["regions"]
    values["regions"] = "none" if regions is None else ("all" if regions["needed"] == "all" else "some")
    values["regions_needed"] = str(regions["needed"]) if regions and regions["needed"] != "all" else ""
    values["block_minimum"] = str(rule["block_minimum"] or "")
    return values


def _percentage(parsed: Parsed, name: str, *, below_whole: bool = False, required: bool = True) -> Fraction | None:
    """The field's percentage as a share in [0, 1] (below 1 with ``below_whole``), or None
    (an error recorded unless the field is optional and blank)."""
    raw = parsed.values.get(name, "").strip()
    if not raw:
        if required:
            parsed.fail(name, MISSING_PERCENTAGE[name])
        return None
    m, f = _PERCENT.fullmatch(raw), _FRACTION.fullmatch(raw)
    if f is not None and int(f.group(2)) > 0:
        value = Fraction(int(f.group(1)), int(f.group(2)))
    elif m is not None:
        value = Fraction(f"{m.group(1)}.{m.group(2) or 0}") / 100
    else:
        parsed.fail(name, NOT_A_PERCENTAGE[name])
        return None
    if not 0 <= value <= 1 or (below_whole and value == 1):
        parsed.fail(name, NOT_A_PERCENTAGE[name])
        return None
    return value


def _whole(parsed: Parsed, name: str, low: int, high: int, message: object, *, required: bool = True) -> int | None:
    raw = parsed.values.get(name, "").strip()
    if not raw and not required:
        return None
    try:
        value = parse_whole_number(raw, grouping=True)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        parsed.fail(name, message)
        return None
    return value


def _share_spec(condition: str, share: Fraction) -> dict[str, str]:
    return {condition: f"{share.numerator}/{share.denominator}"}


def _weights(parsed: Parsed, member_count: int) -> dict[str, Any] | None:
    kind = parsed.values.get("kind", "")
    if kind not in KINDS:
        parsed.fail("kind", _l("Choose how the weight is shared."))
        return None
    total = _whole(parsed, "total", 1, MAX_TOTAL,
                   _l("Enter the total units of weight as a whole number from 1 to 1,000,000."),
                   required=kind in ("population", "sqrt_population"))
    if kind == "sqrt_population":
        return {"kind": "sqrt_population", "total": total}
    policy: dict[str, Any] = {"kind": "blended" if kind == "population" else kind,
                              "rule": "fixed_total" if total else "exact", "total": total}
    if kind == "tiered":
        policy["tiers"] = {t: _whole(parsed, t, 1, MAX_TIER, _l("Enter a factor as a whole number from 1 to 100."))
                           for t in TIERS}
    if kind == "population":
        equal_part = _percentage(parsed, "equal_part")
        policy["equal_part"] = f"{equal_part.numerator}/{equal_part.denominator}" if equal_part is not None else None
    cap = _percentage(parsed, "cap", required=False)
    floor = _percentage(parsed, "floor", required=False)
    if cap is not None and not 0 < cap:
        parsed.fail("cap", _l("Enter a cap above 0 per cent, or leave it blank."))
    elif cap is not None and cap * member_count < 1:
        parsed.fail("cap", _l("The cap is too low: with %(count)d LIPs, the weights cannot add up to the whole.",
                              count=member_count))
    if floor is not None and floor * member_count > 1:
        parsed.fail("floor", _l("The floor is too high: with %(count)d LIPs, the weights would add up to more than the whole.",
                                count=member_count))
    elif cap is not None and floor is not None and floor > cap:
        parsed.fail("floor", _l("Enter a floor no higher than the cap."))
    policy["cap"] = f"{cap.numerator}/{cap.denominator}" if cap else None
    policy["floor"] = f"{floor.numerator}/{floor.denominator}" if floor else None
    return policy


def _rule(parsed: Parsed, member_count: int, region_count: int) -> dict[str, Any]:
    rule: dict[str, Any] = {}
    weight = parsed.values.get("weight", "")
    if weight not in WEIGHT_CONDITIONS:
        parsed.fail("weight", _l("Choose the condition on weight."))
    elif weight == "jagiellonian":
        rule["weight"] = {"jagiellonian": True}
    elif weight != "none":
        share = _percentage(parsed, "weight_share", below_whole=weight == "more_than")
        if share is not None:
            rule["weight"] = _share_spec(weight, share)
    members = parsed.values.get("members", "")
    if members not in CONDITIONS:
        parsed.fail("members", _l("Choose the condition on the number of LIPs."))
    elif members != "none":
        share = _percentage(parsed, "members_share", below_whole=members == "more_than")
        if share is not None:
            rule["members"] = _share_spec(members, share)
    regions = parsed.values.get("regions", "")
    if regions not in REGION_RULES:
        parsed.fail("regions", _l("Choose the regional condition."))
    elif regions == "all":
        rule["regions"] = {"needed": "all", "within": frameworks.MAJORITY}
    elif regions == "some":
        needed = _whole(parsed, "regions_needed", 1, region_count,
                        _l("Enter a number of regions from 1 to %(count)d.", count=region_count))
        if needed is not None:
            rule["regions"] = {"needed": needed, "within": frameworks.MAJORITY}
    block = _whole(parsed, "block_minimum", 1, member_count,
                   _l("Enter a number of LIPs from 1 to %(count)d, or leave it blank.", count=member_count),
                   required=False)
    if block is not None and weight in ("none", ""):
        parsed.fail("block_minimum", _l("A minimum to block needs a condition on weight."))
    elif block is not None:
        rule["block_minimum"] = block
    if weight == "none" and members == "none" and regions == "none":
        parsed.fail("weight", _l("Choose at least one condition a motion must meet."))
    return rule


def parse(args: Mapping[str, str], compared: list[str], presets: Mapping[str, Any],
          member_count: int, region_count: int) -> Parsed:
    """Read the form; ``compared`` are the presets chosen to go beside the custom framework."""
    parsed = Parsed(values={k: str(v) for k, v in args.items()}, compared=list(dict.fromkeys(compared)))
    weights = _weights(parsed, member_count)
    rule = _rule(parsed, member_count, region_count)
    if any(name not in presets for name in parsed.compared):
        parsed.fail("compare", _l("Choose frameworks from the list."))
    elif not MIN_COMPARED <= len(parsed.compared) <= MAX_COMPARED:
        parsed.fail("compare", _l("Choose between %(low)d and %(high)d frameworks to compare yours with.",
                                  low=MIN_COMPARED, high=MAX_COMPARED))
    if not parsed.errors and weights is not None:
        parsed.framework = frameworks.validate_framework({"weights": weights, "rule": rule})
    return parsed
