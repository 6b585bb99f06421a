"""Weight policies: member attributes -> integer vote units, with a derivation an auditor
can recompute.

Usage::

    from voting import weights

    snap = weights.compute_weights(weights.PRESETS["tiered_1_2_3"], members)
    snap.weights          # {"lip-hamilton": 3, ...}, summing to snap.total
    stored = snap.as_dict()              # goes into the motion's opening leaf
    assert weights.recompute(stored).as_dict() == stored   # what the verifier does
    weights.concentration(snap.weights)  # largest share, Gini, smallest majority coalition

A policy is a JSON object (see docs/weights.md)::

    {"kind": "equal" | "tiered" | "regional_parity" | "blended",
     "rule": "exact" | "fixed_total",                  # how shares become whole units
     "total": null | 10000,                            # fixed_total only: units asked for
     "tiers": {"small": 1, "medium": 2, "large": 3},   # tiered only: positive integer factors
     "equal_part": "1/2",                              # blended only: share split equally,
                                                       # the rest in proportion to population
     "cap": "1/10" | null, "floor": "1/200" | null}    # limits on any member's share

Rule "exact" gives the smallest integer weights whose ratios are exactly the shares;
"fixed_total" rounds to a total the policy asks for, never separating members whose shares
are equal.  A policy without "rule" is the first rule (format 1: Hamilton apportionment of
"total" units, equal remainders by member id); it is kept so that snapshots published
before the rule existed still recompute, and nothing new should use it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import lcm
from typing import Any, TypeGuard

from ._apportion import clamp_shares, hamilton, whole_groups
from ._fractions import frac_str, parse_fraction
from .errors import InvalidPolicy

__all__ = [
    "FORMAT",
    "FORMAT_V1",
    "MAX_EXACT_UNITS",
    "FORMAT_1_PRESETS",
    "MEMBER_FIELDS",
    "POLICY_KINDS",
    "PRESETS",
    "RULES",
    "WeightSnapshot",
    "basis_facts",
    "compute_weights",
    "concentration",
    "preset_name",
    "recompute",
    "validate_policy",
]

FORMAT_V1 = "lipvote-weights/1"  # policy without "rule": Hamilton to a fixed total
FORMAT = "lipvote-weights/2"  # policy with "rule": exact, or fixed total without splitting equals
FORMATS = (FORMAT_V1, FORMAT)
POLICY_KINDS: tuple[str, ...] = ("equal", "tiered", "regional_parity", "blended")
RULES: tuple[str, ...] = ("exact", "fixed_total")
# The exact rule's total is the common denominator of the shares; above this the policy is
# refused (it would need a fixed total) so that weights stay readable and voting power stays
# quick to compute.
MAX_EXACT_UNITS = 1_000_000
SIZE_CLASSES = ("small", "medium", "large")
SETTINGS = ("urban", "rural")
HOLDER_TYPES = ("spo", "municipal")
MEMBER_FIELDS: tuple[str, ...] = (
    "id", "region", "province", "setting", "size_class", "population", "holder_type", "clusters",
)
REMAINDER_RULE = (
    "floor(total * share) each; leftover units one each by largest remainder, "
    "equal remainders by ascending member id"
)
FIXED_TOTAL_RULE = (
    "floor(total * share) each; leftover units one each to every member of a group of equal "
    "remainders, largest remainder first, while the whole group fits; the rest stay unassigned"
)
EXACT_RULE = "share * common denominator of all shares"

PRESETS: dict[str, dict[str, Any]] = {
    "equal": {"kind": "equal", "rule": "exact", "total": None, "cap": None, "floor": None},
    "tiered_1_2_3": {
        "kind": "tiered", "rule": "exact", "total": None, "tiers": {"small": 1, "medium": 2, "large": 3},
        "cap": None, "floor": None,
    },
    "regional_parity": {"kind": "regional_parity", "rule": "exact", "total": None, "cap": None, "floor": None},
    # Population shares have denominators in the millions: these two ask for 10,000 units.
    "blended_half_population": {
        "kind": "blended", "rule": "fixed_total", "total": 10000, "equal_part": "1/2", "cap": None, "floor": None,
    },
    # needs at least 10 members (10 x 1/10 = 1) and at most 400 (400 x 1/400 = 1)
    "population_capped": {
        "kind": "blended", "rule": "fixed_total", "total": 10000, "equal_part": "0/1", "cap": "1/10",
        "floor": "1/400",
    },
}

# The presets as they were before "rule" existed (format 1), by the same names: motions opened
# with them still show which preset they used.
FORMAT_1_PRESETS: dict[str, dict[str, Any]] = {
    "equal": {"kind": "equal", "total": 10000, "cap": None, "floor": None},
    "tiered_1_2_3": {
        "kind": "tiered", "total": 10000, "tiers": {"small": 1, "medium": 2, "large": 3}, "cap": None, "floor": None,
    },
    "regional_parity": {"kind": "regional_parity", "total": 10000, "cap": None, "floor": None},
    "blended_half_population": {
        "kind": "blended", "total": 10000, "equal_part": "1/2", "cap": None, "floor": None,
    },
    "population_capped": {
        "kind": "blended", "total": 10000, "equal_part": "0/1", "cap": "1/10", "floor": "1/400",
    },
}


def preset_name(policy: Mapping[str, Any]) -> str | None:
    """The name of the preset ``policy`` is (current or format 1), or None."""
    for name, preset in PRESETS.items():
        if policy == preset or policy == FORMAT_1_PRESETS.get(name):
            return name
    return None


def _is_int(x: object) -> TypeGuard[int]:
    return isinstance(x, int) and not isinstance(x, bool)


def _share(policy: Mapping[str, Any], key: str) -> Fraction | None:
    raw = policy.get(key)
    if raw is None:
        return None
    try:
        value = parse_fraction(raw, f"policy.{key}")
    except ValueError as e:
        raise InvalidPolicy(str(e)) from e
    return value


def normalise_policy(policy: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(policy, Mapping):
        raise InvalidPolicy(f"policy: got {type(policy).__name__}, want an object")
    kind = policy.get("kind")
    if kind not in POLICY_KINDS:
        raise InvalidPolicy(f"policy.kind: got {kind!r}, want one of {list(POLICY_KINDS)}")
    allowed = {"kind", "total", "cap", "floor"}
    allowed |= {"rule"} if "rule" in policy else set()
    allowed |= {"tiers"} if kind == "tiered" else set()
    allowed |= {"equal_part"} if kind == "blended" else set()
    extra = sorted(set(policy) - allowed)
    if extra:
        raise InvalidPolicy(f"policy: unknown key(s) {extra} for kind {kind!r}, want only {sorted(allowed)}")
    out: dict[str, Any] = {"kind": kind}
    total = policy.get("total")
    if "rule" not in policy:  # format 1: a total is always apportioned
        if not _is_int(total) or total < 1:
            raise InvalidPolicy(f"policy.total: got {total!r}, want a positive integer")
    elif policy["rule"] == "exact":
        if total is not None:
            raise InvalidPolicy(f"policy.total: got {total!r}, want null (the exact rule sets its own total)")
        out["rule"] = "exact"
    elif policy["rule"] == "fixed_total":
        if not _is_int(total) or total < 1:
            raise InvalidPolicy(f"policy.total: got {total!r}, want a positive integer (the fixed total)")
        out["rule"] = "fixed_total"
    else:
        raise InvalidPolicy(f"policy.rule: got {policy['rule']!r}, want one of {list(RULES)}")
    out["total"] = total
    if kind == "tiered":
        tiers = policy.get("tiers")
        if not isinstance(tiers, Mapping) or set(tiers) != set(SIZE_CLASSES):
            raise InvalidPolicy(f"policy.tiers: got {tiers!r}, want a factor for each of {list(SIZE_CLASSES)}")
        for k in SIZE_CLASSES:
            if not _is_int(tiers[k]) or tiers[k] < 1:
                raise InvalidPolicy(f"policy.tiers.{k}: got {tiers[k]!r}, want a positive integer")
        out["tiers"] = {k: tiers[k] for k in SIZE_CLASSES}
    if kind == "blended":
        e = _share(policy, "equal_part")
        if e is None or not 0 <= e <= 1:
            raise InvalidPolicy(f"policy.equal_part: got {policy.get('equal_part')!r}, want a fraction in [0, 1]")
        out["equal_part"] = frac_str(e)
    cap, floor = _share(policy, "cap"), _share(policy, "floor")
    if cap is not None and not 0 < cap <= 1:
        raise InvalidPolicy(f"policy.cap: got {policy['cap']!r}, want a share in (0, 1]")
    if floor is not None and not 0 <= floor < 1:
        raise InvalidPolicy(f"policy.floor: got {policy['floor']!r}, want a share in [0, 1)")
    if cap is not None and floor is not None and floor > cap:
        raise InvalidPolicy(f"policy: floor {frac_str(floor)} is above cap {frac_str(cap)}")
    out["cap"] = frac_str(cap) if cap is not None else None
    out["floor"] = frac_str(floor) if floor is not None else None
    return out


def validate_policy(policy: Mapping[str, Any]) -> None:
    """Raise :class:`InvalidPolicy` naming the first problem in ``policy``."""
    normalise_policy(policy)


def _normalise_member(m: Mapping[str, Any], index: int) -> dict[str, Any]:
    if not isinstance(m, Mapping):
        raise InvalidPolicy(f"members[{index}]: got {type(m).__name__}, want an object")
    where = f"members[{index}]"
    mid = m.get("id")
    if not isinstance(mid, str) or not mid:
        raise InvalidPolicy(f"{where}.id: got {mid!r}, want a non-empty string")
    where = f"member {mid!r}"
    for key in ("region", "province"):
        if not isinstance(m.get(key), str) or not m.get(key):
            raise InvalidPolicy(f"{where}: {key} got {m.get(key)!r}, want a non-empty string")
    for key, allowed in (("setting", SETTINGS), ("size_class", SIZE_CLASSES), ("holder_type", HOLDER_TYPES)):
        if m.get(key) not in allowed:
            raise InvalidPolicy(f"{where}: {key} got {m.get(key)!r}, want one of {list(allowed)}")
    pop = m.get("population")
    if pop is not None and (not _is_int(pop) or pop < 0):
        raise InvalidPolicy(f"{where}: population got {pop!r}, want a non-negative integer or null")
    clusters = m.get("clusters", [])
    if not isinstance(clusters, (list, tuple)) or not all(isinstance(c, str) for c in clusters):
        raise InvalidPolicy(f"{where}: clusters got {clusters!r}, want a list of strings")
    return {
        "id": mid,
        "region": m["region"],
        "province": m["province"],
        "setting": m["setting"],
        "size_class": m["size_class"],
        "population": pop,
        "holder_type": m["holder_type"],
        "clusters": sorted(clusters),
    }


def _raw_shares(policy: dict[str, Any], members: list[dict[str, Any]]) -> tuple[list[Fraction], list[str]]:
    n = len(members)
    kind = policy["kind"]
    if kind == "equal":
        return [Fraction(1, n)] * n, ["equal: 1/n"] * n
    if kind == "tiered":
        factors = [policy["tiers"][m["size_class"]] for m in members]
        total = sum(factors)
        return [Fraction(f, total) for f in factors], [
            f"size_class={m['size_class']}: factor {f} of {total}" for m, f in zip(members, factors, strict=True)
        ]
    if kind == "regional_parity":
        counts: dict[str, int] = {}
        for m in members:
            counts[m["region"]] = counts.get(m["region"], 0) + 1
        r = len(counts)
        return [Fraction(1, r * counts[m["region"]]) for m in members], [
            f"region={m['region']}: 1/{r} of the total split among {counts[m['region']]}" for m in members
        ]
    e = parse_fraction(policy["equal_part"], "equal_part")
    if e == 1:
        return [Fraction(1, n)] * n, ["blended: equal part 1/1"] * n
    missing = [m["id"] for m in members if m["population"] is None]
    if missing:
        raise InvalidPolicy(f"member {missing[0]!r}: population missing, required by a blended policy")
    pop_total = sum(m["population"] for m in members)
    if pop_total == 0:
        raise InvalidPolicy("members: population sums to 0, a blended policy needs some population")
    return [e / n + (1 - e) * Fraction(m["population"], pop_total) for m in members], [
        f"equal part {frac_str(e)} split over {n} + {frac_str(1 - e)} x population {m['population']}/{pop_total}"
        for m in members
    ]


@dataclass(frozen=True)
class WeightSnapshot:
    """Integer vote units per member id; ``as_dict()`` is the JSON stored at motion open."""

    weights: dict[str, int]
    total: int
    snapshot: dict[str, Any] = field(repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        import copy

        return copy.deepcopy(self.snapshot)


def compute_weights(policy: Mapping[str, Any], members: Sequence[Mapping[str, Any]]) -> WeightSnapshot:
    """Apply ``policy`` to the active ``members``; raises :class:`InvalidPolicy`."""
    pol = normalise_policy(policy)
    norm = _normalise_members(members)
    ids = [m["id"] for m in norm]
    total = pol["total"]
    if total is not None and total < len(norm):
        raise InvalidPolicy(f"policy.total: got {total}, want at least one unit per member ({len(norm)})")
    cap, floor = _limits(pol, len(norm))
    raw, basis = _raw_shares(pol, norm)
    _check_cap_reachable(pol, raw, cap, floor)
    shares, scale = clamp_shares(raw, cap, floor)
    rows = _share_rows(ids, basis, raw, shares, scale, cap, floor)
    rule = pol.get("rule")
    if rule is None:
        units, derivation = _hamilton_units(shares, ids, total, rows)
    elif rule == "exact":
        units, derivation = _exact_units(shares, rows)
    else:
        units, derivation = _fixed_total_units(shares, total, rows)
    weights = dict(zip(ids, units, strict=True))
    snapshot = {
        "format": FORMAT_V1 if rule is None else FORMAT,
        "policy": pol,
        "members": norm,
        "total": sum(units),
        "weights": weights,
        "derivation": {"scale": frac_str(scale) if scale is not None else None, **derivation},
    }
    return WeightSnapshot(weights=weights, total=sum(units), snapshot=snapshot)


def _limits(pol: Mapping[str, Any], n: int) -> tuple[Fraction | None, Fraction | None]:
    """The policy's cap and floor, refused when no n shares summing to 1 can respect them."""
    cap = parse_fraction(pol["cap"], "cap") if pol["cap"] else None
    floor = parse_fraction(pol["floor"], "floor") if pol["floor"] else None
    if cap is not None and cap * n < 1:
        raise InvalidPolicy(f"policy.cap: {pol['cap']} x {n} members is below 1, no share can satisfy it")
    if floor is not None and floor * n > 1:
        raise InvalidPolicy(f"policy.floor: {pol['floor']} x {n} members is above 1, no share can satisfy it")
    return cap, floor


def _check_cap_reachable(pol: Mapping[str, Any], raw: list[Fraction], cap: Fraction | None,
                         floor: Fraction | None) -> None:
    """Scaling cannot lift a zero raw share, so the others (and floors) must reach 1 under the cap."""
    if cap is None:
        return
    positive = sum(1 for r in raw if r > 0)
    if positive * cap + (len(raw) - positive) * (floor or 0) < 1:
        raise InvalidPolicy(f"policy.cap: only {positive} members have a share above zero and "
                            f"{pol['cap']} each cannot make up the whole")


def _share_rows(ids: list[str], basis: list[str], raw: list[Fraction], shares: list[Fraction],
                scale: Fraction | None, cap: Fraction | None, floor: Fraction | None) -> list[dict[str, Any]]:
    """The derivation rows up to the share; the rule adds the units."""
    rows = []
    for i, member_id in enumerate(ids):
        limited = None
        if scale is not None:
            if cap is not None and shares[i] == cap and scale * raw[i] > cap:
                limited = "cap"
            elif floor is not None and shares[i] == floor and scale * raw[i] < floor:
                limited = "floor"
        rows.append({"id": member_id, "basis": basis[i], "raw_share": frac_str(raw[i]), "limited": limited,
                     "share": frac_str(shares[i])})
    return rows


def _normalise_members(members: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Checked member inputs, sorted by id."""
    if isinstance(members, (str, bytes)) or not isinstance(members, Sequence):
        raise InvalidPolicy(f"members: got {type(members).__name__}, want a list of member objects")
    norm = [_normalise_member(m, i) for i, m in enumerate(members)]
    if not norm:
        raise InvalidPolicy("members: empty, want at least one active member")
    ids = [m["id"] for m in norm]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise InvalidPolicy(f"member {dup!r}: id appears more than once")
    return sorted(norm, key=lambda m: m["id"])


def _hamilton_units(shares: list[Fraction], ids: list[str], total: int,
                    rows: list[dict[str, Any]]) -> tuple[list[int], dict[str, Any]]:
    """Format 1: largest remainder, equal remainders by member id (may separate equals)."""
    units, remainders, bonus = hamilton(shares, ids, total)
    for i, row in enumerate(rows):
        row.update(quota=frac_str(total * shares[i]), base_units=units[i] - bonus[i],
                   remainder=frac_str(remainders[i]), bonus=bonus[i], units=units[i])
    return units, {"leftover_units": sum(bonus), "remainder_rule": REMAINDER_RULE, "rows": rows}


def _exact_units(shares: list[Fraction], rows: list[dict[str, Any]]) -> tuple[list[int], dict[str, Any]]:
    """Rule "exact": units = share x the least common multiple of the share denominators.

    With every share in lowest terms and the shares summing to 1, these units have no common
    factor (docs/weights.md §4), so they are the smallest integers in the shares' ratios.
    """
    denominator = lcm(*(s.denominator for s in shares))
    if denominator > MAX_EXACT_UNITS:
        raise InvalidPolicy(f"policy.rule: exact weights would need {denominator} units, more than "
                            f"{MAX_EXACT_UNITS}; ask for a fixed total instead")
    units = [s.numerator * (denominator // s.denominator) for s in shares]
    for row, u in zip(rows, units, strict=True):
        row["units"] = u
    return units, {"rule": "exact", "common_denominator": denominator, "unit_rule": EXACT_RULE, "rows": rows}


def _fixed_total_units(shares: list[Fraction], total: int,
                       rows: list[dict[str, Any]]) -> tuple[list[int], dict[str, Any]]:
    """Rule "fixed_total": round down, then whole groups of equal remainders, never splitting one."""
    units, remainders, bonus = whole_groups(shares, total)
    for i, row in enumerate(rows):
        row.update(quota=frac_str(total * shares[i]), base_units=units[i] - bonus[i],
                   remainder=frac_str(remainders[i]), bonus=bonus[i], units=units[i])
    return units, {
        "rule": "fixed_total", "requested_total": total, "leftover_units": total - sum(units) + sum(bonus),
        "unassigned_units": total - sum(units), "remainder_rule": FIXED_TOTAL_RULE, "rows": rows,
    }


def basis_facts(snapshot: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per member id, the numbers behind its raw share, for a reader's own words.

    {"kind": "equal", "members": n}; {"kind": "tiered", "size_class", "factor", "factor_sum"};
    {"kind": "regional_parity", "region", "regions", "region_members"};
    {"kind": "blended", "equal_part", "members", "population", "population_sum"}.
    The snapshot's own "basis" strings say the same in English, as the format defines them.
    """
    pol = normalise_policy(snapshot["policy"])
    members = _normalise_members(snapshot["members"])
    n = len(members)
    kind = pol["kind"]
    out: dict[str, dict[str, Any]] = {}
    if kind == "tiered":
        factor_sum = sum(pol["tiers"][m["size_class"]] for m in members)
        for m in members:
            out[m["id"]] = {"kind": kind, "size_class": m["size_class"], "factor": pol["tiers"][m["size_class"]],
                            "factor_sum": factor_sum}
    elif kind == "regional_parity":
        counts: dict[str, int] = {}
        for m in members:
            counts[m["region"]] = counts.get(m["region"], 0) + 1
        for m in members:
            out[m["id"]] = {"kind": kind, "region": m["region"], "regions": len(counts),
                            "region_members": counts[m["region"]]}
    elif kind == "blended" and pol["equal_part"] != "1/1":
        pop_sum = sum(m["population"] or 0 for m in members)
        for m in members:
            out[m["id"]] = {"kind": kind, "equal_part": pol["equal_part"], "members": n,
                            "population": m["population"], "population_sum": pop_sum}
    else:
        for m in members:
            out[m["id"]] = {"kind": "equal", "members": n}
    return out


def recompute(snapshot: Mapping[str, Any]) -> WeightSnapshot:
    """Recompute a stored snapshot from its own ``policy`` and ``members``.

    The verifier compares ``recompute(stored).as_dict() == stored``; any difference means
    the stored weights were not produced by the stored policy.
    """
    if not isinstance(snapshot, Mapping):
        raise InvalidPolicy(f"snapshot: got {type(snapshot).__name__}, want an object")
    fmt = snapshot.get("format")
    if fmt not in FORMATS:
        raise InvalidPolicy(f"snapshot.format: got {fmt!r}, want one of {list(FORMATS)}")
    for key in ("policy", "members"):
        if key not in snapshot:
            raise InvalidPolicy(f"snapshot.{key}: missing")
    policy = snapshot["policy"]
    has_rule = isinstance(policy, Mapping) and "rule" in policy
    if has_rule != (fmt == FORMAT):
        raise InvalidPolicy(f"snapshot.format: {fmt!r} with a policy "
                            f"{'with' if has_rule else 'without'} a rule; format {FORMAT_V1!r} has "
                            f"none, {FORMAT!r} always has one")
    return compute_weights(policy, snapshot["members"])


def concentration(weights: Mapping[str, int]) -> dict[str, Any]:
    """Largest share, Gini coefficient and the smallest coalition holding a majority (> half).

    Gini = sum over all ordered pairs |w_i - w_j| / (2 n^2 mean), exact.  The coalition takes
    members by decreasing weight (equal weights by ascending id) until its units exceed half
    the total.
    """
    if not isinstance(weights, Mapping) or not weights:
        raise InvalidPolicy("weights: want a non-empty mapping of member id to units")
    for k, w in weights.items():
        if not _is_int(w) or w < 0:
            raise InvalidPolicy(f"weights[{k!r}]: got {w!r}, want a non-negative integer")
    total = sum(weights.values())
    if total == 0:
        raise InvalidPolicy("weights: all zero")
    n = len(weights)
    ordered = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
    ascending = sorted(weights.values())
    weighted = sum((i + 1) * w for i, w in enumerate(ascending))
    gini = Fraction(2 * weighted, n * total) - Fraction(n + 1, n)
    coalition: list[str] = []
    held = 0
    for mid, w in ordered:
        if 2 * held > total:
            break
        coalition.append(mid)
        held += w
    top_id, top_w = ordered[0]
    return {
        "members": n,
        "total": total,
        "largest": {"id": top_id, "units": top_w, "share": frac_str(Fraction(top_w, total))},
        "gini": frac_str(gini),
        "majority_coalition": {"size": len(coalition), "units": held, "members": coalition},
    }
