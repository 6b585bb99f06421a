"""Composite voting games: a weighted quota, a member count and a regional rule at once.

A :class:`Game` says which coalitions (sets of members saying yes) carry a motion::

    from voting.games import Game
    g = Game(weights=(3, 1, 1, 2), regions=(0, 0, 1, 1), quota=4,
             member_quota=2, region_quotas=(1, 1), regions_needed=2)
    g.wins({0, 2})     # True: 4 of 7 units, 2 members, one member in each region

A coalition S wins when all of these hold:

* its members are at least ``member_quota`` (0: no member condition);
* it carries at least ``regions_needed`` regions (0: no regional rule), region r being
  carried when S holds at least ``region_quotas[r]`` of its members or, with
  ``region_by_weight``, at least ``region_quotas[r]`` units of the region's weight (a motion's
  regional double majority: more yes weight than no weight in the region);
* its weight is at least ``quota`` (0: no weight condition), **or** the members outside S are
  fewer than ``block_minimum`` (the EU's "a blocking minority needs at least four members": a
  smaller "no" side cannot stop the motion on weight alone; 0: no such clause).

Every condition is monotone, so adding a member never turns a win into a loss.  This module
holds the game and the plain reference (enumerating every coalition, small games only); the
fast exact engine is :mod:`voting.game_power`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from math import factorial

from .power import InvalidGame

__all__ = ["Game", "InvalidGame", "REFERENCE_MAX_MEMBERS", "indices_from_swings", "reference_swings_by_size"]

# The reference enumerates 2^n coalitions: beyond this it would take minutes.
REFERENCE_MAX_MEMBERS = 20


def _count(value: object, field: str, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        limit = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise InvalidGame(f"{field}: got {value!r}, want an integer {limit}")
    return value


@dataclass(frozen=True)
class Game:
    """Members 0..n-1 with integer ``weights`` and a region index each (0..R-1)."""

    weights: tuple[int, ...]
    regions: tuple[int, ...] = ()
    quota: int = 0
    member_quota: int = 0
    region_quotas: tuple[int, ...] = ()
    regions_needed: int = 0
    block_minimum: int = 0
    region_by_weight: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.weights, tuple) or not self.weights:
            raise InvalidGame("weights: want a non-empty tuple of non-negative integers")
        for i, w in enumerate(self.weights):
            _count(w, f"weights[{i}]")
        n = len(self.weights)
        regions = self.regions or (0,) * n
        if len(regions) != n:
            raise InvalidGame(f"regions: got {len(regions)} entries, want one per member ({n})")
        for i, r in enumerate(regions):
            _count(r, f"regions[{i}]")
        object.__setattr__(self, "regions", tuple(regions))
        count = max(regions) + 1
        if set(regions) != set(range(count)):
            raise InvalidGame(f"regions: want every region 0..{count - 1} to have a member")
        _count(self.quota, "quota", 0, sum(self.weights))
        _count(self.member_quota, "member_quota", 0, n)
        _count(self.regions_needed, "regions_needed", 0, count)
        _count(self.block_minimum, "block_minimum", 0, n)
        if not isinstance(self.region_by_weight, bool):
            raise InvalidGame(f"region_by_weight: got {self.region_by_weight!r}, want true or false")
        quotas = self.region_quotas or (0,) * count
        if len(quotas) != count:
            raise InvalidGame(f"region_quotas: got {len(quotas)} entries, want one per region ({count})")
        # one above the region's total: a region that can never be carried (no weight in it)
        for r, t in enumerate(quotas):
            _count(t, f"region_quotas[{r}]", 0, self.region_totals[r] + self.region_by_weight)
        object.__setattr__(self, "region_quotas", tuple(quotas))
        if not self.wins(range(n)):
            raise InvalidGame("the whole membership cannot carry a motion under these quotas")

    @property
    def n(self) -> int:
        return len(self.weights)

    @property
    def region_count(self) -> int:
        return max(self.regions) + 1

    @property
    def region_sizes(self) -> list[int]:
        sizes = [0] * (max(self.regions) + 1)
        for r in self.regions:
            sizes[r] += 1
        return sizes

    @property
    def region_totals(self) -> list[int]:
        """Each region's measure: its members, or its weight with ``region_by_weight``."""
        totals = [0] * (max(self.regions) + 1)
        for i, r in enumerate(self.regions):
            totals[r] += self.region_step(i)
        return totals

    def region_step(self, i: int) -> int:
        """What member i adds to its region's measure."""
        return self.weights[i] if self.region_by_weight else 1

    def wins_by(self, weight: int, members: int, regions_carried: int) -> bool:
        """Whether a coalition with these totals carries the motion."""
        if members < self.member_quota or regions_carried < self.regions_needed:
            return False
        return weight >= self.quota or self.n - members < self.block_minimum

    def wins(self, coalition: Iterable[int]) -> bool:
        """Whether the members in ``coalition`` (indices) carry the motion."""
        members = set(coalition)
        in_region = [0] * self.region_count
        for i in members:
            in_region[self.regions[i]] += self.region_step(i)
        carried = sum(1 for r, k in enumerate(in_region) if k >= self.region_quotas[r])
        return self.wins_by(sum(self.weights[i] for i in members), len(members), carried)


def reference_swings_by_size(game: Game) -> list[list[int]]:
    """swings[i][s]: coalitions of s other members that lose without i and win with i.

    The plain definition, one coalition at a time (2^n of them): the check beside the fast
    engine, for small games only.
    """
    n = game.n
    if n > REFERENCE_MAX_MEMBERS:
        raise InvalidGame(f"the reference enumerates 2^n coalitions; {n} members is more than {REFERENCE_MAX_MEMBERS}")
    wins = [game.wins(i for i in range(n) if mask >> i & 1) for mask in range(1 << n)]
    swings = [[0] * n for _ in range(n)]
    for mask in range(1 << n):
        if wins[mask]:
            continue
        size = bin(mask).count("1")
        for i in range(n):
            if not mask >> i & 1 and wins[mask | 1 << i]:
                swings[i][size] += 1
    return swings


def indices_from_swings(swings: list[list[int]]) -> dict[str, list[Fraction]]:
    """Normalised Banzhaf, absolute (Penrose) Banzhaf and Shapley-Shubik from swings by size."""
    n = len(swings)
    totals = [sum(row) for row in swings]
    all_swings = sum(totals)
    if all_swings == 0:
        raise InvalidGame("no member can ever change the outcome")
    coefficient = [factorial(s) * factorial(n - 1 - s) for s in range(n)]
    n_fact = factorial(n)
    return {
        "banzhaf": [Fraction(t, all_swings) for t in totals],
        "absolute_banzhaf": [Fraction(t, 2 ** (n - 1)) for t in totals],
        "shapley_shubik": [Fraction(sum(c * x for c, x in zip(coefficient, row)), n_fact) for row in swings],
    }
