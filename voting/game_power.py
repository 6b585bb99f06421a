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
3. for each distinct weight d in region r, the swings of "all but one member of weight d"
   are read from that table F without building the others' table Q: removing the member
   along c (which every member raises by exactly one) gives Q[c] = F[c] - step(Q[c - 1]),
   so Q[c] is an alternating sum of F[c - t] moved t steps, and each swing count is a sum of
   boxes of F, read from its suffix sums (:func:`_swings_from_sums`).

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


def _moved_into(out: Array, old: Array, top: tuple[int, int, int], step: tuple[int, int],
                caps: tuple[int, int], p: int) -> None:
    """out = old + the counts of old's used corner moved by one member, over the new corner.

    Axes (k, j, c, w): a count at (j, c, w) also lands at (min(j + s, j cap), c + 1,
    min(w + d, w cap)), where (s, d) = ``step``; ``top`` is the largest (j, c, w) in use in
    ``old`` (everything beyond is zero); ``out`` (another buffer, same shape) is written on
    the whole new corner, so whatever it held before does not matter.  Counts that land on a
    cap arrive summed (reduced mod p)."""
    (j_top, c_top, w_top), (s, d), (j_cap, w_cap) = top, step, caps
    new_j, new_w = (min(j_top + s, j_cap) if j_cap else 0), min(w_top + d, w_cap)
    src = old[:, :j_top + 1, :c_top + 1, :w_top + 1]
    # how many j / w move without reaching their cap, and to where
    j_free = j_top + 1 if s == 0 or j_cap == 0 else min(j_top + 1, max(0, j_cap - s))
    w_free = w_top + 1 if d == 0 or w_cap == 0 else min(w_top + 1, max(0, w_cap - d))
    j0, w0 = (s if s and j_cap else 0), (d if d and w_cap else 0)
    j1, w1 = j0 + j_free, w0 + w_free
    c = slice(1, c_top + 2)
    # the cells no uncapped count lands on keep old's value
    out[:, :new_j + 1, 0, :new_w + 1] = old[:, :new_j + 1, 0, :new_w + 1]
    out[:, :j0, c, :new_w + 1] = old[:, :j0, c, :new_w + 1]
    out[:, j1:new_j + 1, c, :new_w + 1] = old[:, j1:new_j + 1, c, :new_w + 1]
    out[:, j0:j1, c, :w0] = old[:, j0:j1, c, :w0]
    out[:, j0:j1, c, w1:new_w + 1] = old[:, j0:j1, c, w1:new_w + 1]
    if j_free and w_free:
        np.add(old[:, j0:j1, c, w0:w1], src[:, :j_free, :, :w_free], out=out[:, j0:j1, c, w0:w1])
    if w_free <= w_top and j_free:
        out[:, j0:j1, c, w_cap] += _sum_mod(src[:, :j_free, :, w_free:], 3, p)
    if j_free <= j_top:
        landed = _sum_mod(src[:, j_free:], 1, p)  # (k, c, w)
        if w_free:
            out[:, j_cap, c, w0:w1] += landed[..., :w_free]
        if w_free <= w_top:
            out[:, j_cap, c, w_cap] += _sum_mod(landed[..., w_free:], 2, p)


class _Table:
    """Counts of coalitions by (regions carried k, the current region's measure j capped at
    its quota, members c, weight w), modulo one modulus; only the used corner is touched."""

    def __init__(self, game: Game, p: int) -> None:
        k1 = game.regions_needed + 1 if game.regions_needed else 1
        caps = max(game.region_quotas) if game.regions_needed else 0
        self.a = np.zeros((k1, caps + 1, game.n + 1, game.quota + 1 if game.quota else 1), dtype=np.int64)
        self.a[0, 0, 0, 0] = 1
        # each step writes the next table into the spare buffer and swaps: within a region
        # the used corner only grows, so both buffers are zero beyond it (spare is cleared
        # when a region is folded and the corner shrinks)
        self.spare = np.zeros(self.a.shape, dtype=np.int64)  # pages untouched until written
        self.p = p
        self.members = 0  # members added so far (the largest c in use)
        self.cap = 0  # j's cap in the region being added
        self.j_top = 0  # the largest j in use
        self.w_top = 0  # the largest w in use
        self.w_cap = self.a.shape[3] - 1
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
        other.a = np.zeros(self.a.shape, dtype=np.int64)
        other.spare = np.zeros(self.a.shape, dtype=np.int64)
        used = self.used
        other.a[used] = self.a[used]
        return other

    @property
    def used(self) -> tuple[slice, ...]:
        """The cells that may be non-zero: live k, j, c and w up to their largest in use."""
        return self.alive, slice(0, self.cap + 1), slice(0, self.members + 1), slice(0, self.w_top + 1)

    def reduce(self) -> None:
        if self.p != WRAP:
            used = self.a[self.used]
            np.remainder(used, self.p, out=used)
        self.steps = 0

    def add(self, d: int, s: int, cap: int) -> None:
        """A member of weight d adding s to its region's measure, capped at ``cap``: c + 1."""
        top, j_top, w_top = self.members, self.j_top, self.w_top
        self.cap = cap
        self.j_top = min(j_top + s, cap) if cap else 0
        self.w_top = min(w_top + d, self.w_cap)
        alive = self.alive
        _moved_into(self.spare[alive], self.a[alive], (j_top, top, w_top), (s, d), (cap, self.w_cap), self.p)
        self.a, self.spare = self.spare, self.a
        self.members += 1
        self.steps += 1
        if self.steps == _STEPS_BETWEEN_REDUCTIONS:
            self.reduce()

    def fold(self) -> None:
        """Close a region: S carried it when j reached the cap; add that to k (capped)."""
        self.reduce()
        span = slice(self.alive.start, min(self.folded + 1, self.needed) + 1)  # k may rise by one
        top, cap, w = self.members + 1, self.cap, self.w_top + 1
        a = self.a[span, :, :, :w]
        lost = _sum_mod(a[:, :cap, :top], 1, self.p) if cap else np.zeros_like(a[:, 0, :top])
        won = a[:, cap, :top].copy()
        a[:, :cap + 1, :top] = 0
        a[:, 0, :top] = lost
        a[1:, 0, :top] += won[:-1]
        a[-1, 0, :top] += won[-1]
        self.cap = self.j_top = 0
        self.folded += 1
        self.a[:self.alive.start, :cap + 1, :top, :w] = 0  # dead from now on: k too low to reach the regions needed
        self.spare[span, :cap + 1, :top, :w] = 0
        self.reduce()

    def suffix_sums(self) -> Array:
        """G[k, a, c, b] = the counts with j >= a and w >= b (sizes J + 1 and W + 1 along
        those axes, zero past the end; only the live k are filled), reduced: any box of
        (j, w) is four lookups."""
        self.reduce()
        alive = self.alive
        full = self.a[alive, :self.cap + 1, :self.members + 1]
        jn, cn, wn = full.shape[1:]
        g = np.zeros((self.a.shape[0], jn + 1, cn, wn + 1), dtype=np.int64)
        live = g[alive, :jn, :, :wn]
        np.cumsum(full[..., ::-1], axis=3, out=live[..., ::-1])
        if jn * wn >= (1 << 63) // self.p:  # the sums over (j, w) could overflow: reduce between
            _reduce(live, self.p)
        np.cumsum(live[:, ::-1], axis=1, out=live[:, ::-1])
        _reduce(live, self.p)
        return g


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
    c, t = _size_pairs(n)  # every (c, t) with t <= c, ordered by c
    # swing[k, c] for each side (before, after) of each threshold: 3 x 3 classes of (j, w)
    k = np.arange(k1).reshape(-1, 1)
    members = np.arange(n).reshape(1, -1)
    unblockable_before = n - members < game.block_minimum
    unblockable_after = n - members - 1 < game.block_minimum
    # coefficient of each corner G(j >= edge a, w >= edge b), edges 0, ta, tb (j) and 0, ua, ub (w);
    # the last edges (past the end) read zero and are left out
    coefficient = np.zeros((3, 3, k1, n), dtype=np.int64)
    for jc, (carried_before, carried_after) in enumerate(((0, 0), (0, 1), (1, 1))):
        regions_before = np.minimum(k + carried_before, needed) >= needed
        regions_after = np.minimum(k + carried_after, needed) >= needed
        for wc, (heavy_before, heavy_after) in enumerate(((False, False), (False, True), (True, True))):
            before = (members >= game.member_quota) & regions_before & (heavy_before | unblockable_before)
            after = (members + 1 >= game.member_quota) & regions_after & (heavy_after | unblockable_after)
            swing = (after & ~before).astype(np.int64)
            # the box [edge jc, edge jc + 1) x [edge wc, edge wc + 1) by inclusion-exclusion
            for dj, dw, sign in ((0, 0, 1), (1, 0, -1), (0, 1, -1), (1, 1, 1)):
                if jc + dj < 3 and wc + dw < 3:
                    coefficient[jc + dj, wc + dw] += sign * swing
    j_edges = (np.zeros_like(t), np.clip(ta - t * s, 0, jn), np.clip(tb - t * s, 0, jn))
    w_edges = (np.zeros_like(t), np.clip(ua - t * d, 0, wn), np.clip(ub - t * d, 0, wn))
    terms = np.zeros((k1, t.size), dtype=np.int64)
    for a in range(3):
        for b in range(3):
            if coefficient[a, b].any():
                terms += coefficient[a, b][:, c] * g[:, j_edges[a], c - t, w_edges[b]]
    terms[:, t % 2 == 1] *= -1
    by_size = np.add.reduceat(terms, np.flatnonzero(t == 0), axis=1)  # sum over t for each c
    return [int(x) % p for x in _sum_mod(by_size, 0, p)]


@cache
def _size_pairs(n: int) -> tuple[Array, Array]:
    """(c, t) for 0 <= t <= c < n, c-major."""
    c, t = np.tril_indices(n)
    return c, t


def _crt(residues: Sequence[int], of: Sequence[int]) -> int:
    """The number below the product of the moduli ``of`` with these residues."""
    value, product = 0, 1
    for r, p in zip(residues, of, strict=True):
        step = (r - value) * pow(product, -1, p) % p
        value += product * step
        product *= p
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
    found = moduli(game.n)
    swings: list[list[int]] = [[] for _ in range(game.n)]
    per_modulus = [_residue_swings(game, groups, p) for p in found]
    for target, members in enumerate(groups):
        residues = [swings_found[target] for swings_found in per_modulus]
        for d in residues[0]:
            exact = [_crt([res[d][s] for res in residues], found) for s in range(game.n)]
            for i in members:
                if game.weights[i] == d:
                    swings[i] = list(exact)
    return swings


def table_cells(game: Game) -> int:
    """Cells one table (of the several a computation holds at once) touches, a measure of
    memory: the live k (and the one a fold raises) by j, c and w."""
    if not game.regions_needed:
        return (game.n + 1) * (game.quota + 1 if game.quota else 1)
    needed, regions = game.regions_needed, game.region_count
    live = min(needed + 1, min(needed, regions - needed) + 2)
    return live * (max(game.region_quotas) + 1) * (game.n + 1) * (game.quota + 1 if game.quota else 1)


def power(game: Game) -> dict[str, list[Fraction]]:
    """Normalised Banzhaf, absolute (Penrose) Banzhaf and Shapley-Shubik, exact."""
    return indices_from_swings(swings_by_size(game))
