"""Exact voting power of weighted voting games: normalised Banzhaf and Shapley-Shubik.

A game is integer ``weights`` (one per member, >= 0) and an integer ``quota``: a coalition
wins when its total weight is >= quota.  Weights are not power; these indices measure how
often each member decides the outcome.

    from voting.power import banzhaf, shapley_shubik
    banzhaf([4, 4, 4, 2, 2, 1], 12)        # EEC Council of Ministers, 1958
    # [5/21, 5/21, 5/21, 1/7, 1/7, 0]

Both run by dynamic programming over coalition weights (generating functions), never by
enumerating the 2^n coalitions, and return ``fractions.Fraction`` values summing to 1.

* Banzhaf: P(x) = prod_j (1 + x^{w_j}) counts coalitions by weight (coefficients below the
  quota only).  For a member of weight d, dividing by (1 + x^d) gives the coalitions of the
  others, and its swings are the coalitions of the others with weight in [quota - d, quota - 1].
  Members with equal weights share one division.  Cost O(n * quota + distinct weights * quota).
* Shapley-Shubik: the same with a second variable counting coalition size; member i's index
  is sum over sizes s of swings_i(s) * s! (n - 1 - s)! / n!.  The size-indexed rows are held as
  big integers with one (n + 1)-bit slot per weight, so each step is a shift and an add.
  Cost O(n^2) big-integer operations on quota * (n + 1)-bit numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from functools import reduce
from math import factorial, gcd

from .errors import VotingError

__all__ = ["InvalidGame", "banzhaf", "banzhaf_swings", "power_indices", "shapley_shubik"]


class InvalidGame(VotingError):
    """The weights or quota do not describe a weighted voting game."""


def _check(weights: Sequence[int], quota: int) -> list[int]:
    if isinstance(weights, (str, bytes)) or not isinstance(weights, Sequence) or not weights:
        raise InvalidGame("weights: want a non-empty list of non-negative integers")
    out = []
    for i, w in enumerate(weights):
        if isinstance(w, bool) or not isinstance(w, int) or w < 0:
            raise InvalidGame(f"weights[{i}]: got {w!r}, want a non-negative integer")
        out.append(int(w))
    total = sum(out)
    if isinstance(quota, bool) or not isinstance(quota, int) or not 1 <= quota <= total:
        raise InvalidGame(f"quota: got {quota!r}, want an integer in [1, {total}] (the total weight)")
    return out


def _coalitions_below(weights: Sequence[int], quota: int) -> list[int]:
    """c[k] = number of coalitions of weight k, for k < quota."""
    c = [0] * quota
    c[0] = 1
    for w in weights:
        if w == 0:
            c = [2 * x for x in c]
        elif w < quota:
            c[w:] = [a + b for a, b in zip(c[w:], c[: quota - w])]
    return c


def _without(c: list[int], d: int, quota: int) -> list[int]:
    """Divide the truncated series by (1 + x^d): q[k] = c[k] - q[k - d]."""
    if d == 0:
        return [x // 2 for x in c]
    q = c[:]
    for start in range(d, quota, d):
        end = min(start + d, quota)
        q[start:end] = [a - b for a, b in zip(q[start:end], q[start - d : end - d])]
    return q


def banzhaf_swings(weights: Sequence[int], quota: int) -> list[int]:
    """Raw Banzhaf swing counts: coalitions of the others that member i turns from losing to winning."""
    ws = _check(weights, quota)
    c = _coalitions_below(ws, quota)
    swings_by_weight: dict[int, int] = {}
    for d in set(ws):
        if d == 0:
            swings_by_weight[d] = 0
            continue
        q = _without(c, d, quota)
        swings_by_weight[d] = sum(q[max(0, quota - d) : quota])
    return [swings_by_weight[w] for w in ws]


def banzhaf(weights: Sequence[int], quota: int) -> list[Fraction]:
    """Normalised Banzhaf index: each member's swings divided by all members' swings."""
    swings = banzhaf_swings(weights, quota)
    total = sum(swings)
    return [Fraction(s, total) for s in swings]


def shapley_shubik(weights: Sequence[int], quota: int) -> list[Fraction]:
    """Shapley-Shubik index: the share of the n! orderings in which member i is pivotal."""
    ws = _check(weights, quota)
    n = len(ws)
    slot = n + 1  # bits per slot: any count or sum of counts here is below 2^n
    mask = (1 << (quota * slot)) - 1
    rows = [0] * (n + 1)  # rows[s] packs, for each weight k < quota, the coalitions of size s
    rows[0] = 1
    top = 0
    for w in ws:
        if w >= quota:
            top += 1
            continue
        shift = w * slot
        for s in range(top, -1, -1):
            if rows[s]:
                rows[s + 1] += (rows[s] << shift) & mask
        top += 1
    slot_mask = (1 << slot) - 1
    result_by_weight: dict[int, Fraction] = {}
    n_fact = factorial(n)
    for d in set(ws):
        if d == 0:
            result_by_weight[d] = Fraction(0)
            continue
        shift = d * slot
        low = max(0, quota - d) * slot
        numerator = 0
        prev = 0
        for s in range(n):
            # coalitions of the others with size s: Q_s = P_s - x^d Q_{s-1}
            cur = rows[s] - ((prev << shift) & mask) if s else rows[s]
            window = cur >> low
            numerator += (window % slot_mask) * factorial(s) * factorial(n - 1 - s)
            prev = cur
        result_by_weight[d] = Fraction(numerator, n_fact)
    return [result_by_weight[w] for w in ws]


def power_indices(weights: Sequence[int], quota: int) -> tuple[list[Fraction], list[Fraction]]:
    """Banzhaf and Shapley-Shubik of one game, computed on the weights divided by their common
    factor (the same game, with a quota rounded up to the reduced scale, at a fraction of the cost)."""
    common = reduce(gcd, weights, 0) or 1
    reduced = [w // common for w in weights]
    reduced_quota = -(-quota // common)
    return banzhaf(reduced, reduced_quota), shapley_shubik(reduced, reduced_quota)
