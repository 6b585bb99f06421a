"""Thin adapters around py-vote-core (``py3votecore``).

Nothing here re-implements a counting rule: the classes below only change how py-vote-core
is fed or how it stores numbers.

* :class:`ExactSTV` is py-vote-core's STV with one ballot dict per (distinct) ballot, as
  py-vote-core itself is fed, but with every count kept exact: py-vote-core casts a count to
  float before a surplus transfer and sums tallies in floats; here the cast is undone and the
  tallies are Fractions, so the surplus factor ``(tally - quota) / tally`` and every
  comparison with the quota are exact.  It is the reference for IRV and STV; the fast path
  (``voting.fast.piles``) runs the same loop over candidate piles and must agree with it.
* :class:`RankedPairsByGraph` feeds py-vote-core's Ranked Pairs a pairwise graph built by us
  (py-vote-core ships ``SchulzeMethodByGraph`` but no Ranked Pairs equivalent), and always
  runs the locking phase so the explanation lists locked and skipped pairs even when a
  Condorcet winner exists (Ranked Pairs elects the Condorcet winner either way).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from py3votecore.ranked_pairs import RankedPairs
from py3votecore.stv import STV
from pygraph.classes.digraph import digraph

Number = int | Fraction


class ExactBallot(dict[str, Any]):
    """A py-vote-core ballot dict ``{"count", "ballot"}`` whose count stays an int or Fraction."""

    def __setitem__(self, key: Any, value: Any) -> None:
        if key == "count":
            current = self.get("count")
            if isinstance(value, float):
                # py-vote-core's float(count) cast: keep the exact value it was made from.
                value = current if isinstance(current, (int, Fraction)) and float(current) == value else Fraction(value)
            if isinstance(value, Fraction) and value.denominator == 1:
                value = value.numerator
        super().__setitem__(key, value)

    def __deepcopy__(self, memo: dict[int, Any]) -> ExactBallot:
        return exact_ballot(self["count"], self["ballot"])


def exact_ballot(count: Number, ranking: Any) -> ExactBallot:
    ballot = ExactBallot()
    dict.__setitem__(ballot, "count", count)
    dict.__setitem__(ballot, "ballot", list(ranking))
    return ballot


class ExactSTV(STV):  # type: ignore[misc]  # py-vote-core ships no types: STV is Any
    """py-vote-core's STV loop with exact tallies; ballots are :func:`exact_ballot` dicts."""

    def tallies(self, ballots: list[dict[str, Any]]) -> dict[Any, Fraction]:
        # STV.tallies' rule (every continuing candidate on some ballot, each ballot's count to
        # its first choice), summed exactly.  Fractions, never ints, keep py-vote-core's
        # surplus factor a Fraction.
        totals: dict[Any, Fraction] = {}
        for ballot in ballots:
            for candidate in ballot["ballot"]:
                totals.setdefault(candidate, Fraction(0))
        for ballot in ballots:
            if ballot["ballot"]:
                totals[ballot["ballot"][0]] += ballot["count"]
        return totals


class RankedPairsByGraph(RankedPairs):  # type: ignore[misc]  # py-vote-core ships no types: Any base
    """py-vote-core's Ranked Pairs run on a given pairwise graph ``{(a, b): votes a over b}``."""

    def __init__(self, edges: dict[tuple[str, str], int], tie_breaker: list[str]) -> None:
        self.edges = edges
        super().__init__([], tie_breaker=tie_breaker)

    def standardize_ballots(self, ballots: list[Any], ballot_notation: int | None) -> None:
        self.ballots: list[Any] = []
        self.candidates = {e[0] for e in self.edges} | {e[1] for e in self.edges}

    def ballots_into_graph(self, candidates: set[str], ballots: list[Any]) -> digraph:
        graph = digraph()
        graph.add_nodes(candidates)
        for edge, weight in self.edges.items():
            graph.add_edge(edge, weight)
        return graph

    def calculate_results(self) -> None:
        self.graph = self.ballots_into_graph(self.candidates, self.ballots)
        self.pairs = self.edge_weights(self.graph)
        self.remove_weak_edges(self.graph)
        self.strong_pairs = self.edge_weights(self.graph)
        self.condorcet_completion_method()
