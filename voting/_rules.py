"""Motion rules: validation, normalisation, quorum and yes/no threshold arithmetic."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ._feasible import METHODS, SINGLE_WINNER
from ._ingest import YES_NO_CHOICES
from ._fractions import frac_str, parse_fraction, share_str
from .errors import InvalidMotion

RULE_THRESHOLDS: tuple[str, ...] = (
    "majority_cast",
    "absolute_majority",
    "two_thirds",
    "three_quarters",
    "unanimity",
)

# name -> (required share, strict ">" instead of ">=", basis)
_THRESHOLDS: dict[str, tuple[Fraction, bool, str]] = {
    "majority_cast": (Fraction(1, 2), True, "votes_cast"),
    "absolute_majority": (Fraction(1, 2), True, "eligible"),
    "two_thirds": (Fraction(2, 3), False, "votes_cast"),
    "three_quarters": (Fraction(3, 4), False, "votes_cast"),
    "unanimity": (Fraction(1, 1), False, "votes_cast"),
}

_TOP_KEYS = {"threshold", "quorum", "double_majority", "eligible"}


@dataclass(frozen=True)
class Threshold:
    """A yes/no threshold: yes must be more than (``strict``) or at least ``share`` of ``basis``."""

    name: str
    share: Fraction
    strict: bool
    basis: str  # "votes_cast" (yes + no) or "eligible" (the eligible total)


def threshold(name: str) -> Threshold:
    """The named threshold (one of RULE_THRESHOLDS); KeyError for another name."""
    share, strict, basis = _THRESHOLDS[name]
    return Threshold(name, share, strict, basis)


def needed(share: Fraction, base: int, strict: bool) -> int:
    """The smallest whole amount ``a`` with ``a / base > share`` (strict) or ``>= share``.

    The one place that turns a required share into a count of members or units of weight:
    thresholds, quorums and the majority a chair plans for all use it.
    """
    limit = share * base
    return math.floor(limit) + 1 if strict else math.ceil(limit)


def full_turnout_quota(threshold_name: str, total: int) -> int:
    """The smallest weight that carries a yes/no motion when every member votes yes or no.

    With full turnout the votes cast equal the eligible total, so every threshold is measured
    against the total; a name that is not a yes/no threshold (another method) is measured
    against a simple majority. This is the quota of the weighted game whose power is reported.
    """
    rule = threshold(threshold_name if threshold_name in _THRESHOLDS else "majority_cast")
    return needed(rule.share, total, rule.strict)



def _is_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _check_keys(obj: Mapping[str, Any], allowed: set[str], field: str) -> None:
    extra = sorted(set(obj) - allowed)
    if extra:
        raise InvalidMotion(field, f"unknown key(s) {extra}, want only {sorted(allowed)}")


def _mapping(obj: object, field: str) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping):
        raise InvalidMotion(field, f"got {type(obj).__name__}, want an object")
    return obj


def _count(obj: Mapping[str, Any], key: str, field: str, minimum: int) -> int:
    if key not in obj:
        raise InvalidMotion(f"{field}.{key}", "missing")
    v = obj[key]
    if not _is_int(v) or v < minimum:
        raise InvalidMotion(f"{field}.{key}", f"got {v!r}, want an integer >= {minimum}")
    return int(v)


def normalise_rules(rules: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate ``rules`` and return them with every default filled in (JSON-safe)."""
    if rules is None:
        rules = {}
    rules = _mapping(rules, "rules")
    _check_keys(rules, _TOP_KEYS, "rules")

    threshold = rules.get("threshold", "majority_cast")
    if threshold not in _THRESHOLDS:
        raise InvalidMotion("rules.threshold", f"got {threshold!r}, want one of {list(RULE_THRESHOLDS)}")

    quorum_in = _mapping(rules.get("quorum") or {}, "rules.quorum")
    _check_keys(quorum_in, {"members", "weight"}, "rules.quorum")
    quorum: dict[str, str | None] = {}
    for key in ("members", "weight"):
        raw = quorum_in.get(key)
        if raw is None:
            quorum[key] = None
            continue
        try:
            q = parse_fraction(raw, f"rules.quorum.{key}")
        except ValueError as e:
            raise InvalidMotion(f"rules.quorum.{key}", f"got {raw!r}, want a fraction string like \"1/2\"") from e
        if not 0 < q <= 1:
            raise InvalidMotion(f"rules.quorum.{key}", f"got {raw!r}, want a share in (0, 1]")
        quorum[key] = frac_str(q)

    dm_in = _mapping(rules.get("double_majority") or {}, "rules.double_majority")
    _check_keys(dm_in, {"members", "regions"}, "rules.double_majority")
    dm_members = dm_in.get("members", False)
    if not isinstance(dm_members, bool):
        raise InvalidMotion("rules.double_majority.members", f"got {dm_members!r}, want true or false")
    dm_regions = dm_in.get("regions")
    if not (dm_regions is None or dm_regions == "all" or (_is_int(dm_regions) and dm_regions >= 1)):
        raise InvalidMotion(
            "rules.double_majority.regions", f"got {dm_regions!r}, want null, \"all\" or an integer >= 1"
        )

    eligible: dict[str, Any] | None = None
    if rules.get("eligible") is not None:
        el = _mapping(rules["eligible"], "rules.eligible")
        _check_keys(el, {"members", "weight", "regions"}, "rules.eligible")
        eligible = {
            "members": _count(el, "members", "rules.eligible", 1),
            "weight": _count(el, "weight", "rules.eligible", 1),
            "regions": None,
        }
        if el.get("regions") is not None:
            regs = _mapping(el["regions"], "rules.eligible.regions")
            if not regs:
                raise InvalidMotion("rules.eligible.regions", "empty, want at least one region")
            out: dict[str, dict[str, int]] = {}
            for rid in sorted(regs):
                if not isinstance(rid, str) or not rid:
                    raise InvalidMotion("rules.eligible.regions", f"got key {rid!r}, want a region id")
                r = _mapping(regs[rid], f"rules.eligible.regions.{rid}")
                _check_keys(r, {"members", "weight"}, f"rules.eligible.regions.{rid}")
                out[rid] = {
                    "members": _count(r, "members", f"rules.eligible.regions.{rid}", 0),
                    "weight": _count(r, "weight", f"rules.eligible.regions.{rid}", 0),
                }
            for key in ("members", "weight"):
                total = sum(r[key] for r in out.values())
                if total != eligible[key]:
                    raise InvalidMotion(
                        "rules.eligible.regions", f"{key} sum to {total}, want rules.eligible.{key} = {eligible[key]}"
                    )
            eligible["regions"] = out

    needs = []
    if quorum["members"] is not None or quorum["weight"] is not None:
        needs.append("a quorum")
    if threshold == "absolute_majority":
        needs.append("threshold absolute_majority")
    if dm_regions is not None:
        needs.append("a regional double majority")
    if needs and eligible is None:
        raise InvalidMotion("rules.eligible", f"missing, required by {' and '.join(needs)}")
    if dm_regions is not None:
        region_table = eligible["regions"] if eligible else None
        if region_table is None:
            raise InvalidMotion("rules.eligible.regions", "missing, required by a regional double majority")
        counted = sum(1 for r in region_table.values() if r["members"] > 0)
        if _is_int(dm_regions) and dm_regions > counted:
            raise InvalidMotion(
                "rules.double_majority.regions", f"got {dm_regions}, but only {counted} region(s) have eligible members"
            )

    return {
        "threshold": threshold,
        "quorum": quorum,
        "double_majority": {"members": dm_members, "regions": dm_regions},
        "eligible": eligible,
    }


def validate_rules(rules: Mapping[str, Any] | None) -> None:
    """Raise :class:`InvalidMotion` naming the first problem in ``rules``; None means valid."""
    normalise_rules(rules)


@dataclass(frozen=True)
class MethodRules:
    """What a motion counted by one method may set; every method also takes a quorum."""

    thresholds: tuple[str, ...]
    double_majority: bool
    several_seats: bool
    fixed_options: tuple[str, ...]  # the options every motion of this method has; () when the chair names them


def method_rules(method: str) -> MethodRules:
    """The thresholds, double majorities and seat counts :func:`tally` accepts for ``method``.

    Thresholds and double majorities compare yes with no, so only yes/no motions take them;
    the other methods elect by their own rule, which is "majority_cast" in the rules' terms.
    """
    if method not in METHODS:
        raise InvalidMotion("method", f"got {method!r}, want one of {list(METHODS)}")
    if method == "yes_no":
        return MethodRules(thresholds=RULE_THRESHOLDS, double_majority=True, several_seats=False,
                           fixed_options=YES_NO_CHOICES)
    return MethodRules(thresholds=("majority_cast",), double_majority=False, several_seats=method not in SINGLE_WINNER,
                       fixed_options=())


def rules_for_method(rules: dict[str, Any], method: str) -> None:
    """Refuse a threshold or double majority that ``method`` does not take (see :func:`method_rules`)."""
    allowed = method_rules(method)
    if rules["threshold"] not in allowed.thresholds:
        raise InvalidMotion("rules.threshold", f"got {rules['threshold']!r}, but thresholds apply only to yes_no")
    dm = rules["double_majority"]
    if not allowed.double_majority and (dm["members"] or dm["regions"] is not None):
        raise InvalidMotion("rules.double_majority", "applies only to yes_no motions")


def quorum_report(rules: dict[str, Any], ballots: int, weight: int) -> dict[str, Any]:
    """Quorum arithmetic; met when the share that voted is >= each required share."""
    eligible = rules["eligible"]
    report: dict[str, Any] = {"required": False, "met": True, "members": None, "weight": None}
    for key, cast in (("members", ballots), ("weight", weight)):
        req = rules["quorum"][key]
        if req is None:
            continue
        need = parse_fraction(req, key)
        total = eligible[key]
        if cast > total:
            raise InvalidMotion(f"turnout {key}", f"got {cast}, more than the {total} eligible")
        met = Fraction(cast, total) >= need
        report["required"] = True
        report["met"] = report["met"] and met
        report[key] = {"cast": cast, "eligible": total, "share": share_str(cast, total), "required": req, "met": met}
    return report


def threshold_test(name: str, yes: int, no: int, eligible_total: int | None) -> dict[str, Any]:
    """Apply a named threshold to yes/no amounts (weights or member counts)."""
    need, strict, basis = _THRESHOLDS[name]
    base = (yes + no) if basis == "votes_cast" else int(eligible_total or 0)
    if base == 0:
        met = False
    elif strict:
        met = Fraction(yes, base) > need
    else:
        met = Fraction(yes, base) >= need
    return {
        "threshold": name,
        "basis": basis,
        "yes": yes,
        "no": no,
        "base": base,
        "yes_share": share_str(yes, base),
        "required": frac_str(need),
        "comparison": ">" if strict else ">=",
        "met": met,
    }
