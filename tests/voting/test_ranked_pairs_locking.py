"""Ranked Pairs' lock graph helpers, and a tie-heavy 40-option profile that must finish.

The helpers decide whether a group of equally strong pairs is a *material* tie (the order in
which they are locked could change the winner).  They are checked here against networkx, an
independent graph library installed with pref_voting (the differential-test extra).
"""

from __future__ import annotations

import random

from typing import Any

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting import _materiality, _methods
from voting._methods import _acyclic, _reaches, ranked_pairs_from_matrix
from tests.conftest import examples

NODES = [f"n{i}" for i in range(7)]

edge_sets = st.sets(
    st.tuples(st.sampled_from(NODES), st.sampled_from(NODES)).filter(lambda e: e[0] != e[1]),
    max_size=30,
)


def _digraph(edges: set[tuple[str, str]]) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(NODES)
    g.add_edges_from(edges)
    return g


@settings(max_examples=examples(300), deadline=None)
@given(edge_sets)
def test_acyclic_agrees_with_networkx(edges: set[tuple[str, str]]) -> None:
    assert _acyclic(edges) == nx.is_directed_acyclic_graph(_digraph(edges))


@settings(max_examples=examples(300), deadline=None)
@given(edge_sets, st.sampled_from(NODES), st.sampled_from(NODES))
def test_reaches_agrees_with_networkx(edges: set[tuple[str, str]], start: str, goal: str) -> None:
    assert _reaches(edges, start, goal) == nx.has_path(_digraph(edges), start, goal)


def _two_per_strength(n: int, seed: int) -> list[list[int]]:
    """Every pair decided, strengths 1000, 1000, 1001, 1001, ...: n(n-1)/4 tie groups."""
    rnd = random.Random(seed)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    rnd.shuffle(pairs)
    d = [[0] * n for _ in range(n)]
    for k, (i, j) in enumerate(pairs):
        if rnd.random() < 0.5:
            i, j = j, i
        d[i][j], d[j][i] = 1000 + k // 2, 10
    return d


def test_tie_heavy_profile_at_the_option_limit_is_explained_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    # 40 options (the chair form's limit), 390 groups of two equally strong pairs.  The
    # earlier materiality check ran a reachability search per locked edge per group
    # (O(V * E^2), 17 s here); now it is one search per pair of a group plus one
    # topological sort per group (counted, not timed), and still agrees with networkx.
    n = 40
    options = [f"o{i:02d}" for i in range(n)]
    d = _two_per_strength(n, seed=1)
    assert not any(all(d[i][j] > d[j][i] for j in range(n) if j != i) for i in range(n))
    calls = {"reaches": 0, "acyclic": 0}

    def counted(name: str, fn: Any) -> Any:
        def wrapper(*args: Any) -> Any:
            calls[name] += 1
            return fn(*args)
        return wrapper

    monkeypatch.setattr(_methods, "_reaches", counted("reaches", _methods._reaches))
    monkeypatch.setattr(_methods, "_acyclic", counted("acyclic", _methods._acyclic))
    with _materiality.format_1_ties():  # the cycle rule alone, no recounts (counted below)
        out = ranked_pairs_from_matrix(d, options, list(options))
    assert 0 < calls["acyclic"] <= n * (n - 1) // 4 and calls["reaches"] <= n * (n - 1) // 2

    pairs = out.detail["pairs"]
    assert len(pairs) == n * (n - 1) // 2
    locked = nx.DiGraph()
    locked.add_nodes_from(options)
    for p in pairs:
        a, b = p["pair"]
        if p["action"] == "locked":
            locked.add_edge(a, b)
            assert nx.is_directed_acyclic_graph(locked)
        else:
            assert nx.has_path(locked, b, a), f"{a}>{b} skipped without closing a cycle"
    sources = [o for o in options if locked.in_degree(o) == 0]
    assert out.winners == (sources[0],) and len(sources) == 1

    # Format 2 recounts, within the budget, groups the cycle rule calls material.
    judged = {t["stage"]: t["material"] for t in ranked_pairs_from_matrix(d, options, list(options)).ties}
    groups = [t for t in out.ties if t["stage"].startswith("pairs of strength")]
    assert len(groups) == n * (n - 1) // 4
    assert 0 < sum(t["material"] for t in groups) < len(groups)  # this seed has both kinds
    replay = nx.DiGraph()
    replay.add_nodes_from(options)
    by_strength: dict[int, list[dict[str, object]]] = {}
    for p in pairs:
        by_strength.setdefault(p["strength"], []).append(p)
    for tie in groups:
        strength = int(tie["stage"].rsplit(" ", 1)[1])
        group = [tuple(p) for p in tie["tied"]]
        live = [(a, b) for a, b in group if not nx.has_path(replay, b, a)]
        trial = replay.copy()
        trial.add_edges_from(live)
        assert tie["material"] == (not nx.is_directed_acyclic_graph(trial))
        assert tie["material"] or not judged[tie["stage"]], "a recount only ever clears a group"
        for p in by_strength[strength]:
            if p["action"] == "locked":
                replay.add_edge(*p["pair"])
