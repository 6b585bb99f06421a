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

Counts reach 2^(n-1), so the tables hold them in numpy int64 arrays modulo 2^64 (the arrays'
own wrap-around: additions and subtractions only, never reduced) and, past 64 members, also
modulo a few primes below 2^36 (sums are reduced before they can overflow); the final counts
are rebuilt exactly by the Chinese remainder theorem, the moduli's product exceeding 2^(n-1).
Without a regional rule the whole membership is one region.  Cost: about (R + 1) x n steps
over arrays of (live k) x (largest region quota + 1) x n x (quota + 1) cells per modulus.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from functools import cache

import numpy as np

from .games import Game, indices_from_swings

__all__ = ["moduli", "power", "swings_by_size", "table_cells"]

# The first modulus is 2^64: int64 arithmetic wraps around, so its tables are never reduced.
WRAP = 1 << 64
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
def moduli(n: int) -> tuple[int, ...]:
    """2^64, then as many primes as make the product exceed 2^(n - 1), the largest count
    of coalitions among the n - 1 others."""
    found = [WRAP]
    product = WRAP
    candidate = (1 << PRIME_BITS) - 1
    while product <= 1 << max(0, n - 1):
        if _is_prime(candidate):
            found.append(candidate)
            product *= candidate
        candidate -= 2
    return tuple(found)


def _reduce(a: Array, p: int) -> Array:
    """``a`` modulo p, in place; nothing to do modulo 2^64."""
    if p != WRAP:
        np.remainder(a, p, out=a)
    return a


def _sum_mod(a: Array, axis: int, p: int) -> Array:
    """Sum along ``axis`` modulo p without overflowing int64."""
    if p == WRAP:
        return np.asarray(a.sum(axis=axis))
    size = a.shape[axis]
    if size <= _SUM_CHUNK:
        return np.asarray(a.sum(axis=axis) % p)
    total = np.zeros(a.shape[:axis] + a.shape[axis + 1:], dtype=np.int64)
    for start in range(0, size, _SUM_CHUNK):
        part = np.take(a, range(start, min(size, start + _SUM_CHUNK)), axis=axis)
        total = (total + part.sum(axis=axis) % p) % p
    return total


def _add_moved(dst: Array, src: Array, d: int, s: int, p: int) -> None:
    """dst += src with every count moved by one member: region measure j to min(j + s, cap)
    (axis 1, cap its last index) and weight w to min(w + d, quota) (the last axis).  The
    counts that land on a cap arrive summed (reduced mod p)."""
    cap, top = src.shape[1] - 1, src.shape[-1] - 1
    # below / keep: how many j / w move without reaching their cap
    below = cap + 1 if s == 0 or cap == 0 else max(0, cap - s)
    keep = top + 1 if d == 0 or top == 0 else max(0, top - d)
    j_step, w_step = (0 if below == cap + 1 else s), (0 if keep == top + 1 else d)
    if below and keep:
        dst[:, j_step:j_step + below, ..., w_step:w_step + keep] += src[:, :below, ..., :keep]
    if keep < top + 1 and below:
        dst[:, j_step:j_step + below, ..., top] += _sum_mod(src[:, :below, ..., keep:], 3, p)
    if below < cap + 1:
        landed = _sum_mod(src[:, below:], 1, p)  # (k, c, w)
        if keep:
            dst[:, cap, :, w_step:w_step + keep] += landed[..., :keep]
        if keep < top + 1:
            dst[:, cap, :, top] += _sum_mod(landed[..., keep:], 2, p)


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
        if self.p != WRAP:
            used = self.a[self.alive, :self.cap + 1, :self.members + 1]
            np.remainder(used, self.p, out=used)
        self.steps = 0

    def add(self, d: int, s: int, cap: int) -> None:
        """A member of weight d adding s to its region's measure, capped at ``cap``: c + 1."""
        top = self.members
        self.cap = cap
        a = self.a[self.alive]
        _add_moved(a[:, :cap + 1, 1:top + 2], a[:, :cap + 1, :top + 1].copy(), d, s, self.p)
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

    def suffix_sums(self) -> Array:
        """G[k, a, c, b] = the counts with j >= a and w >= b (sizes J + 1 and W + 1 along
        those axes, zero past the end), reduced: any box of (j, w) is four lookups."""
        self.reduce()
        full = self.a[:, :self.cap + 1, :self.members + 1]
        k1, jn, cn, wn = full.shape
        g = np.zeros((k1, jn + 1, cn, wn + 1), dtype=np.int64)
        g[:, :jn, :, :wn] = np.flip(np.cumsum(np.flip(full, 3), axis=3), 3)
        _reduce(g, self.p)
        g[:, :jn] = np.flip(np.cumsum(np.flip(g[:, :jn], 1), axis=1), 1)
        return _reduce(g, self.p)


def _swings_from_sums(game: Game, g: Array, region_quota: int, d: int, s: int, p: int) -> list[int]:
    """Residues mod p of the swings by size c of a member of weight d and region step s, from
    the suffix sums G of the table F of every member (:meth:`_Table.suffix_sums`).

    The others' table is Q[c] = F[c] - A(Q[c - 1]) (removing the member along c), where A moves
    a count by (s, d) along (j, w), capped at the last index of each.  Capped moves compose, so
    Q[c] = sum over t <= c of (-1)^t A^t(F[c - t]) with A^t the capped move by (t s, t d).
    Whether a count of Q[c] is a swing depends on (k, c) and on which side of two thresholds
    its j lies (region carried without the member, with it) and its w (quota reached without,
    with).  A threshold below a capped index reads the same on A^t(F) at index x as on F at
    x - t * step, so each term is a sum of F over at most nine boxes of (j, w): lookups in G.
    """
    k1, jn1, cn, wn1 = g.shape
    jn, wn = jn1 - 1, wn1 - 1
    n = game.n
    needed = game.regions_needed
    # j >= tb: the region is carried without the member; j >= ta: with it (no rule: always)
    tb = region_quota if needed else 0
    ta = tb - s if needed else 0
    # w >= ub: the quota is reached without the member; w >= ua: with it (no quota: always)
    ub = wn - 1 if game.quota else 0
    ua = ub - d if game.quota else 0
    c = np.arange(n).reshape(-1, 1)  # coalition size of the others
    t = np.arange(n).reshape(1, -1)  # the term's power of A
    live = t <= c
    size = np.where(live, c - t, 0)
    sign = np.where(live, 1 - 2 * (t % 2), 0)

    def lookup(a: Array, b: Array) -> Array:
        """G at j >= a, w >= b for every (k, c, t): shape (k, c, t)."""
        return g[:, np.clip(a, 0, jn), size, np.clip(b, 0, wn)]

    j_edges = [np.zeros_like(t), ta - t * s, tb - t * s, np.full_like(t, jn)]
    w_edges = [np.zeros_like(t), ua - t * d, ub - t * d, np.full_like(t, wn)]
    corners = [[lookup(a, b) for b in w_edges] for a in j_edges]
    k = np.arange(k1).reshape(-1, 1, 1)
    members = c.reshape(1, -1, 1)
    unblockable_before = n - members < game.block_minimum
    unblockable_after = n - members - 1 < game.block_minimum
    total = np.zeros((k1, n, n), dtype=np.int64)
    for jc, (carried_before, carried_after) in enumerate(((0, 0), (0, 1), (1, 1))):
        regions_before = np.minimum(k + carried_before, needed) >= needed
        regions_after = np.minimum(k + carried_after, needed) >= needed
        for wc, (heavy_before, heavy_after) in enumerate(((False, False), (False, True), (True, True))):
            before = (members >= game.member_quota) & regions_before & (heavy_before | unblockable_before)
            after = (members + 1 >= game.member_quota) & regions_after & (heavy_after | unblockable_after)
            swing = after & ~before
            if not swing.any():
                continue
            box = (corners[jc][wc] - corners[jc + 1][wc] - corners[jc][wc + 1] + corners[jc + 1][wc + 1])
            total += np.where(swing, box, 0)
    by_size = _sum_mod(_sum_mod(total * sign, 2, p), 0, p)
    return [int(x) % p for x in by_size]


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
        sums = table.suffix_sums()
        by_weight = {}
        for i in _one_per_weight(members, game):
            d = game.weights[i]
            by_weight[d] = _swings_from_sums(game, sums, quota, d, _step(game, i), p)
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
    primes = moduli(game.n)
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
