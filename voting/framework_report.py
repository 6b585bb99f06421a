"""What a framework does to a membership, exactly (docs/power.md §4).

    from voting.framework_report import report
    r = report(frameworks.PRESETS["size_tiers"], members)
    r["members"][0]    # {"id", "weight", "weight_share", "banzhaf", "absolute_banzhaf", "shapley_shubik"}
    r["groups"]["region"]["quebec"]   # shares of members, population, weight and power
    r["gini"], r["smallest_winning"], r["smallest_blocking"], r["alone"], r["distance"]

Every number is an exact fraction as a "p/q" string (JSON-safe, like the tally's explanation).
Power comes from :mod:`voting.power` when the rule is a single weighted quota and from
:mod:`voting.game_power` otherwise; :func:`cost` estimates the latter so that a caller can
refuse a game too large for its time budget before starting it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from functools import reduce
from itertools import combinations
from math import gcd
from typing import Any

from . import game_power, power
from ._fractions import frac_str
from .frameworks import Built, InvalidFramework, build, sqrt_population_shares
from .games import Game, InvalidGame, indices_from_swings, reference_swings_by_size

__all__ = ["GROUP_ATTRIBUTES", "TooLarge", "cost", "gini", "power_of", "report", "smallest_blocking",
           "smallest_winning"]

GROUP_ATTRIBUTES = ("region", "setting", "size_class", "holder_type")
ENUMERATE_UP_TO = 12  # members: 2^12 x 12 steps of plain Python, a few milliseconds
MAX_TABLE_CELLS = 1 << 22  # the composite engine's table, 32 MB (a few copies live at once)


class TooLarge(InvalidFramework):
    """The exact computation would exceed the caller's budget."""


def _reduced(game: Game) -> Game:
    """The same game on weights divided by their common factor (quota rounded up)."""
    common = reduce(gcd, game.weights, 0) or 1
    if common == 1:
        return game
    return Game(weights=tuple(w // common for w in game.weights), regions=game.regions,
                quota=-(-game.quota // common), member_quota=game.member_quota,
                region_quotas=tuple(-(-q // common) for q in game.region_quotas) if game.region_by_weight
                else game.region_quotas, regions_needed=game.regions_needed, block_minimum=game.block_minimum,
                region_by_weight=game.region_by_weight)


def _single_quota(game: Game) -> bool:
    return game.quota > 0 and not (game.member_quota or game.regions_needed or game.block_minimum)


def cost(game: Game) -> int:
    """About how many table cells the exact computation touches, a measure of its time
    (about 3 x 10^8 cells a second on one core of the 2-core machine of docs/benchmarks.md).
    A single quota is dominated by Shapley-Shubik's n^2 x quota slot operations on n-bit
    slots, counted as n^3 x quota / 40 cells (500 members and a quota of 5,001: about 26 s)."""
    game = _reduced(game)
    if _single_quota(game):
        return game.n ** 3 * (game.quota + 1) // 40
    if _enumerated(game):
        return (1 << game.n) * game.n
    primes = len(game_power.moduli(game.n))
    width = game.quota + 1 if game.quota else 1
    if not game.regions_needed:
        return primes * game.n * (game.n + 1) * width
    alive = min(game.regions_needed, game.region_count - game.regions_needed) + 1  # the k that can still swing
    caps = max(game.region_quotas)  # a region's measure is counted up to its quota
    return primes * game.n * (game.region_count + 1) * alive * (caps + 1) * (game.n + 1) * width // 2


def _enumerated(game: Game) -> bool:
    """Few members: enumerating the coalitions is cheaper than the tables, whose weight axes
    grow with the units (three members holding 10,000 units between them)."""
    return game.n <= ENUMERATE_UP_TO


def power_of(game: Game, max_cost: int | None = None) -> dict[str, list[Fraction]]:
    """Normalised Banzhaf, absolute Banzhaf and Shapley-Shubik of ``game``, exact.

    With ``max_cost``, raises :class:`TooLarge` before starting when the estimated time
    (:func:`cost`) or the composite engine's table (:data:`MAX_TABLE_CELLS`) is too large.
    """
    game = _reduced(game)
    if max_cost is not None and cost(game) > max_cost:
        raise TooLarge(f"this framework's exact power needs about {cost(game):,} table cells, "
                       f"more than the {max_cost:,} allowed here")
    if _single_quota(game):
        swings = power.banzhaf_swings(list(game.weights), game.quota)
        total = sum(swings)
        return {
            "banzhaf": [Fraction(s, total) for s in swings],
            "absolute_banzhaf": [Fraction(s, 2 ** (game.n - 1)) for s in swings],
            "shapley_shubik": power.shapley_shubik(list(game.weights), game.quota),
        }
    if _enumerated(game):
        return indices_from_swings(reference_swings_by_size(game))
    if max_cost is not None and game_power.table_cells(game) > MAX_TABLE_CELLS:
        raise TooLarge(f"this framework's exact power needs a table of {game_power.table_cells(game):,} cells, "
                       f"more than the {MAX_TABLE_CELLS:,} allowed here")
    return game_power.power(game)


def gini(values: Sequence[Fraction]) -> Fraction:
    """Gini coefficient: sum over ordered pairs |x_i - x_j| / (2 n^2 mean), exact."""
    xs = sorted(values)
    n, total = len(xs), sum(xs)
    if total == 0:
        return Fraction(0)
    weighted = sum((i + 1) * x for i, x in enumerate(xs))
    return Fraction(2) * weighted / (n * total) - Fraction(n + 1, n)


def _regions_by_members(game: Game) -> None:
    """Frameworks carry a region by its members; the smallest coalitions assume so."""
    if game.regions_needed and game.region_by_weight:
        raise InvalidGame("smallest coalitions: regions carried by weight are not supported")


def smallest_winning(game: Game) -> list[int]:
    """A winning coalition with the fewest members (heaviest members first among equals).

    For each choice of the regions it carries, the heaviest coalition of s members takes the
    required members of each chosen region by weight, then the heaviest of the rest; the
    smallest s for which one such choice wins is the answer.
    """
    _regions_by_members(game)
    order = sorted(range(game.n), key=lambda i: (-game.weights[i], i))
    by_region = [[i for i in order if game.regions[i] == r] for r in range(game.region_count)]
    choices = list(combinations(range(game.region_count), game.regions_needed)) if game.regions_needed else [()]
    for size in range(game.n + 1):
        for chosen in choices:
            forced = [i for r in chosen for i in by_region[r][:game.region_quotas[r]]]
            if len(forced) > size:
                continue
            taken = set(forced)
            coalition = forced + [i for i in order if i not in taken][:size - len(forced)]
            if game.wins(coalition):
                return sorted(coalition, key=lambda i: (-game.weights[i], i))
    raise InvalidFramework("no coalition wins")  # pragma: no cover - Game checks the whole membership wins


def smallest_blocking(game: Game) -> list[int] | None:
    """A coalition with the fewest members whose absence makes every other coalition lose,
    or None when no coalition short of the whole membership can block.

    The rest fails when one condition fails: too few members left, too few regions left
    (take just enough members out of the regions cheapest to deny), or too little weight
    left with a "no" side of at least ``block_minimum`` members.
    """
    _regions_by_members(game)
    order = sorted(range(game.n), key=lambda i: (-game.weights[i], i))
    candidates: list[list[int]] = []
    if game.member_quota:
        candidates.append(order[:game.n - game.member_quota + 1])
    if game.regions_needed:
        deny = game.region_count - game.regions_needed + 1
        deniable = [r for r in range(game.region_count) if game.region_quotas[r]]  # quota 0: always carried
        cheapest = sorted(deniable, key=lambda r: (game.region_sizes[r] - game.region_quotas[r] + 1, r))[:deny]
        if len(cheapest) == deny:
            candidates.append([i for r in cheapest for i in [j for j in order if game.regions[j] == r]
                               [:game.region_sizes[r] - game.region_quotas[r] + 1]])
    if game.quota:
        need = sum(game.weights) - game.quota + 1
        held, taken = 0, list[int]()
        for i in order:
            if held >= need and len(taken) >= game.block_minimum:
                break
            taken.append(i)
            held += game.weights[i]
        if held >= need:
            candidates.append(taken)
    valid = [c for c in candidates if not game.wins(set(range(game.n)) - set(c))]
    return min(valid, key=len) if valid else None


def _share_str(part: Fraction | int, whole: Fraction | int) -> str | None:
    return frac_str(Fraction(part) / whole) if whole else None


def _groups(built: Built, members: Sequence[Mapping[str, Any]], indices: dict[str, list[Fraction]]) -> dict[str, Any]:
    by_id = {m["id"]: m for m in members}
    n, total = len(built.ids), built.total
    known = all(by_id[i].get("population") is not None for i in built.ids)
    population = sum(by_id[i]["population"] for i in built.ids) if known else 0
    out: dict[str, Any] = {}
    everyone = set(range(n))
    for attribute in GROUP_ATTRIBUTES:
        values = sorted({str(by_id[i][attribute]) for i in built.ids})
        out[attribute] = {}
        for value in values:
            idx = [k for k, i in enumerate(built.ids) if str(by_id[i][attribute]) == value]
            pop = sum(by_id[built.ids[k]]["population"] for k in idx) if known else 0
            out[attribute][value] = {
                "members": len(idx),
                "member_share": frac_str(Fraction(len(idx), n)),
                "population_share": _share_str(pop, population) if known else None,
                "weight_share": _share_str(sum(built.weights[k] for k in idx), total),
                "banzhaf": frac_str(sum((indices["banzhaf"][k] for k in idx), Fraction(0))),
                "shapley_shubik": frac_str(sum((indices["shapley_shubik"][k] for k in idx), Fraction(0))),
                "passes_alone": built.game.wins(idx),
                "blocks_alone": not built.game.wins(everyone - set(idx)),
            }
    return out


def _distance(indices: dict[str, list[Fraction]], ideal: list[Fraction]) -> dict[str, str]:
    """Total variation distance (half the sum of absolute differences) to an ideal distribution."""
    return {name: frac_str(sum((abs(a - b) for a, b in zip(indices[name], ideal, strict=True)), Fraction(0)) / 2)
            for name in ("banzhaf", "shapley_shubik")}


def report(framework: object, members: Sequence[Mapping[str, Any]], max_cost: int | None = None) -> dict[str, Any]:
    """The framework's weights, power and metrics on ``members`` (JSON-safe)."""
    built = build(framework, members)
    indices = power_of(built.game, max_cost)
    game, n, total = built.game, len(built.ids), built.total
    rows = [{"id": i, "weight": built.weights[k], "weight_share": _share_str(built.weights[k], total),
             **{name: frac_str(indices[name][k]) for name in ("banzhaf", "absolute_banzhaf", "shapley_shubik")}}
            for k, i in enumerate(built.ids)]
    by_id = {m["id"]: m for m in members}
    distance = {"equal": _distance(indices, [Fraction(1, n)] * n)}
    if all(by_id[i].get("population") is not None for i in built.ids) and any(by_id[i]["population"] for i in built.ids):
        distance["sqrt_population"] = _distance(
            indices, sqrt_population_shares([by_id[i]["population"] for i in built.ids]))
    blocking = smallest_blocking(game)
    return {
        "framework": built.framework,
        "total": total,
        "quota": game.quota,
        "member_quota": game.member_quota,
        "regions": built.regions,
        "region_quotas": list(game.region_quotas) if game.regions_needed else [],
        "regions_needed": game.regions_needed,
        "block_minimum": game.block_minimum,
        "members": rows,
        "groups": _groups(built, members, indices),
        "gini": {name: frac_str(gini(indices[name])) for name in ("banzhaf", "shapley_shubik")},
        "weight_gini": frac_str(gini([Fraction(w) for w in built.weights])),
        "smallest_winning": [built.ids[k] for k in smallest_winning(game)],
        "smallest_blocking": [built.ids[k] for k in blocking] if blocking is not None else None,
        "distance": distance,
        "derivation": built.derivation,
    }
