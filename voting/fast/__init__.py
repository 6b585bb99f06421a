"""The fast path of ``voting.tally``: the same counts as the reference, for large profiles.

``voting.tally(..., fast=True)`` (the default) hands ranked ballots to this package when it
can count them faster; ``fast=False`` counts everything with the reference code alone
(``voting._ingest.ingest`` and the runners in ``voting._methods``).  Nothing here decides a
rule: ballots become arrays (``ranks``), IRV and STV run py-vote-core's own loop over
candidate piles (``piles``), and the pairwise methods sum their matrix with numpy.
tests/voting/test_fast_path.py checks that both give the same explanation.

The seam is two calls:

* :func:`ingest` — the ballots as arrays (every ballot a row, nothing grouped), or None when
  the reference ingestion should read them (a profile whose rankings repeat is cheaper to
  group; anything unusual is left to the reference, which names a bad ballot).
* :func:`runner` — the fast runner for a method, for arrays or for grouped ballots, or None.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._ingest import Group, Ingested
from .._methods import MATRIX_RUNNERS
from .._outcome import Outcome
from .._pairwise import pairwise_matrix
from .._pycore import Number
from .._stv import StvCount, explain_stv
from .piles import PiledSTV, PileList
from .rankings import ingest_rankings, rankings_repeat
from .ranks import FLOAT_EXACT, code_dtype, pairwise_from_positions, positions

# Methods counted from every ballot as a row of arrays, ungrouped.
ARRAY_METHODS = frozenset({*MATRIX_RUNNERS, "irv", "stv"})
# Below this many distinct rankings the reference pairwise sum is as quick as numpy.
_MIN_PAIRWISE_GROUPS = 64

Runner = Callable[[Sequence[Group], Sequence[str], int, list[str]], Outcome]


def ingest(method: str, ballots: Any, options: Sequence[str]) -> tuple[Ingested | None, Any]:
    """The ballots as arrays, or None; also the ballots, materialised if they were one-shot."""
    if method not in ARRAY_METHODS:
        return None, ballots
    if not isinstance(ballots, (list, tuple)):
        try:
            ballots = list(ballots)  # read twice at most: the sample, then every ballot
        except TypeError:
            return None, ballots  # the reference names the problem
    if rankings_repeat(ballots):
        return None, ballots
    return ingest_rankings(ballots, options, with_order=method not in MATRIX_RUNNERS), ballots


def count_arrays(method: str, ing: Ingested, options: Sequence[str], seats: int, order: list[str]) -> Outcome:
    """Count the arrays :func:`ingest` returned."""
    rankings = ing.rankings
    if rankings is None:
        raise ValueError("count_arrays needs the arrays of voting.fast.ingest")
    if method in MATRIX_RUNNERS:
        d = pairwise_from_positions(rankings.positions, rankings.weights)
        return MATRIX_RUNNERS[method](d, options, order)
    if rankings.order is None:
        raise ValueError("voting.fast.ingest kept no preference order for IRV/STV")
    return stv_from_arrays(rankings.order, rankings.weights, options, seats, order)


def runner(method: str) -> Runner | None:
    """The fast runner over grouped ballots for ``method``, or None (use the reference)."""
    if method in ("irv", "stv"):
        return run_stv_piles
    if method in MATRIX_RUNNERS:
        return _matrix_runner(MATRIX_RUNNERS[method])
    return None


# --- IRV and STV over piles ------------------------------------------------------------------


def _total(weights: NDArray[Any]) -> int:
    """The exact sum of int64 or (beyond 2**53) Python-int weights."""
    return sum(map(int, weights.tolist())) if weights.dtype == object else int(weights.sum())


def stv_from_arrays(
    ranking: NDArray[np.signedinteger[Any]],
    weights: NDArray[Any],
    options: Sequence[str],
    seats: int,
    order: list[str],
    ballots_per_row: Sequence[int] | None = None,
) -> Outcome:
    """IRV (seats = 1) and STV over ranked ballots given as arrays (see ``piles._Piles``).

    ``ranking`` holds the ballots' option codes, most preferred first, padded with -1;
    ``weights`` their weights; ``ballots_per_row`` how many ballots each row stands for (one
    each when None).  Blank ballots (no option ranked) are set aside.
    """
    ranked_rows = ranking[:, 0] >= 0
    if ballots_per_row is None:
        counted = int(ranked_rows.sum())
    else:
        counted = sum(n for n, ranked in zip(ballots_per_row, ranked_rows.tolist()) if ranked)
    if not ranked_rows.all():
        ranking, weights = ranking[ranked_rows], weights[ranked_rows]
    ballots = PileList(ranking, weights, options)
    candidates = {options[c] for c in ballots.piles.ranked_codes}
    core_seats = min(seats, len(candidates))
    core = PiledSTV(ballots, tie_breaker=list(order), required_winners=core_seats)
    code = {o: i for i, o in enumerate(options)}

    def weight_naming(continuing: set[str]) -> int:
        names_one = np.isin(ranking, [code[o] for o in continuing]).any(axis=1)
        return _total(weights[names_one])

    def first_choices() -> dict[str, Number]:
        totals = PileList(ranking, weights, options).piles.totals()
        return {o: totals[i] for i, o in enumerate(options)}

    def recount(tie_breaker: list[str]) -> frozenset[str]:
        again = PiledSTV(PileList(ranking, weights, options), tie_breaker=tie_breaker, required_winners=core_seats)
        return frozenset(again.winners)

    count = StvCount(core, candidates, core_seats, _total(weights), weight_naming, first_choices, recount, counted)
    return explain_stv(count, options, seats, order)


def _order_from_groups(groups: Sequence[Group], options: Sequence[str]) -> NDArray[np.signedinteger[Any]]:
    code = {o: i for i, o in enumerate(options)}
    order = np.full((len(groups), len(options) + 1), -1, dtype=code_dtype(len(options) + 1))
    for k, g in enumerate(groups):
        order[k, : len(g.selection)] = [code[o] for o in g.selection]
    return order


def run_stv_piles(groups: Sequence[Group], options: Sequence[str], seats: int, order: list[str]) -> Outcome:
    total = sum(g.weight for g in groups)
    weights = np.array([g.weight for g in groups], dtype=np.int64 if total < FLOAT_EXACT else object)
    return stv_from_arrays(_order_from_groups(groups, options), weights, options, seats, order,
                           [g.ballots for g in groups])


# --- Schulze and Ranked Pairs from a numpy pairwise matrix ---------------------------------


def pairwise_from_groups(groups: Sequence[Group], options: Sequence[str]) -> list[list[int]] | None:
    """The weighted pairwise matrix of many distinct rankings, or None when numpy would not help
    (few rankings) or could not be exact (a total weight of 2**53 or more)."""
    n = len(options)
    if len(groups) < _MIN_PAIRWISE_GROUPS or n < 2 or sum(g.weight for g in groups) >= FLOAT_EXACT:
        return None
    index = {o: i for i, o in enumerate(options)}
    lengths = np.fromiter((len(g.selection) for g in groups), dtype=np.int64, count=len(groups))
    codes = np.fromiter((index[o] for g in groups for o in g.selection), dtype=code_dtype(n + 1),
                        count=int(lengths.sum()))
    weights = np.fromiter((g.weight for g in groups), dtype=np.int64, count=len(groups))
    return pairwise_from_positions(positions(codes, lengths, n), weights)


def _matrix_runner(from_matrix: Callable[[list[list[int]], Sequence[str], list[str]], Outcome]) -> Runner:
    def run(groups: Sequence[Group], options: Sequence[str], seats: int, order: list[str]) -> Outcome:
        ranked = [g for g in groups if g.selection]
        d = pairwise_from_groups(ranked, options)
        return from_matrix(d if d is not None else pairwise_matrix(ranked, options), options, order)

    return run
