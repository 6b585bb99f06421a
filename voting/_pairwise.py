"""Weighted pairwise matrix and Schulze strongest paths, in exact integers."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np

from ._ingest import Group
from ._ranks import FLOAT_EXACT, code_dtype, pairwise_from_positions, positions


def pairwise_matrix(groups: Sequence[Group], options: Sequence[str]) -> list[list[int]]:
    """d[i][j] = total weight of ballots ranking options[i] above options[j].

    A ranked option is above every option the ballot leaves unranked; unranked options are
    tied with each other (no ballot weight either way).
    """
    n = len(options)
    index = {o: i for i, o in enumerate(options)}
    total = sum(g.weight for g in groups)
    if not groups or n < 2:
        return [[0] * n for _ in range(n)]
    if total >= FLOAT_EXACT or len(groups) < 64:
        return _pairwise_python(groups, index, n)
    count = len(groups)
    selections = [g.selection for g in groups]
    lengths = np.fromiter(map(len, selections), dtype=np.int64, count=count)
    codes = np.fromiter(
        map(index.__getitem__, chain.from_iterable(selections)), dtype=code_dtype(n + 1), count=int(lengths.sum())
    )
    pos = positions(codes, lengths, n)
    del codes
    weights = np.fromiter((g.weight for g in groups), dtype=np.int64, count=count)
    return pairwise_from_positions(pos, weights)


def _pairwise_python(groups: Sequence[Group], index: dict[str, int], n: int) -> list[list[int]]:
    d = [[0] * n for _ in range(n)]
    for g in groups:
        ranked = [index[o] for o in g.selection]
        unranked = set(range(n)) - set(ranked)
        for k, i in enumerate(ranked):
            row = d[i]
            for j in ranked[k + 1 :]:
                row[j] += g.weight
            for j in unranked:
                row[j] += g.weight
    return d


def strongest_paths(d: list[list[int]]) -> list[list[int]]:
    """Schulze's widest paths, link strength = winning votes d[i][j] when d[i][j] > d[j][i]."""
    n = len(d)
    p = [[d[i][j] if i != j and d[i][j] > d[j][i] else 0 for j in range(n)] for i in range(n)]
    for k in range(n):
        pk = p[k]
        for i in range(n):
            if i == k:
                continue
            pik = p[i][k]
            if pik == 0:
                continue
            pi = p[i]
            for j in range(n):
                if j != i and j != k:
                    via = pik if pik < pk[j] else pk[j]
                    if via > pi[j]:
                        pi[j] = via
    return p


def schulze_potential_winners(p: list[list[int]]) -> list[int]:
    n = len(p)
    return [i for i in range(n) if all(p[i][j] >= p[j][i] for j in range(n) if j != i)]
