"""Exact voting power of composite games (:class:`voting.games.Game`) without enumeration.

    from voting.game_power import swings_by_size, power
    power(game)   # {"banzhaf": [...], "absolute_banzhaf": [...], "shapley_shubik": [...]}

Method (docs/power.md §3).  For a member i of region r, its swings are counted over the
coalitions S of the others, classified by four numbers: the regions other than r that S
carries (k, capped at the number needed), the members S holds in region r (j), the members S
holds elsewhere (c) and S's weight (w, capped at the quota).  Whether S loses and S + i wins
depends only on (k, j, c, w) and i's weight, so i's swings of each size c + j are sums over
that table.  The table is built by dynamic programming:

1. the other regions one at a time: each member moves counts from (k, j, c, w) to
   (k, j + 1, c + 1, w + weight), j capped at the region's quota; when the region is done, j
   says whether S carried it and is folded into k;
2. then region r's members with j exact;
3. for each distinct weight d in region r, "all but one member of weight d" is obtained by
   dividing the table by that member's step, Q[j] = F[j] - step(Q[j - 1]), instead of
   rebuilding it.

Counts reach 2^(n-1), so the tables hold them modulo a few primes below 2^48 in numpy int64
arrays (additions only; sums are reduced before they can overflow) and the final counts are
rebuilt exactly by the Chinese remainder theorem: the primes' product exceeds 2^n.  Without a
regional rule the whole membership is one region.  Cost: about (R + 1) x n steps over arrays
of (regions needed + 1) x (region size + 1) x n x (quota + 1) cells per prime.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from functools import cache

import numpy as np

from .games import Game, indices_from_swings

__all__ = ["power", "swings_by_size"]

PRIME_BITS = 48
_SUM_CHUNK = 1 << (62 - PRIME_BITS)  # terms below 2^48 summed at once stay below 2^62
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


def _reduce(a: Array, p: int) -> Array:
    """Bring entries in [0, 2p) back below p, in place."""
    np.subtract(a, p, out=a, where=a >= p)
    return a


def _sum_mod(a: Array, axis: int, p: int) -> Array:
    """Sum along ``axis`` modulo p without overflowing int64."""
    size = a.shape[axis]
    if size <= _SUM_CHUNK:
        return np.asarray(a.sum(axis=axis) % p)
    total = np.zeros(a.shape[:axis] + a.shape[axis + 1:], dtype=np.int64)
    for start in range(0, size, _SUM_CHUNK):
        part = np.take(a, range(start, min(size, start + _SUM_CHUNK)), axis=axis)
        total = _reduce(total + part.sum(axis=axis) % p, p)
    return total


def _shift_weight(a: Array, d: int, p: int) -> Array:
    """A new array with every count moved from weight w to min(w + d, cap) (the last axis)."""
    size = a.shape[-1]
    if size == 1 or d == 0:
        return a.copy()
    out = np.zeros_like(a)
    keep = max(0, size - 1 - d)
    if keep:
        out[..., d:size - 1] = a[..., :keep]
    out[..., size - 1] = _sum_mod(a[..., keep:], a.ndim - 1, p)
    return out


def _add_folded_member(a: Array, d: int, cap: int, p: int) -> Array:
    """Add a member of a region before the target: j + 1 (capped at ``cap``), c + 1, w + d."""
    moved = _shift_weight(a, d, p)
    k1, jn, cn, wn = a.shape
    out = np.zeros((k1, jn, cn + 1, wn), dtype=np.int64)
    out[:, :, :cn] = a
    out[:, 1:, 1:] += moved[:, :-1]
    out[:, cap, 1:] += moved[:, cap]
    return _reduce(out, p)


def _fold_region(a: Array, quota: int, p: int) -> Array:
    """Close a region: S carried it when j reached its quota; add that to k (capped)."""
    k1 = a.shape[0]
    lost = _sum_mod(a[:, :quota], 1, p) if quota else np.zeros_like(a[:, 0])
    won = a[:, quota]
    out = np.zeros_like(a[:, :1])
    out[:, 0] = lost
    out[1:, 0] += won[:-1]
    out[k1 - 1, 0] += won[k1 - 1]
    return _reduce(out, p)


def _add_target_member(a: Array, d: int, p: int) -> None:
    """Add a member of the target region in place: j + 1 exactly, w + d."""
    moved = _shift_weight(a[:, :-1], d, p)
    a[:, 1:] += moved
    _reduce(a, p)


def _without_member(full: Array, d: int, p: int) -> Array:
    """The table of the target region's members but one of weight d: Q[j] = F[j] - step(Q[j-1])."""
    q = np.empty_like(full)
    q[:, 0] = full[:, 0]
    for j in range(1, full.shape[1]):
        step = _shift_weight(q[:, j - 1], d, p)
        q[:, j] = full[:, j] - step
        np.add(q[:, j], p, out=q[:, j], where=q[:, j] < 0)
    return q


def _swing_mask(game: Game, shape: tuple[int, ...], region_quota: int, d: int) -> Array:
    """Which (k, j, c, w) of the others lose without the member (weight d) and win with it."""
    k1, jn, cn, wn = shape
    k = np.arange(k1).reshape(-1, 1, 1, 1)
    j = np.arange(jn).reshape(1, -1, 1, 1)
    c = np.arange(cn).reshape(1, 1, -1, 1)
    w = np.arange(wn).reshape(1, 1, 1, -1)
    needed = game.regions_needed
    if needed:
        before_k = np.minimum(k + (j >= region_quota), needed)
        after_k = np.minimum(k + (j + 1 >= region_quota), needed)
    else:
        before_k = after_k = np.zeros_like(k)
    size = c + j

    def wins(regions: Array, members: Array, weight: Array) -> Array:
        heavy = weight >= wn - 1 if game.quota else np.ones_like(weight, dtype=bool)
        unblockable = game.n - members < game.block_minimum
        return (members >= game.member_quota) & (regions >= needed) & (heavy | unblockable)

    after = wins(after_k, size + 1, np.minimum(w + d, wn - 1))
    before = wins(before_k, size, w)
    return np.asarray(after & ~before)


def _swings_of(q: Array, mask: Array, n: int, p: int) -> list[int]:
    """Residues mod p of the swings by coalition size (c + j) from the others' table."""
    picked = np.where(mask, q, 0)
    by_kjc = _sum_mod(picked, 3, p)
    by_jc = _sum_mod(by_kjc, 0, p)
    out = np.zeros(n + 1, dtype=np.int64)
    jn, cn = by_jc.shape
    for j in range(jn):
        width = min(cn, n + 1 - j)
        out[j:j + width] = _reduce(out[j:j + width] + by_jc[j, :width], p)
    return [int(x) for x in out[:n]]


def _crt(residues: Sequence[int], primes: Sequence[int]) -> int:
    value, modulus = 0, 1
    for r, p in zip(residues, primes, strict=True):
        step = (r - value) * pow(modulus, -1, p) % p
        value += modulus * step
        modulus *= p
    return value


def _region_swings(game: Game, members_by_region: list[list[int]], target: int, p: int) -> dict[int, list[int]]:
    """Per distinct weight of the target region's members, its swings by size, mod p."""
    k1 = game.regions_needed + 1 if game.regions_needed else 1
    table = np.zeros((k1, 1, 1, game.quota + 1 if game.quota else 1), dtype=np.int64)
    table[0, 0, 0, 0] = 1
    for region, members in enumerate(members_by_region):
        if region == target:
            continue
        cap = game.region_quotas[region]
        table = np.concatenate([table, np.zeros(table.shape[:1] + (cap,) + table.shape[2:], dtype=np.int64)], 1)
        for i in members:
            table = _add_folded_member(table, game.weights[i], cap, p)
        table = _fold_region(table, cap, p)
    size = len(members_by_region[target])
    full = np.concatenate([table, np.zeros(table.shape[:1] + (size,) + table.shape[2:], dtype=np.int64)], 1)
    for i in members_by_region[target]:
        _add_target_member(full, game.weights[i], p)
    quota = game.region_quotas[target] if game.regions_needed else 0
    out = {}
    for d in sorted({game.weights[i] for i in members_by_region[target]}):
        others = _without_member(full, d, p)
        out[d] = _swings_of(others, _swing_mask(game, others.shape, quota, d), game.n, p)
    return out


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
    for target, members in enumerate(groups):
        residues = [_region_swings(game, groups, target, p) for p in primes]
        for d in residues[0]:
            exact = [_crt([res[d][s] for res in residues], primes) for s in range(game.n)]
            for i in members:
                if game.weights[i] == d:
                    swings[i] = list(exact)
    return swings


def power(game: Game) -> dict[str, list[Fraction]]:
    """Normalised Banzhaf, absolute (Penrose) Banzhaf and Shapley-Shubik, exact."""
    return indices_from_swings(swings_by_size(game))
