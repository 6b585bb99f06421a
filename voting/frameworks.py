"""Representation frameworks as data: a weight policy and a decision rule (docs/power.md).

    from voting import frameworks
    fw = frameworks.PRESETS["majority_and_regions"]
    frameworks.validate_framework(fw)                 # InvalidFramework names the first problem
    built = frameworks.build(fw, members)             # weights, quotas and the game
    built.game.wins({0, 3, 5})

A framework is a JSON object::

    {"weights": <a policy of voting.weights> | {"kind": "sqrt_population", "total": 10000},
     "rule": {"weight": {"more_than": "1/2"} | {"at_least": "2/3"} | {"jagiellonian": true} | null,
              "members": {"more_than": "1/2"} | {"at_least": "11/20"} | null,
              "regions": {"needed": 3 | "all", "within": {"more_than": "1/2"}} | null,
              "block_minimum": 4 | null}}

The rule is the concurrent majority of every condition given (docs/power.md §2): weight as a
share of the units in force, members as a share of the membership, and the regional rule
(a region is carried when the coalition holds the share ``within`` of its members; ``needed``
regions must be carried, "all" meaning every region). ``block_minimum`` m: a "no" side of
fewer than m members cannot block on weight alone (the European Union's "at least four").
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import isqrt
from typing import Any

from . import weights as weight_policies
from ._apportion import whole_groups
from ._fractions import frac_str, parse_fraction
from ._rules import needed
from .errors import InvalidPolicy
from .games import Game

__all__ = [
    "Built", "InvalidFramework", "PRESETS", "SQRT_DIGITS", "build", "jagiellonian_quota",
    "sqrt_population_shares", "validate_framework",
]

# sqrt(population) is irrational: it is taken exactly to this many decimal places (rounded down).
SQRT_DIGITS = 6
_POPULATION_UNITS = 1000  # population-only weights in composite presets: one unit = 0.1 %


class InvalidFramework(InvalidPolicy):
    """A framework's weights or rule are malformed, or do not fit the membership."""


def _population(total: int, cap: str | None = None, floor: str | None = None) -> dict[str, Any]:
    return {"kind": "blended", "rule": "fixed_total", "total": total, "equal_part": "0/1", "cap": cap, "floor": floor}


MAJORITY = {"more_than": "1/2"}
PRESETS: dict[str, dict[str, Any]] = {
    "one_lip_one_vote": {"weights": weight_policies.PRESETS["equal"], "rule": {"weight": MAJORITY}},
    "size_tiers": {"weights": weight_policies.PRESETS["tiered_1_2_3"], "rule": {"weight": MAJORITY}},
    "population_capped": {"weights": weight_policies.PRESETS["population_capped"], "rule": {"weight": MAJORITY}},
    "penrose_jagiellonian": {"weights": {"kind": "sqrt_population", "total": 10000},
                             "rule": {"weight": {"jagiellonian": True}}},
    # exact regional parity needs R x the lcm of the region sizes: 10,000 units keep it readable
    "regional_blocks": {"weights": {**weight_policies.PRESETS["regional_parity"], "rule": "fixed_total", "total": 10000},
                        "rule": {"weight": MAJORITY}},
    "base_plus_proportional": {"weights": weight_policies.PRESETS["blended_half_population"],
                               "rule": {"weight": MAJORITY}},
    "two_thirds_members_half_population": {
        "weights": _population(_POPULATION_UNITS),
        "rule": {"members": {"at_least": "2/3"}, "weight": {"at_least": "1/2"}},
    },
    "majority_and_regions": {
        "weights": weight_policies.PRESETS["equal"],
        "rule": {"members": MAJORITY, "regions": {"needed": 3, "within": MAJORITY}},
    },
    "majority_in_every_region": {
        "weights": weight_policies.PRESETS["equal"],
        "rule": {"regions": {"needed": "all", "within": MAJORITY}},
    },
    "eu_double_majority": {
        "weights": _population(_POPULATION_UNITS),
        "rule": {"members": {"at_least": "11/20"}, "weight": {"at_least": "13/20"}, "block_minimum": 4},
    },
}


def _share(spec: object, field: str) -> tuple[Fraction, bool]:
    """{"more_than": "p/q"} or {"at_least": "p/q"} -> (share, strict)."""
    if not isinstance(spec, Mapping) or len(spec) != 1 or next(iter(spec)) not in ("more_than", "at_least"):
        raise InvalidFramework(f"{field}: got {spec!r}, want {{\"more_than\": \"p/q\"}} or {{\"at_least\": \"p/q\"}}")
    key, raw = next(iter(spec.items()))
    try:
        share = parse_fraction(raw, f"{field}.{key}")
    except ValueError as e:
        raise InvalidFramework(str(e)) from e
    if not 0 <= share <= 1 or (key == "more_than" and share == 1):
        raise InvalidFramework(f"{field}.{key}: got {raw!r}, want a share that some coalition can reach")
    return share, key == "more_than"


def _normal_share(spec: object, field: str) -> dict[str, str]:
    share, strict = _share(spec, field)
    return {"more_than" if strict else "at_least": frac_str(share)}


def _normal_weights(policy: object) -> dict[str, Any]:
    if isinstance(policy, Mapping) and policy.get("kind") == "sqrt_population":
        extra = sorted(set(policy) - {"kind", "total"})
        total = policy.get("total")
        if extra:
            raise InvalidFramework(f"weights: unknown key(s) {extra} for kind 'sqrt_population', want only ['kind', 'total']")
        if isinstance(total, bool) or not isinstance(total, int) or not 1 <= total <= 1_000_000:
            raise InvalidFramework(f"weights.total: got {total!r}, want an integer in [1, 1000000]")
        return {"kind": "sqrt_population", "total": total}
    try:
        return weight_policies.normalise_policy(policy)  # type: ignore[arg-type]
    except InvalidPolicy as e:
        raise InvalidFramework(f"weights: {e}") from e


def validate_framework(framework: object) -> dict[str, Any]:
    """The framework with every key present and fractions in lowest terms; raises InvalidFramework."""
    if not isinstance(framework, Mapping) or set(framework) != {"weights", "rule"}:
        raise InvalidFramework("framework: want an object with exactly 'weights' and 'rule'")
    rule = framework["rule"]
    if not isinstance(rule, Mapping):
        raise InvalidFramework("rule: want an object")
    extra = sorted(set(rule) - {"weight", "members", "regions", "block_minimum"})
    if extra:
        raise InvalidFramework(f"rule: unknown key(s) {extra}")
    out: dict[str, Any] = {"weight": None, "members": None, "regions": None, "block_minimum": None}
    weight = rule.get("weight")
    if weight == {"jagiellonian": True}:
        out["weight"] = {"jagiellonian": True}
    elif weight is not None:
        out["weight"] = _normal_share(weight, "rule.weight")
    if rule.get("members") is not None:
        out["members"] = _normal_share(rule["members"], "rule.members")
    regions = rule.get("regions")
    if regions is not None:
        if not isinstance(regions, Mapping) or set(regions) != {"needed", "within"}:
            raise InvalidFramework("rule.regions: want {\"needed\": k or \"all\", \"within\": a share}")
        k = regions["needed"]
        if k != "all" and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
            raise InvalidFramework(f"rule.regions.needed: got {k!r}, want a positive integer or \"all\"")
        out["regions"] = {"needed": k, "within": _normal_share(regions["within"], "rule.regions.within")}
    block = rule.get("block_minimum")
    if block is not None:
        if isinstance(block, bool) or not isinstance(block, int) or block < 1:
            raise InvalidFramework(f"rule.block_minimum: got {block!r}, want a positive integer")
        if out["weight"] is None:
            raise InvalidFramework("rule.block_minimum: only meaningful with a weight condition")
        out["block_minimum"] = block
    if out["weight"] is None and out["members"] is None and out["regions"] is None:
        raise InvalidFramework("rule: want at least one condition (weight, members or regions)")
    return {"weights": _normal_weights(framework["weights"]), "rule": out}


def sqrt_population_shares(populations: Sequence[int]) -> list[Fraction]:
    """Shares in proportion to sqrt(population), each root taken to SQRT_DIGITS places (down)."""
    scale = 10 ** (2 * SQRT_DIGITS)
    roots = [isqrt(p * scale) for p in populations]
    total = sum(roots)
    if total == 0:
        raise InvalidFramework("members: population sums to 0, square-root weights need some population")
    return [Fraction(r, total) for r in roots]


def jagiellonian_quota(weights: Sequence[int]) -> int:
    """The smallest whole quota >= (T + sqrt(sum of squared weights)) / 2 (Slomczynski and
    Zyczkowski's optimal quota, in units), computed exactly with integer square roots."""
    total = sum(weights)
    squares = sum(w * w for w in weights)
    root_up = isqrt(squares) + (isqrt(squares) ** 2 != squares)  # ceil(sqrt(squares))
    return min(total, -(-(total + root_up) // 2))


def _sqrt_weights(policy: Mapping[str, Any], members: Sequence[Mapping[str, Any]]) -> tuple[dict[str, int], dict[str, Any]]:
    rows = sorted(members, key=lambda m: m["id"])
    missing = [m["id"] for m in rows if m.get("population") is None]
    if missing:
        raise InvalidFramework(f"member {missing[0]!r}: population missing, required by square-root weights")
    shares = sqrt_population_shares([m["population"] for m in rows])
    units, remainders, bonus = whole_groups(shares, policy["total"])
    weights = {m["id"]: u for m, u in zip(rows, units, strict=True)}
    derivation = {
        "rule": "sqrt_population", "sqrt_digits": SQRT_DIGITS, "requested_total": policy["total"],
        "rows": [{"id": m["id"], "population": m["population"], "share": frac_str(s), "units": u}
                 for m, s, u in zip(rows, shares, units, strict=True)],
    }
    return weights, derivation


@dataclass(frozen=True)
class Built:
    """A framework applied to a membership: member ids (sorted), their weights and the game."""

    framework: dict[str, Any]
    ids: list[str]
    weights: list[int]
    game: Game
    regions: list[str]  # region names, by the game's region index
    derivation: dict[str, Any]

    @property
    def total(self) -> int:
        return sum(self.weights)


def build(framework: object, members: Sequence[Mapping[str, Any]]) -> Built:
    """Apply ``framework`` to ``members`` (the member objects of voting.weights)."""
    fw = validate_framework(framework)
    policy = fw["weights"]
    if policy["kind"] == "sqrt_population":
        norm = weight_policies._normalise_members(members)
        by_id, derivation = _sqrt_weights(policy, norm)
    else:
        try:
            snapshot = weight_policies.compute_weights(policy, members)
        except InvalidPolicy as e:
            raise InvalidFramework(str(e)) from e
        norm = snapshot.as_dict()["members"]
        by_id, derivation = snapshot.weights, snapshot.as_dict()["derivation"]
    ids = [m["id"] for m in norm]
    region_names = sorted({m["region"] for m in norm})
    region_of = [region_names.index(m["region"]) for m in norm]
    ws = [by_id[i] for i in ids]
    rule = fw["rule"]
    n, total = len(ids), sum(ws)
    quota = 0
    if rule["weight"] == {"jagiellonian": True}:
        quota = jagiellonian_quota(ws)
    elif rule["weight"] is not None:
        share, strict = _share(rule["weight"], "rule.weight")
        quota = max(1, needed(share, total, strict))
    member_quota = 0
    if rule["members"] is not None:
        share, strict = _share(rule["members"], "rule.members")
        member_quota = max(1, needed(share, n, strict))
    regions_needed, region_quotas = 0, tuple[int, ...]()
    if rule["regions"] is not None:
        count = len(region_names)
        k = rule["regions"]["needed"]
        regions_needed = count if k == "all" else k
        if regions_needed > count:
            raise InvalidFramework(f"rule.regions.needed: {k} regions asked for, the membership has {count}")
        share, strict = _share(rule["regions"]["within"], "rule.regions.within")
        sizes = [region_of.count(r) for r in range(count)]
        region_quotas = tuple(max(1, needed(share, size, strict)) for size in sizes)
    game = Game(weights=tuple(ws), regions=tuple(region_of), quota=quota, member_quota=member_quota,
                region_quotas=region_quotas, regions_needed=regions_needed,
                block_minimum=rule["block_minimum"] or 0)
    return Built(framework=copy.deepcopy(fw), ids=ids, weights=ws, game=game, regions=region_names,
                 derivation=derivation)
