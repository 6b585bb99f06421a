"""Exact share arithmetic for weight policies: cap/floor clamping, Hamilton apportionment and
rounding to a fixed total without separating equal shares."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction


def clamp_shares(
    raw: Sequence[Fraction], cap: Fraction | None, floor: Fraction | None
) -> tuple[list[Fraction], Fraction | None]:
    """Shares s_i = min(cap, max(floor, scale * raw_i)) with sum 1, and the scale used.

    ``raw`` sums to 1.  The function g(scale) = sum_i clamp(scale * raw_i) is continuous and
    non-decreasing, linear between the breakpoints floor/raw_i and cap/raw_i, so the scale
    with g = 1 is found exactly by walking the sorted breakpoints and solving one linear
    equation.  Returns (raw, None) when no limit is set or no share violates one.
    """
    n = len(raw)
    lo = floor if floor is not None else Fraction(0)
    hi = cap if cap is not None else Fraction(1)
    if all(lo <= r <= hi for r in raw):
        return list(raw), None

    def clamp(x: Fraction) -> Fraction:
        return min(hi, max(lo, x))

    def g(scale: Fraction) -> Fraction:
        return sum((clamp(scale * r) for r in raw), Fraction(0))

    points = sorted({Fraction(0)} | {b / r for r in raw if r > 0 for b in (lo, hi) if b > 0})
    # g is below 1 at 0 (n * lo <= 1 is checked by the caller) and reaches n * hi >= 1.
    prev = Fraction(0)
    for point in points:
        if g(point) >= 1:
            break
        prev = point
    else:  # pragma: no cover - unreachable when n * hi >= 1
        raise ValueError("shares cannot reach 1 under the cap")
    # On [prev, point] the free members (strictly between the limits) grow linearly.
    mid = (prev + point) / 2
    fixed = Fraction(0)
    free_raw = Fraction(0)
    for r in raw:
        x = mid * r
        if x <= lo:
            fixed += lo
        elif x >= hi:
            fixed += hi
        else:
            free_raw += r
    scale = point if free_raw == 0 else (1 - fixed) / free_raw
    shares = [clamp(scale * r) for r in raw]
    if sum(shares) != 1 or n == 0:  # pragma: no cover - defensive, exact arithmetic
        raise ValueError("clamped shares do not sum to 1")
    return shares, scale


def hamilton(shares: Sequence[Fraction], ids: Sequence[str], total: int) -> tuple[list[int], list[Fraction], list[int]]:
    """Largest-remainder apportionment of ``total`` units.

    Each member first gets floor(total * share); the units left over go one each to the
    members with the largest remainders total * share - floor; equal remainders are ordered
    by member id (ascending Unicode code points), the smaller id first.
    Returns (units, remainders, bonus flags).
    """
    quotas = [total * s for s in shares]
    base = [q.numerator // q.denominator for q in quotas]
    remainders = [q - b for q, b in zip(quotas, base, strict=True)]
    left = total - sum(base)
    order = sorted(range(len(shares)), key=lambda i: (-remainders[i], ids[i]))
    bonus = [0] * len(shares)
    for i in order[:left]:
        bonus[i] = 1
    return [b + x for b, x in zip(base, bonus, strict=True)], remainders, bonus


def whole_groups(shares: Sequence[Fraction], total: int) -> tuple[list[int], list[Fraction], list[int]]:
    """Round ``total`` x share down, then hand out leftover units without separating equals.

    Members with the same remainder form a group.  Groups are taken by remainder, largest
    first; a group gets one more unit for each of its members when the leftover still covers
    all of them, and the hand-out stops at the first group it does not cover (a smaller
    remainder never gets a unit a larger one did not).  Units not handed out stay unassigned,
    so the units sum to at most ``total``.  Returns (units, remainders, bonus flags).
    """
    quotas = [total * s for s in shares]
    base = [q.numerator // q.denominator for q in quotas]
    remainders = [q - b for q, b in zip(quotas, base, strict=True)]
    left = total - sum(base)
    bonus = [0] * len(shares)
    for remainder in sorted({r for r in remainders if r > 0}, reverse=True):
        group = [i for i, r in enumerate(remainders) if r == remainder]
        if len(group) > left:
            break
        for i in group:
            bonus[i] = 1
        left -= len(group)
    return [b + x for b, x in zip(base, bonus, strict=True)], remainders, bonus
