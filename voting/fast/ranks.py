"""Rank-position arrays and the weighted pairwise matrix computed from them with numpy.

A rank-position array ``pos`` has one row per ballot (or distinct ballot) and one column per
option: ``pos[k, i]`` is the 0-based place of option ``i`` on ballot ``k``, or ``n`` (the
number of options) when the ballot leaves it unranked.  ``d[i][j]``, the total weight of the
ballots ranking option ``i`` above option ``j``, is then the weighted count of rows with
``pos[k, i] < pos[k, j]``: a ranked option is above every unranked one, unranked options are
tied with each other.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

# Float64 sums of integers are exact while every partial sum stays below 2**53.
FLOAT_EXACT = 2**53
# Float32 sums of integers are exact below 2**24: a block of rows is summed in float32 when
# rows x largest weight stays below that, and the block sums are added up in float64.
_FLOAT32_EXACT = 2**24
_BLOCK = 1 << 14
_MIN_FLOAT32_BLOCK = 1 << 10

Positions = NDArray[np.signedinteger[Any]]


def code_dtype(n: int) -> type[np.signedinteger[Any]]:
    """The smallest signed integer type holding 0..n."""
    return np.int8 if n < 127 else np.int16 if n < 32767 else np.int32


def _cells(lengths: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For rankings of uneven ``lengths`` laid end to end: each code's ranking and place in it."""
    rows = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return rows, np.arange(int(lengths.sum()), dtype=np.int64) - starts


def positions(codes: NDArray[np.signedinteger[Any]], lengths: NDArray[np.int64], n: int) -> Positions:
    """The rank-position array of rankings given as concatenated option codes.

    ``codes`` holds every ranking's option codes (0..n-1), most preferred first, one ranking
    after the other; ``lengths`` the length of each ranking.  A code repeated within a
    ranking is written once (the later place wins): callers detect that with
    :func:`ranked_counts`.
    """
    dtype = code_dtype(n)
    count = len(lengths)
    pos = np.full((count, n), n, dtype=dtype)
    if count == 0 or codes.size == 0:
        return pos
    if int(lengths.min()) == int(lengths.max()):
        width = int(lengths[0])
        pos[np.arange(count)[:, None], codes.reshape(count, width)] = np.arange(width, dtype=dtype)
    else:
        rows, places = _cells(lengths)
        pos[rows, codes] = places.astype(dtype)
    return pos


def preference_order(codes: NDArray[np.signedinteger[Any]], lengths: NDArray[np.int64], n: int) -> NDArray[np.signedinteger[Any]]:
    """Each ranking's option codes in rows, most preferred first, padded with -1.

    Same input as :func:`positions`; every row ends with at least one -1, so a reader
    advancing along a row always meets the padding after the last ranked option.
    """
    count = len(lengths)
    order = np.full((count, n + 1), -1, dtype=code_dtype(n + 1))
    if count == 0 or codes.size == 0:
        return order
    if int(lengths.min()) == int(lengths.max()):
        width = int(lengths[0])
        order[:, :width] = codes.reshape(count, width)
    else:
        rows, places = _cells(lengths)
        order[rows, places] = codes
    return order


def ranked_counts(pos: Positions) -> NDArray[np.int64]:
    """How many options each row ranks (less than its length when an option was repeated)."""
    n = pos.shape[1]
    counts: NDArray[np.int64] = np.count_nonzero(pos < n, axis=1).astype(np.int64)
    return counts


def pairwise_from_positions(pos: Positions, weights: NDArray[np.int64]) -> list[list[int]]:
    """d[i][j] = sum of ``weights[k]`` over rows k with ``pos[k, i] < pos[k, j]``, exactly.

    The caller guarantees ``weights.sum() < 2**53`` and positive weights.  All n x n
    comparisons of a block of rows form one (rows, n*n) matrix, weighted by one
    matrix-vector product: in float32 when the block's sums stay below 2**24 (exact), else
    in float64 (exact below 2**53).
    """
    count, n = pos.shape
    if count == 0 or n < 2:
        return [[0] * n for _ in range(n)]
    biggest = int(weights.max())
    block = min(_BLOCK, _FLOAT32_EXACT // biggest) if biggest < _FLOAT32_EXACT else 0
    if block >= _MIN_FLOAT32_BLOCK:
        ftype: type[np.floating[Any]] = np.float32
    else:
        ftype, block = np.float64, _BLOCK
    w = weights.astype(ftype)
    acc = np.zeros(n * n, dtype=np.float64)
    for start in range(0, count, block):
        rows = pos[start : start + block]
        above = (rows[:, :, None] < rows[:, None, :]).reshape(len(rows), n * n).astype(ftype)
        acc += w[start : start + block] @ above
    d: list[list[int]] = [[int(x) for x in acc[i * n : (i + 1) * n]] for i in range(n)]
    return d
