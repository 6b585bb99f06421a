"""Thin adapters around py-vote-core (``py3votecore``).

Nothing here re-implements a counting rule: the classes below only change how py-vote-core
is fed or how it stores numbers.

* :class:`ExactBallot` and :class:`ExactSTV` make py-vote-core's own STV loop run in exact
  rational arithmetic.  py-vote-core casts every ballot count to ``float`` and sums tallies
  from ``0.0``; an ``ExactBallot`` turns that cast back into the exact value it came from
  and ``ExactSTV.tallies`` sums from an exact zero, so the surplus factor
  ``(tally - quota) / tally`` and every comparison with the quota are exact Fractions.
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
    """A py-vote-core ballot dict whose "count" stays an exact int or Fraction."""

    def __setitem__(self, key: Any, value: Any) -> None:
        if key == "count":
            current = self.get("count")
            if isinstance(value, float):
                # py-vote-core's cast float(count): keep the exact value it was made from.
                if isinstance(current, (int, Fraction)) and float(current) == value:
                    value = current
                else:
                    value = Fraction(value)
            if isinstance(value, Fraction) and value.denominator == 1:
                value = value.numerator
        super().__setitem__(key, value)

    def __deepcopy__(self, memo: dict[int, Any]) -> ExactBallot:
        copy = ExactBallot()
        dict.__setitem__(copy, "count", self["count"])
        dict.__setitem__(copy, "ballot", list(self["ballot"]))
        return copy


def exact_ballot(count: int, ranking: tuple[str, ...]) -> ExactBallot:
    b = ExactBallot()
    dict.__setitem__(b, "count", count)
    dict.__setitem__(b, "ballot", list(ranking))
    return b


class ExactSTV(STV):  # type: ignore[misc]  # py-vote-core ships no types: STV is Any
    """py-vote-core's STV, with tallies summed exactly (see module docstring)."""

    _keyed_ballots: list[dict[str, Any]] | None = None
    _live: dict[Any, None]

    def _continuing(self, ballots: list[dict[str, Any]]) -> dict[Any, None]:
        """The candidates still on some ballot (STV.tallies' keys), kept incrementally.

        py-vote-core removes an elected or eliminated candidate from every ballot at once and
        only replaces the ballot list at the start and at a reset, so between replacements
        the continuing set is the previous one minus the last round's winners and loser.
        """
        if ballots is not self._keyed_ballots:
            self._keyed_ballots = ballots
            self._live = {c: None for ballot in ballots for c in ballot["ballot"]}
        elif self.rounds:
            last = self.rounds[-1]
            for c in list(last.get("winners", ())) + ([last["loser"]] if "loser" in last else []):
                self._live.pop(c, None)
        return self._live

    def tallies(self, ballots: list[dict[str, Any]]) -> dict[Any, Fraction]:
        # Same rule as STV.tallies, summed exactly.  Returning Fractions (never ints) keeps
        # py-vote-core's surplus factor (tally - quota) / tally a Fraction, not a float.
        whole: dict[Any, int] = dict.fromkeys(self._continuing(ballots), 0)
        parts: dict[Any, Fraction] = {}
        for ballot in ballots:
            ranking = ballot["ballot"]
            if ranking:
                count = ballot["count"]
                if type(count) is int:
                    whole[ranking[0]] += count
                else:
                    top = ranking[0]
                    parts[top] = parts.get(top, Fraction(0)) + count
        return {c: Fraction(n) + parts.get(c, 0) for c, n in whole.items()}


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
