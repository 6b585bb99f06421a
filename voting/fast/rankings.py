"""Ranked ballots as arrays, checked in bulk and never grouped: the fast path's ingestion.

The reference is :func:`voting._ingest.ingest`, which reads, checks and groups ballots one
by one and names the first bad one.  :func:`ingest_rankings` accepts only what ``ingest``
would accept with the same counts, and declines (returns None) everything else, which then
goes through ``ingest``; tests/voting check that both routes give the same explanation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._ingest import Ingested
from .ranks import FLOAT_EXACT, Positions, code_dtype, positions, preference_order, ranked_counts


@dataclass(frozen=True)
class Rankings:
    """Every ballot of a ranked method, ungrouped, as arrays (see :func:`ingest_rankings`)."""

    positions: Positions  # one row per ballot, see .ranks
    weights: NDArray[np.int64]
    first_ballots: list[int]  # per option: ballots ranking it first
    first_weight: list[int]  # per option: their weight
    counted: bool  # some ballot is not blank
    order: NDArray[np.signedinteger[Any]] | None = None  # see .ranks.preference_order; on request


_SEQUENCES = frozenset({tuple, list})
_SAMPLE = 512


def rankings_repeat(ballots: Sequence[Any]) -> bool:
    """Whether the first rankings of a large profile repeat enough to be worth grouping.

    Grouping identical rankings (the reference, ``voting._ingest.ingest``) makes a profile of few distinct rankings
    nearly free to count, but costs about 1 µs a ballot; the array path
    (:func:`ingest_rankings`) costs less per ballot and does not group.  Both count the
    same.  A sample of the first rankings decides: grouped when at least half of them are
    repeats.  Small profiles always take the array path (cheap either way).
    """
    if len(ballots) <= _SAMPLE:
        return False
    sample = ballots[:_SAMPLE]
    if not set(map(type, sample)) <= _SEQUENCES or set(map(len, sample)) != {2}:
        return False  # malformed: the array path declines it and ingest names the ballot
    rankings = list(map(itemgetter(1), sample))
    if not set(map(type, rankings)) <= _SEQUENCES:
        return False  # (never iterate what may be a one-shot iterator)
    try:
        distinct = set(map(tuple, rankings))
    except TypeError:  # an unhashable option id
        return False
    return len(distinct) <= _SAMPLE // 2



def ingest_rankings(ballots: Sequence[Any], options: Sequence[str], *, with_order: bool = False) -> Ingested | None:
    """The ranked methods' fast path: every ballot as a row of a rank-position array.

    Schulze and Ranked Pairs need only the weighted pairwise matrix, a plain sum over
    ballots, and IRV/STV move ballots between piles (``with_order`` adds each ballot's
    preference order for them), so nothing is grouped.  Every check runs over the whole input at C speed (sets of types,
    one dictionary lookup per ranked option, one array pass for repeated options).  Returns
    None, leaving the input to :func:`ingest`, unless every ballot is a plain
    ``(weight, ranking)`` pair with an int weight > 0 and a list or tuple of distinct known
    option ids, and the total weight is below 2**53; :func:`ingest` then accepts the same
    input with the same counts, or raises the error that names the first bad ballot.
    """
    count = len(ballots)
    if count == 0 or not set(map(type, ballots)) <= _SEQUENCES or set(map(len, ballots)) != {2}:
        return None
    raw_weights = list(map(itemgetter(0), ballots))
    selections = list(map(itemgetter(1), ballots))
    if set(map(type, raw_weights)) != {int} or not set(map(type, selections)) <= _SEQUENCES:
        return None
    total = sum(raw_weights)
    if total >= FLOAT_EXACT:
        return None
    weights = np.array(raw_weights, dtype=np.int64)  # every weight is below the total
    del raw_weights
    if int(weights.min()) <= 0:
        return None
    n = len(options)
    index = {o: i for i, o in enumerate(options)}
    lengths = np.fromiter(map(len, selections), dtype=np.int64, count=count)
    flat = map(index.__getitem__, chain.from_iterable(selections))
    try:
        # bytes() of small ints runs in C and is faster than np.fromiter.
        codes = (
            np.frombuffer(bytes(flat), dtype=np.int8)
            if n < 127
            else np.fromiter(flat, dtype=code_dtype(n + 1), count=int(lengths.sum()))
        )
    except (KeyError, TypeError):  # an unknown or unhashable option id
        return None
    del selections
    pos = positions(codes, lengths, n)
    if not np.array_equal(ranked_counts(pos), lengths):  # an option repeated
        return None
    order = preference_order(codes, lengths, n) if with_order else None
    blank = lengths == 0
    ranked = ~blank
    first = codes[(np.cumsum(lengths) - lengths)[ranked]].astype(np.int64)
    del codes
    first_ballots = np.bincount(first, minlength=n)
    # float64 sums of ints are exact: the total is below 2**53.
    first_weight = np.bincount(first, weights=weights[ranked].astype(np.float64), minlength=n)
    return Ingested(
        groups=(),
        ballots=count,
        weight=total,
        blank_ballots=int(blank.sum()),
        blank_weight=int(weights[blank].sum()),
        rankings=Rankings(
            positions=pos,
            weights=weights,
            first_ballots=[int(x) for x in first_ballots],
            first_weight=[int(x) for x in first_weight],
            counted=bool(ranked.any()),
            order=order,
        ),
    )
