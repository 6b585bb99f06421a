"""The ballot rules in bulk, with numpy: the fast path's shortcut for check 11.

:func:`plain_ballots` answers only for a log in which no ballot breaks a rule,
and then gives the very positions :func:`~ballots.ballot_rules.ballot_rules`
would; for anything else it returns None and the reference walks the ballots
one by one and explains every problem.  tests/ballots/test_verify_bulk.py
checks that the two agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import compress, repeat
from operator import is_not
from typing import Any, cast

import numpy as np

from ..ballot_rules import wants_region
from ..leaflog import Ballots
from ..leaves import OpenLeaf

__all__ = ["plain_ballots"]


def plain_ballots(o: OpenLeaf, ballots: Ballots, weights: Mapping[str, int] | None,
                   regions: Mapping[str, str] | None) -> list[int] | None:
    """Positions of the counted ballots when no ballot breaks a rule, found in bulk; else None.

    None means "go step by step" (:func:`~ballots.ballot_rules.ballot_rules`, which explains every
    problem); it is also returned for valid but unusual logs (proxies, secret
    revotes, no readable weights).  When this returns positions,
    :func:`~ballots.ballot_rules.ballot_rules` would return the same ones and no problem: every
    member's first ballot replaces nothing and each later one replaces the
    member's previous ballot, because the replaced leaves are distinct earlier
    ballots of the same member and exactly one ballot per member replaces nothing.
    """
    n = len(ballots)
    idx, members, ws, sups, regs = (ballots.index, ballots.member, ballots.weight,
                                    ballots.supersedes, ballots.region)
    if n == 0 or ballots.proxy.count(None) != n:
        return None
    want_region = wants_region(o)
    if (None in regs) if want_region else (regs.count(None) != n):
        return None
    if o.secrecy == "secret":
        if members.count(None) != n or sups.count(None) != n:
            return None
        return list(range(n))
    if weights is None or None in members:
        return None
    voters = cast("list[str]", list(set(members)))  # no None: checked above
    if not all(m in weights for m in voters):
        return None
    code: dict[str | None, int] = {m: k for k, m in enumerate(voters)}
    mc = np.fromiter(map(code.__getitem__, members), np.intp, n)  # member of each ballot
    ws_a, want_w = _int_array(ws, n), _int_array([weights[m] for m in voters], len(voters))
    if ws_a is None or want_w is None or not np.array_equal(ws_a, want_w[mc]):
        return None
    if want_region and not _regions_agree(mc, voters, regs, regions):
        return None
    has_sup = list(map(is_not, sups, repeat(None)))
    replacing = sum(has_sup)
    if n - replacing != len(voters):
        return None
    if not replacing:
        return list(range(n))
    if not o.revote:
        return None
    at = _int_array(idx, n)
    replaced = _int_array(compress(sups, has_sup), replacing)
    if at is None or replaced is None or not bool((at[1:] > at[:-1]).all()):
        return None
    has = np.array(has_sup, bool)
    # each replaced leaf: an earlier ballot (of the same member) that nothing else replaces
    pos = np.minimum(np.searchsorted(at, replaced), n - 1)
    times_replaced = np.bincount(pos, minlength=n)
    if not (np.array_equal(at[pos], replaced) and bool((replaced < at[has]).all())
            and np.array_equal(mc[pos], mc[has]) and int(times_replaced.max()) == 1):
        return None
    return cast("list[int]", np.flatnonzero(times_replaced == 0).tolist())


def _int_array(values: Iterable[Any], n: int) -> np.ndarray[Any, Any] | None:
    """``n`` integers as an int64 array, or None when one does not fit (never a valid weight
    or index: those are at most 2**53 - 1)."""
    try:
        return np.fromiter(values, np.int64, n)
    except (OverflowError, TypeError, ValueError):
        return None


def _regions_agree(mc: np.ndarray[Any, Any], voters: list[str], regs: list[str | None],
                   regions: Mapping[str, str] | None) -> bool:
    """Does every ballot give its member's region (the snapshot's, or else one region per
    member throughout)?"""
    code = {r: k for k, r in enumerate(set(regs))}
    rc = np.fromiter(map(code.__getitem__, regs), np.intp, len(regs))
    if regions is not None:
        want = np.array([code.get(regions.get(m), -1) for m in voters], np.intp)
    else:
        want = np.full(len(voters), -1, np.intp)
        want[mc] = rc  # any one ballot's region per member; all must then agree with it
    return np.array_equal(rc, want[mc])
