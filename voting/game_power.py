"""Exact voting power of composite games (:class:`voting.games.Game`) without enumeration.

    from voting.game_power import swings_by_size, power
    power(game)   # {"banzhaf": [...], "absolute_banzhaf": [...], "shapley_shubik": [...]}

Method (docs/power.md §3).  For a member i of region r, its swings are counted over the
coalitions S of the others, classified by four numbers: the regions other than r that S
carries (k, capped at the number needed), S's measure in region r (j: its members there, or
its units there when the game carries regions by weight, capped at r's quota), S's members
(c) and S's weight (w, capped at the quota).  Whether S loses and S + i wins depends only on
(k, j, c, w) and i's weight, so i's swings of each size c are sums over that table.  The
table is built by dynamic programming:

1. the other regions one at a time: each member moves counts from (k, j, c, w) to
   (k, j + step, c + 1, w + weight), j capped at the region's quota; when the region is done,
   j says whether S carried it and is folded into k;
2. then region r's members the same way, without folding;
3. for each distinct weight d in region r, "all but one member of weight d" is obtained by
   dividing the table by that member's step along c, which every member raises by exactly
   one: Q[c] = F[c] - step(Q[c - 1]), instead of rebuilding it.

A k too low for the regions still to come to lift it to the number needed is dropped.

Counts reach 2^(n-1), so the tables hold them modulo a few primes below 2^36 in numpy int64
arrays (additions only; sums are reduced before they can overflow) and the final counts are
rebuilt exactly by the Chinese remainder theorem: the primes' product exceeds 2^n.  Without a
regional rule the whole membership is one region.  Cost: about (R + 1) x n steps over arrays
of (live k) x (largest region quota + 1) x n x (quota + 1) cells per prime.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from functools import cache

import numpy as np

from .games import Game, indices_from_swings

__all__ = ["power", "swings_by_size", "table_cells"]

# Counts are held below primes of 36 bits; a step at most doubles a cell, so twelve steps
# between reductions keep cells below 2^48, and sums of up to 2^14 such cells below 2^62.
PRIME_BITS = 36
_STEPS_BETWEEN_REDUCTIONS = 12
_SUM_CHUNK = 1 << 14
Array = np.ndarray


def _is_prime(n: int) -> bool:
    """Deterministic Miller-Rabin for n < 3.3e24 (these bases suffice)."""
    if n < 2:
        return False
    bases = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)
    for b in bases:
        if n % b == 0:
            return n == b
    d, r = n - 1, 0
    while d % 2 == 0:
        d //= 2
        r += 1
    for a in bases:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


@cache
def _primes(count: int) -> tuple[int, ...]:
    """The ``count`` largest primes below 2^PRIME_BITS."""
    found: list[int] = []
    candidate = (1 << PRIME_BITS) - 1
    while len(found) < count:
        if _is_prime(candidate):
            found.append(candidate)
        candidate -= 2
    return tuple(found)


def _sum_mod(a: Array, axis: int, p: int) -> Array:
    """Sum along ``axis`` modulo p without overflowing int64."""
    size = a.shape[axis]
    if size <= _SUM_CHUNK:
        return np.asarray(a.sum(axis=axis) % p)
    total = np.zeros(a.shape[:axis] + a.shape[axis + 1:], dtype=np.int64)
    for start in range(0, size, _SUM_CHUNK):
        part = np.take(a, range(start, min(size, start + _SUM_CHUNK)), axis=axis)
        total = (total + part.sum(axis=axis) % p) % p
    return total


def _shift_weight(a: Array, d: int, p: int) -> Array:
    """A new array with every count moved from weight w to min(w + d, cap) (the last axis)."""
    size = a.shape[-1]
    if size == 1 or d == 0:
        return a.copy()
    out = np.empty_like(a)
    keep = max(0, size - 1 - d)
    out[..., :min(d, size - 1)] = 0
    if keep:
        out[..., d:size - 1] = a[..., :keep]
    out[..., size - 1] = _sum_mod(a[..., keep:], a.ndim - 1, p)
    return out


def _advance(a: Array, d: int, s: int, cap: int, p: int) -> Array:
    """Counts moved by one member: weight w to min(w + d, quota) (the last axis) and region
    measure j to min(j + s, cap) (axis 1, of size cap + 1)."""
    moved = _shift_weight(a, d, p)
    if s == 0 or cap == 0:
        return moved
    out = np.empty_like(moved)
    below = max(0, cap + 1 - s)  # j + s <= cap for j < below; the others land on the cap
    out[:, :min(s, cap)] = 0
    landed = _sum_mod(moved[:, below:cap + 1], 1, p) if cap + 1 - below > 1 else moved[:, cap]
    if below:
        out[:, s:cap + 1] = moved[:, :below]
        np.add(out[:, cap], landed, out=out[:, cap])
        np.remainder(out[:, cap], p, out=out[:, cap])
    else:
        out[:, cap] = landed
    return out


class _Table:
    """Counts of coalitions by (regions carried k, the current region's measure j capped at
    its quota, members c, weight w), modulo one prime; only the used corner is touched."""

    def __init__(self, game: Game, p: int) -> None:
        k1 = game.regions_needed + 1 if game.regions_needed else 1
        caps = max(game.region_quotas) if game.regions_needed else 0
        self.a = np.zeros((k1, caps + 1, game.n + 1, game.quota + 1 if game.quota else 1), dtype=np.int64)
        self.a[0, 0, 0, 0] = 1
        self.p = p
        self.members = 0  # members added so far (the largest c in use)
        self.cap = 0  # j's cap in the region being added
        self.steps = 0
        self.needed = game.regions_needed
        self.region_count = game.region_count if game.regions_needed else 1
        self.folded = 0  # regions folded into k

    @property
    def alive(self) -> slice:
        """The k that can still end in a swing: the regions not yet folded (the target's
        included) could carry at most one more each, so k below needed - unfolded is dead
        and left untouched; it never reaches the swing mask's winning side."""
        low = max(0, self.needed - (self.region_count - self.folded))
        return slice(low, min(self.folded, self.needed) + 1)

    def copy(self) -> _Table:
        other = object.__new__(_Table)
        other.__dict__.update(self.__dict__)
        other.a = self.a.copy()
        return other

    def reduce(self) -> None:
        used = self.a[self.alive, :self.cap + 1, :self.members + 1]
        np.remainder(used, self.p, out=used)
        self.steps = 0

    def add(self, d: int, s: int, cap: int) -> None:
        """A member of weight d adding s to its region's measure, capped at ``cap``: c + 1."""
        top = self.members
        self.cap = cap
        a = self.a[self.alive]
        a[:, :cap + 1, 1:top + 2] += _advance(a[:, :cap + 1, :top + 1], d, s, cap, self.p)
        self.members += 1
        self.steps += 1
        if self.steps == _STEPS_BETWEEN_REDUCTIONS:
            self.reduce()

    def fold(self) -> None:
        """Close a region: S carried it when j reached the cap; add that to k (capped)."""
        self.reduce()
        span = slice(self.alive.start, min(self.folded + 1, self.needed) + 1)  # k may rise by one
        a, top, cap = self.a[span], self.members + 1, self.cap
        lost = _sum_mod(a[:, :cap, :top], 1, self.p) if cap else np.zeros_like(a[:, 0, :top])
        won = a[:, cap, :top].copy()
        a[:, :cap + 1, :top] = 0
        a[:, 0, :top] = lost
        a[1:, 0, :top] += won[:-1]
        a[-1, 0, :top] += won[-1]
        self.cap = 0
        self.folded += 1
        self.a[:self.alive.start] = 0  # dead from now on: k too low to reach the regions needed
        self.reduce()

    def without(self, d: int, s: int) -> Array:
        """The table without one member of weight d and region step s, in the region added
        last: c counts every member exactly, so Q[c] = F[c] - advance(Q[c - 1])."""
        self.reduce()
        full = self.a[:, :self.cap + 1, :self.members + 1]
        q = np.zeros_like(full)
        alive = self.alive
        q[alive, :, 0] = full[alive, :, 0]
        for c in range(1, full.shape[2]):
            q[alive, :, c] = (full[alive, :, c] - _advance(q[alive, :, c - 1], d, s, self.cap, self.p)) % self.p
        return q


def _swing_mask(game: Game, shape: tuple[int, ...], region_quota: int, d: int, s: int) -> Array:
    """Which (k, j, c, w) of the others lose without the member (weight d, region step s) and
    win with it."""
    k1, jn, cn, wn = shape
    k = np.arange(k1).reshape(-1, 1, 1, 1)
    j = np.arange(jn).reshape(1, -1, 1, 1)
    c = np.arange(cn).reshape(1, 1, -1, 1)
    w = np.arange(wn).reshape(1, 1, 1, -1)
    needed = game.regions_needed
    if needed:
        before_k = np.minimum(k + (j >= region_quota), needed)
        after_k = np.minimum(k + (j + s >= region_quota), needed)
    else:
        before_k = after_k = np.zeros_like(k)

    def wins(regions: Array, members: Array, weight: Array) -> Array:
        heavy = weight >= wn - 1 if game.quota else np.ones_like(weight, dtype=bool)
        unblockable = game.n - members < game.block_minimum
        return (members >= game.member_quota) & (regions >= needed) & (heavy | unblockable)

    after = wins(after_k, c + 1, np.minimum(w + d, wn - 1))
    before = wins(before_k, c, w)
    return np.asarray(after & ~before)


def _swings_of(q: Array, mask: Array, n: int, p: int) -> list[int]:
    """Residues mod p of the swings by coalition size c from the others' table."""
    picked = np.where(mask, q, 0)
    by_kjc = _sum_mod(picked, 3, p)
    by_c = _sum_mod(_sum_mod(by_kjc, 0, p), 0, p)
    out = np.zeros(n, dtype=np.int64)
    out[:min(n, by_c.shape[0])] = by_c[:n]
    return [int(x) for x in out]


def _crt(residues: Sequence[int], primes: Sequence[int]) -> int:
    value, modulus = 0, 1
    for r, p in zip(residues, primes, strict=True):
        step = (r - value) * pow(modulus, -1, p) % p
        value += modulus * step
        modulus *= p
    return value


def _residue_swings(game: Game, groups: list[list[int]], p: int) -> list[dict[int, list[int]]]:
    """Per group (region), per distinct weight in it, the swings by size modulo p.

    The regions before the target are folded once and shared (``prefix``); for each target
    the regions after it are folded, then the target's members are added, unfolded.
    """
    prefix = _Table(game, p)
    out = []
    for target, members in enumerate(groups):
        table = prefix.copy()
        for region in range(target + 1, len(groups)):
            _add_region(table, game, groups[region], region)
            table.fold()
        _add_region(table, game, members, target)
        quota = game.region_quotas[target] if game.regions_needed else 0
        by_weight = {}
        for i in _one_per_weight(members, game):
            d, s = game.weights[i], _step(game, i)
            others = table.without(d, s)
            by_weight[d] = _swings_of(others, _swing_mask(game, others.shape, quota, d, s), game.n, p)
        out.append(by_weight)
        if target + 1 < len(groups):
            _add_region(prefix, game, members, target)
            prefix.fold()
    return out


def _one_per_weight(members: list[int], game: Game) -> list[int]:
    """One member of each distinct weight: members of equal weight in a region are symmetric."""
    first: dict[int, int] = {}
    for i in members:
        first.setdefault(game.weights[i], i)
    return [first[d] for d in sorted(first)]


def _step(game: Game, i: int) -> int:
    return game.region_step(i) if game.regions_needed else 0


def _add_region(table: _Table, game: Game, members: list[int], region: int) -> None:
    cap = game.region_quotas[region] if game.regions_needed else 0
    for i in members:
        table.add(game.weights[i], _step(game, i), cap)


def swings_by_size(game: Game) -> list[list[int]]:
    """swings[i][s]: coalitions of s other members that lose without member i and win with it."""
    if game.regions_needed:
        groups: list[list[int]] = [[] for _ in range(game.region_count)]
        for i, r in enumerate(game.regions):
            groups[r].append(i)
    else:
        groups = [list(range(game.n))]
    primes = _primes(-(-(game.n + 1) // (PRIME_BITS - 1)))
    swings: list[list[int]] = [[] for _ in range(game.n)]
    per_prime = [_residue_swings(game, groups, p) for p in primes]
    for target, members in enumerate(groups):
        residues = [found[target] for found in per_prime]
        for d in residues[0]:
            exact = [_crt([res[d][s] for res in residues], primes) for s in range(game.n)]
            for i in members:
                if game.weights[i] == d:
                    swings[i] = list(exact)
    return swings


def table_cells(game: Game) -> int:
    """Cells of one table (of the several a computation holds at once), a measure of memory."""
    k1 = game.regions_needed + 1 if game.regions_needed else 1
    caps = max(game.region_quotas) if game.regions_needed else 0
    return k1 * (caps + 1) * (game.n + 1) * (game.quota + 1 if game.quota else 1)


def power(game: Game) -> dict[str, list[Fraction]]:
    """Normalised Banzhaf, absolute (Penrose) Banzhaf and Shapley-Shubik, exact."""
    return indices_from_swings(swings_by_size(game))
