"""Weighted pairwise matrix and Schulze strongest paths, in exact integers."""

from __future__ import annotations

from collections.abc import Sequence

from ._ingest import Group


def pairwise_matrix(groups: Sequence[Group], options: Sequence[str]) -> list[list[int]]:
    """d[i][j] = total weight of ballots ranking options[i] above options[j].

    A ranked option is above every option the ballot leaves unranked; unranked options are
    tied with each other (no ballot weight either way).  The fast path computes the same
    matrix with numpy (``voting.fast.ranks.pairwise_from_positions``).
    """
    n = len(options)
    index = {o: i for i, o in enumerate(options)}
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
